"""Queue stats from any object of the job queue's shape render as seed 004 documents them."""

from dataclasses import dataclass

from google.protobuf import json_format

from server.admin.convert import queue_stats_to_proto


@dataclass(frozen=True)
class Stats:
    name: str
    processed: int
    failed: int
    completed: int
    waiting: int
    active: int
    delayed: int
    average_processing_ms: int
    last_job_timestamp: int
    health_status: str


def _json(message):
    # Envoy's transcoder prints with always_print_primitive_fields and lowerCamelCase names.
    return json_format.MessageToDict(message, always_print_fields_with_no_presence=True)


def test_queue_stats_render_the_documented_example():
    doc = Stats("crypto-sync", 1234, 23, 1211, 45, 5, 0, 2345, 1234567890, "healthy")
    assert _json(queue_stats_to_proto([doc])) == {
        "queues": [
            {
                "name": "crypto-sync",
                "processed": 1234,
                "failed": 23,
                "completed": 1211,
                "waiting": 45,
                "active": 5,
                "delayed": 0,
                "averageProcessingTime": 2345,
                "lastJobTimestamp": 1234567890,
                "healthStatus": "healthy",
            }
        ]
    }


def test_queue_stats_keep_order_and_zeros():
    idle = Stats("emails", 0, 0, 0, 0, 0, 0, 0, 0, "healthy")
    busy = Stats("bank-sync", 9, 1, 8, 3, 2, 1, 150, 1_900_000_000, "degraded")
    queues = _json(queue_stats_to_proto([idle, busy]))["queues"]
    assert [q["name"] for q in queues] == ["emails", "bank-sync"]
    assert queues[0]["lastJobTimestamp"] == 0 and queues[0]["processed"] == 0
    assert queues[1]["lastJobTimestamp"] == 1_900_000_000
    assert queues[1]["healthStatus"] == "degraded"


def test_no_queues_is_an_empty_list():
    assert _json(queue_stats_to_proto([])) == {"queues": []}
