"""DATABASE_URL (SQLAlchemy, asyncpg) to the libpq conninfo procrastinate's psycopg needs."""

import pytest
from psycopg.conninfo import conninfo_to_dict

from server.platform.jobs.conninfo import psycopg_conninfo


def test_tcp_url_with_credentials():
    info = conninfo_to_dict(
        psycopg_conninfo("postgresql+asyncpg://app:s3cr%40t@db.internal:6543/fingate")
    )
    assert info == {
        "host": "db.internal",
        "port": "6543",
        "dbname": "fingate",
        "user": "app",
        "password": "s3cr@t",
    }


def test_embedded_server_unix_socket_directory():
    url = "postgresql+asyncpg://postgres@/test?host=/work/var/test/pg"
    assert conninfo_to_dict(psycopg_conninfo(url)) == {
        "host": "/work/var/test/pg",
        "dbname": "test",
        "user": "postgres",
    }


@pytest.mark.parametrize(("ssl", "mode"), [("require", "require"), ("true", "require")])
def test_asyncpg_ssl_becomes_sslmode(ssl, mode):
    info = conninfo_to_dict(psycopg_conninfo(f"postgresql+asyncpg://u@h/d?ssl={ssl}"))
    assert info["sslmode"] == mode and "ssl" not in info


def test_several_hosts_are_comma_separated():
    info = conninfo_to_dict(psycopg_conninfo("postgresql+asyncpg://u@/d?host=/a&host=/b"))
    assert info["host"] == "/a,/b"
