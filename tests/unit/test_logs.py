"""The JSON log line: exceptions by type and frames only, job arguments left out."""

import json
import logging

from server.platform.logs import JsonFormatter


def _format(record: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter().format(record))


def _record(name: str, msg: str, **extra) -> logging.LogRecord:
    record = logging.makeLogRecord({"name": name, "msg": msg, "levelno": 40, "levelname": "ERROR"})
    record.__dict__.update(extra)
    return record


def test_an_exception_is_logged_by_type_and_frames_never_its_text():
    try:
        try:
            raise KeyError("sealed-token-gAAAAA")
        except KeyError as inner:
            raise ValueError("Key (email)=(someone@example.com) already exists") from inner
    except ValueError as exc:
        record = _record("fingate.errors", "unhandled error")
        record.exc_info = (type(exc), exc, exc.__traceback__)
        entry = _format(record)
    line = json.dumps(entry)
    assert "someone@example.com" not in line and "sealed-token" not in line
    assert entry["exc_type"] == "builtins.ValueError"
    assert entry["exc_chain"] == ["builtins.KeyError"]
    assert any("test_logs.py" in frame for frame in entry["exc_frames"])


def test_job_arguments_stay_out_of_procrastinate_lines():
    call = "banking.revoke_access[7](sealed_token='gAAAAABsecret')"
    job = {
        "id": 7,
        "task_name": "banking.revoke_access",
        "call_string": call,
        "task_kwargs": {"sealed_token": "gAAAAABsecret"},
        "queue": "bank-sync",
    }
    entry = _format(_record("procrastinate.worker", f"Starting job {call}", job=job))
    assert entry["msg"] == "Starting job banking.revoke_access[7]"
    assert entry["job"] == {"id": 7, "task_name": "banking.revoke_access", "queue": "bank-sync"}
    assert "secret" not in json.dumps(entry)
    assert job["task_kwargs"]  # the record itself is left as it was
