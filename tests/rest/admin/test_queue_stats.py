"""GET /api/v1/admin/queue-stats (seed 004 "Get Queue Statistics"), from the real job queue."""

from tests.factories.auth import sign_up, wait_for_mail
from tests.rest.client import call

QUEUE_KEYS = {
    "name",
    "processed",
    "failed",
    "completed",
    "waiting",
    "active",
    "delayed",
    "averageProcessingTime",
    "lastJobTimestamp",
    "healthStatus",
}


def _mail_queue(rest, admin_headers):
    body = call(rest, "GET", "/api/v1/admin/queue-stats", 200, headers=admin_headers)
    assert set(body) == {"success", "data"} and set(body["data"]) == {"queues"}
    queues = {q["name"]: q for q in body["data"]["queues"]}
    assert {"mail", "maintenance"} <= set(queues)
    for q in queues.values():
        assert set(q) == QUEUE_KEYS
        assert all(type(q[k]) is int for k in QUEUE_KEYS - {"name", "healthStatus"})
        assert q["healthStatus"] in {"healthy", "degraded", "unhealthy"}
    return queues["mail"]


def test_documented_shape_and_the_mail_queue_counts_real_jobs(rest, admin_headers, mail_dir):
    before = _mail_queue(rest, admin_headers)
    user = sign_up(rest)  # queues a verification mail: one mail.deliver job
    wait_for_mail(mail_dir, to=user.email, subject="Verify your email address")
    after = before
    for _ in range(100):  # the worker records the job's end just after the mail leaves
        after = _mail_queue(rest, admin_headers)
        if after["completed"] > before["completed"]:
            break
    assert after["completed"] > before["completed"]
    assert after["processed"] >= after["completed"] + after["failed"]
    assert (
        after["lastJobTimestamp"] >= before["lastJobTimestamp"] > 0 or after["lastJobTimestamp"] > 0
    )
