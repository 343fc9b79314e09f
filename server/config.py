"""Settings from the environment, with safe local defaults; nothing else reads os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass

# Local development only: a production start refuses it (see Settings.check).
DEV_JWT_SECRET = "fingate-local-development-secret-do-not-use-in-production"
# The payment provider sandbox (`make run`, tests) and the key it accepts; never production's.
SANDBOX_PAYMENTS_API_BASE = "http://127.0.0.1:8090"
SANDBOX_PAYMENTS_API_KEY = "sk_test_fingate_sandbox"
_MODES = ("development", "test", "production")


class ConfigError(Exception):
    """The environment does not describe a server that may start."""


@dataclass(frozen=True, slots=True)
class Settings:
    app_env: str
    grpc_host: str
    grpc_port: int
    database_url: str
    db_pool_size: int
    jwt_secret: str
    jwt_issuer: str
    jwt_audience: str
    access_token_ttl_s: int
    refresh_token_ttl_s: int
    verify_token_ttl_s: int
    reset_token_ttl_s: int
    smtp_host: str
    smtp_port: int
    mail_from: str
    public_base_url: str
    admin_email: str | None
    admin_password: str | None
    max_message_bytes: int
    # The web app: links in mails that a person opens (invitations) point there.
    app_url: str
    invitation_ttl_s: int
    log_level: str
    shutdown_grace_s: float
    version: str = "0.1.0"
    metrics_flush_s: float = 5.0
    # Stripe-compatible payments API: the local sandbox outside production.
    payments_api_base: str = SANDBOX_PAYMENTS_API_BASE
    payments_api_key: str = SANDBOX_PAYMENTS_API_KEY
    payments_timeout_s: float = 10.0
    # Background jobs (python -m server.worker).
    job_concurrency: int = 4
    job_stalled_after_s: int = 60
    job_retention_hours: int = 7 * 24
    token_retention_s: int = 7 * 24 * 3600
    mail_retention_s: int = 30 * 24 * 3600

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    def check(self) -> None:
        """Refuse settings that must not reach production."""
        if self.app_env not in _MODES:
            raise ConfigError(f"APP_ENV must be one of {', '.join(_MODES)}")
        if self.app_env != "development":
            secret = self.jwt_secret.encode()
            # 32 bytes with some variety: a repeated or dictionary string is not a key.
            if self.jwt_secret == DEV_JWT_SECRET or len(secret) < 32 or len(set(secret)) < 12:
                raise ConfigError(
                    "JWT_SECRET must be at least 32 random bytes outside local development"
                )
        if not 0 < self.metrics_flush_s <= 3600:
            raise ConfigError("METRICS_FLUSH_SECONDS must be between 0 and 3600")
        if self.job_stalled_after_s < 1 or self.job_concurrency < 1:
            raise ConfigError("JOB_STALLED_AFTER_SECONDS and JOB_CONCURRENCY must be at least 1")
        if self.is_production:
            if not self.public_base_url.startswith("https://"):
                raise ConfigError("PUBLIC_BASE_URL must be https:// in production")
            if not self.app_url.startswith("https://"):
                raise ConfigError("APP_URL must be https:// in production")
            # Unset is allowed (paid subscriptions then answer 503); the sandbox key is not.
            if self.payments_api_key == SANDBOX_PAYMENTS_API_KEY:
                raise ConfigError("PAYMENTS_API_KEY must be a real key in production")


def _int(env: dict[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{key} must be an integer, got {raw!r}") from None


def _float(env: dict[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a number, got {raw!r}") from None


def load(env: dict[str, str] | None = None) -> Settings:
    """Read Settings from the environment (or the given mapping)."""
    e = dict(os.environ if env is None else env)
    app_env = e.get("APP_ENV", "development")
    secret = e.get("JWT_SECRET") or (DEV_JWT_SECRET if app_env == "development" else "")
    settings = Settings(
        app_env=app_env,
        grpc_host=e.get("GRPC_HOST", "127.0.0.1"),
        grpc_port=_int(e, "GRPC_PORT", 50051),
        database_url=e.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"),
        db_pool_size=_int(e, "DB_POOL_SIZE", 8),
        jwt_secret=secret,
        jwt_issuer=e.get("JWT_ISSUER", "mappr-backend"),
        jwt_audience=e.get("JWT_AUDIENCE", "mappr-web"),
        access_token_ttl_s=_int(e, "ACCESS_TOKEN_TTL_SECONDS", 3600),
        refresh_token_ttl_s=_int(e, "REFRESH_TOKEN_TTL_SECONDS", 7 * 24 * 3600),
        verify_token_ttl_s=_int(e, "VERIFY_TOKEN_TTL_SECONDS", 24 * 3600),
        reset_token_ttl_s=_int(e, "RESET_TOKEN_TTL_SECONDS", 3600),
        smtp_host=e.get("SMTP_HOST", "127.0.0.1"),
        smtp_port=_int(e, "SMTP_PORT", 1025),
        mail_from=e.get("MAIL_FROM", "fingate <no-reply@fingate.local>"),
        public_base_url=e.get("PUBLIC_BASE_URL", "http://127.0.0.1:8080").rstrip("/"),
        admin_email=e.get("ADMIN_EMAIL") or None,
        admin_password=e.get("ADMIN_PASSWORD") or None,
        max_message_bytes=_int(e, "MAX_MESSAGE_BYTES", 1024 * 1024),
        app_url=e.get("APP_URL", "http://127.0.0.1:3000").rstrip("/"),
        invitation_ttl_s=_int(e, "INVITATION_TTL_SECONDS", 7 * 24 * 3600),
        log_level=e.get("LOG_LEVEL", "INFO").upper(),
        shutdown_grace_s=float(e.get("SHUTDOWN_GRACE_SECONDS", "10")),
        metrics_flush_s=_float(e, "METRICS_FLUSH_SECONDS", 5.0),
        payments_api_base=e.get("PAYMENTS_API_BASE")
        or ("https://api.stripe.com" if app_env == "production" else SANDBOX_PAYMENTS_API_BASE),
        payments_api_key=e.get("PAYMENTS_API_KEY")
        or ("" if app_env == "production" else SANDBOX_PAYMENTS_API_KEY),
        payments_timeout_s=float(e.get("PAYMENTS_TIMEOUT_SECONDS", "10")),
        job_concurrency=_int(e, "JOB_CONCURRENCY", 4),
        job_stalled_after_s=_int(e, "JOB_STALLED_AFTER_SECONDS", 60),
        job_retention_hours=_int(e, "JOB_RETENTION_HOURS", 7 * 24),
        token_retention_s=_int(e, "TOKEN_RETENTION_SECONDS", 7 * 24 * 3600),
        mail_retention_s=_int(e, "MAIL_RETENTION_SECONDS", 30 * 24 * 3600),
    )
    settings.check()
    return settings
