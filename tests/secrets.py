"""Credentials the test stack is started with (tests only; never a real secret)."""

from server.platform import config

JWT_SECRET = "fingate-test-suite-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH"
ADMIN = {"email": "admin@example.com", "password": "AdminPassword123!"}


def make_settings(**env: str) -> config.Settings:
    """Settings in test mode with the suite's JWT secret, plus the given variables."""
    return config.load({"APP_ENV": "test", "JWT_SECRET": JWT_SECRET, **env})
