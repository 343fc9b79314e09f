"""Core statements compiled once, run on the pooled asyncpg connection itself.

For the few reads every request makes (the session and membership checks) and the transaction
list: there SQLAlchemy's per-call work (building the statement, its cache key, the compiled-cache
lookup, the result adaptation) cost several times the queries themselves (py-spy, about 40% of
the server's CPU on the list). The SQL is still written once, in Core, next to the rest of its
repository; only its execution skips the layers. Parameters are `bindparam`s, named on each call;
rows are asyncpg Records (indexed by column name or position, not attributes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asyncpg import Connection, Record
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class Compiled:
    """One statement's SQL text ($n placeholders) and its parameter names in order."""

    sql: str
    names: tuple[str, ...]
    # The statement's own literals (`coalesce(x, 0)`), which Core binds anonymously.
    constants: dict[str, Any]

    @classmethod
    def of(cls, statement: ClauseElement) -> Compiled:
        compiled = statement.compile(dialect=_DIALECT)
        assert isinstance(compiled, SQLCompiler)
        names = tuple(compiled.positiontup or ())
        constants = {
            name: bind.effective_value
            for name, bind in ((n, compiled.binds[n]) for n in names)
            if bind.unique  # anonymous: a literal of the statement, not a named parameter
        }
        return cls(str(compiled), names, constants)

    def args(self, params: dict[str, Any]) -> list[Any]:
        if self.constants:
            return [
                self.constants[name] if name in self.constants else params[name]
                for name in self.names
            ]
        return [params[name] for name in self.names]

    async def fetch(self, conn: Connection, **params: Any) -> Sequence[Record]:
        # asyncpg prepares the text once per connection and keeps it (statement_cache_size).
        rows: Sequence[Record] = await conn.fetch(self.sql, *self.args(params))
        return rows

    async def fetchrow(self, conn: Connection, **params: Any) -> Record | None:
        row: Record | None = await conn.fetchrow(self.sql, *self.args(params))
        return row
