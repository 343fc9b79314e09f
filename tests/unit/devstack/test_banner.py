from server.dev.devstack.__main__ import _shown


def test_the_banner_shows_urls_without_their_password():
    assert _shown("redis://:s3cret@redis.internal:6379/0") == "redis://:***@redis.internal:6379/0"
    assert (
        _shown("postgresql+asyncpg://fingate:pw@db:5432/app")
        == "postgresql+asyncpg://fingate:***@db:5432/app"
    )
    assert _shown("redis://127.0.0.1:6380/0") == "redis://127.0.0.1:6380/0"
    assert _shown("postgresql+asyncpg://postgres@/postgres?host=/x") == (
        "postgresql+asyncpg://postgres@/postgres?host=/x"
    )
