"""A real deadlock between two sessions is recognised as a transient abort, and the retry
interceptor runs a call whose transaction was aborted so again (issue 10)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text

from server.platform.contract.registry import MethodSpec
from server.platform.db.database import is_transient_abort
from server.platform.errors import ServiceUnavailable, translate_foreign
from server.platform.interceptors.retry import ATTEMPTS, RetryInterceptor


async def _deadlock(db) -> BaseException:
    """Two transactions that each hold the row the other wants; PostgreSQL aborts one."""
    table = f"deadlock_probe_{uuid.uuid4().hex[:8]}"
    async with db.transaction() as s:
        await s.execute(text(f"CREATE TABLE {table} (id int PRIMARY KEY, n int)"))
        await s.execute(text(f"INSERT INTO {table} VALUES (1, 0), (2, 0)"))
    first_holds, second_holds = asyncio.Event(), asyncio.Event()

    async def crosswise(mine: int, theirs: int, held: asyncio.Event, other: asyncio.Event):
        async with db.transaction() as s:
            await s.execute(text(f"UPDATE {table} SET n = n + 1 WHERE id = {mine}"))
            held.set()
            await other.wait()
            await s.execute(text(f"UPDATE {table} SET n = n + 1 WHERE id = {theirs}"))

    try:
        results = await asyncio.gather(
            crosswise(1, 2, first_holds, second_holds),
            crosswise(2, 1, second_holds, first_holds),
            return_exceptions=True,
        )
    finally:
        async with db.transaction() as s:
            await s.execute(text(f"DROP TABLE {table}"))
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1, results  # one aborted, the other committed
    return errors[0]


async def test_a_real_deadlock_is_a_transient_abort(db):
    error = await _deadlock(db)
    assert is_transient_abort(error)
    mapped = translate_foreign(error)
    # Not a 500: 503 with Retry-After, for the caller to try again.
    assert isinstance(mapped, ServiceUnavailable) and mapped.retry_after == 1


def test_other_errors_are_not_transient():
    assert not is_transient_abort(ValueError("x"))
    assert translate_foreign(ValueError("x")) is None


SPEC = MethodSpec("/fingate.test.v1.Test/Call", False, frozenset(), 0, 0, False)


class _Aborted(Exception):
    sqlstate = "40P01"


async def test_the_retry_interceptor_runs_an_aborted_call_again():
    calls = []

    async def handler(request, context):
        calls.append(request)
        if len(calls) < ATTEMPTS:
            raise _Aborted()
        return "done"

    wrapped = RetryInterceptor(registry=None).wrap_unary(SPEC, handler)  # type: ignore[arg-type]
    assert await wrapped("req", None) == "done"
    assert calls == ["req"] * ATTEMPTS


async def test_idempotent_calls_are_left_to_their_key():
    async def handler(request, context):
        raise _Aborted()

    spec = MethodSpec(SPEC.path, False, frozenset(), 0, 0, False, idempotent=True)
    wrapped = RetryInterceptor(registry=None).wrap_unary(spec, handler)  # type: ignore[arg-type]
    with pytest.raises(_Aborted):
        await wrapped("req", None)
