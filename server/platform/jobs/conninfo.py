"""The libpq connection string psycopg (procrastinate) needs, from our SQLAlchemy URL."""

from __future__ import annotations

from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url


def _one(value: str | tuple[str, ...]) -> str:
    # Several hosts (or ports) are comma-separated in libpq, repeated keys in a URL query.
    return value if isinstance(value, str) else ",".join(value)


def psycopg_conninfo(database_url: str) -> str:
    """A libpq conninfo for DATABASE_URL (e.g. `postgresql+asyncpg://u:p@h:5432/db`).

    The embedded server's URL names a unix-socket directory in the query
    (`postgresql+asyncpg://postgres@/db?host=/path`); libpq takes that directory as `host`.
    asyncpg's `ssl=` becomes libpq's `sslmode=`; other query keys pass through as they are.
    """
    url = make_url(database_url)
    params: dict[str, str] = {}
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = str(url.port)
    if url.database:
        params["dbname"] = url.database
    if url.username:
        params["user"] = url.username
    if url.password is not None:
        params["password"] = str(url.password)
    for key, value in url.query.items():
        if key == "ssl":
            mode = _one(value)
            params["sslmode"] = {"true": "require", "false": "disable"}.get(mode.lower(), mode)
        else:
            params[key] = _one(value)
    return make_conninfo(**params)
