"""Structured JSON logs, one object per line, carrying the request id of the call."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import traceback
from types import TracebackType

from server.platform.context import request_id_var

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def exception_outline(exc_info: ExcInfo) -> dict[str, object]:
    """The exception's types (with its causes) and the frames it passed through, never its text.

    Exception messages carry data: a driver error quotes the row it refused
    (`Key (email)=(…)`), SQLAlchemy appends the bound parameters, a provider error echoes a token.
    Types and code locations are what an operator needs to find the fault; the request id
    leads to the rest."""
    outline = traceback.TracebackException(*exc_info, capture_locals=False)
    types: list[str] = []
    current: traceback.TracebackException | None = outline
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        types.append(_name(current))
        current = current.__cause__ or current.__context__
    frames = [f"{f.filename}:{f.lineno} in {f.name}" for f in outline.stack]
    return {"exc_type": types[0], "exc_chain": types[1:], "exc_frames": frames}


def _name(outline: traceback.TracebackException) -> str:
    exc_type = outline.exc_type
    return f"{exc_type.__module__}.{exc_type.__qualname__}" if exc_type else "?"


def _without_job_arguments(message: str, extra: dict[str, object]) -> str:
    """procrastinate logs each job's call with its arguments (`task[id](sealed_token=…)`), in
    the message and in `extra["job"]`: arguments are data (sealed tokens, ids, addresses), so
    the log keeps the task and job id only."""
    job = extra.get("job")
    if not isinstance(job, dict):
        return message
    call = job.get("call_string")
    job = {k: v for k, v in job.items() if k not in ("task_kwargs", "call_string")}
    extra["job"] = job
    if isinstance(call, str):
        message = message.replace(call, f"{job.get('task_name')}[{job.get('id')}]")
    return message


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        message = record.getMessage()
        if record.name.startswith("procrastinate"):
            message = _without_job_arguments(message, extra)
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": message,
            "request_id": request_id_var.get(),
        }
        entry.update(extra)
        if record.exc_info and record.exc_info[0] is not None:
            entry.update(exception_outline(record.exc_info))  # type: ignore[arg-type]
        return json.dumps(entry, default=str)


def configure(level: str) -> None:
    """Route every logger to stderr as JSON."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
