"""Settings from the environment, with safe local defaults; nothing else reads os.environ."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from limits import RateLimitItem, parse_many

# Local development only: a production start refuses it (see Settings.check).
DEV_JWT_SECRET = "fingate-local-development-secret-do-not-use-in-production"
# The payment provider sandbox (`make run`, tests) and the key it accepts; never production's.
SANDBOX_PAYMENTS_API_BASE = "http://127.0.0.1:8090"
SANDBOX_PAYMENTS_API_KEY = "sk_test_fingate_sandbox"
# The crypto portfolio sandbox's key (any non-empty key opens it; production refuses this one).
SANDBOX_ZERION_API_KEY = "zk_dev_fingate_sandbox"
# Bank aggregators: the sandbox serves Plaid under /plaid and Teller under /teller.
SANDBOX_PLAID_CLIENT_ID = "fingate_sandbox_client"
SANDBOX_PLAID_SECRET = "fingate_sandbox_secret"
# OAuth apps of the integrations hub (server/providers/apps): per service its env prefix, the
# production endpoints (authorize, token, revoke, API base) and the sandbox's paths for them.
OAUTH_APP_SERVICES = ("stripe", "slack", "quickbooks", "xero")
OAUTH_APP_ENV = {
    "stripe": "STRIPE_CONNECT",
    "slack": "SLACK",
    "quickbooks": "QUICKBOOKS",
    "xero": "XERO",
}
OAUTH_APP_ENDPOINTS = ("authorize_url", "token_url", "revoke_url", "api_base")
OAUTH_APP_PRODUCTION = {
    "stripe": (
        "https://connect.stripe.com/oauth/authorize",
        "https://connect.stripe.com/oauth/token",
        "https://connect.stripe.com/oauth/deauthorize",
        "https://api.stripe.com",
    ),
    "slack": (
        "https://slack.com/oauth/v2/authorize",
        "https://slack.com/api/oauth.v2.access",
        "https://slack.com/api/auth.revoke",
        "https://slack.com/api",
    ),
    "quickbooks": (
        "https://appcenter.intuit.com/connect/oauth2",
        "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
        "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
        "https://quickbooks.api.intuit.com",
    ),
    "xero": (
        "https://login.xero.com/identity/connect/authorize",
        "https://identity.xero.com/connect/token",
        "https://identity.xero.com/connect/revocation",
        "https://api.xero.com",
    ),
}
OAUTH_APP_SANDBOX_PATHS = {
    "stripe": (
        "/stripe-connect/oauth/authorize",
        "/stripe-connect/oauth/token",
        "/stripe-connect/oauth/deauthorize",
        "",
    ),
    "slack": (
        "/slack/oauth/v2/authorize",
        "/slack/api/oauth.v2.access",
        "/slack/api/auth.revoke",
        "/slack/api",
    ),
    "quickbooks": (
        "/intuit/connect/oauth2",
        "/intuit/oauth2/v1/tokens/bearer",
        "/intuit/oauth2/v1/tokens/revoke",
        "/intuit",
    ),
    "xero": (
        "/xero/identity/connect/authorize",
        "/xero/identity/connect/token",
        "/xero/identity/connect/revocation",
        "/xero",
    ),
}
# The sandbox's registered app per service: (client id, client secret); production refuses them.
SANDBOX_OAUTH_APPS = {
    "stripe": ("ca_fingate_sandbox", "sk_test_fingate_connect_sandbox"),
    "slack": ("1000000000.2000000000", "fingate_slack_sandbox_secret"),
    "quickbooks": ("ABfingateSandboxQuickBooksClient", "fingate_intuit_sandbox_secret"),
    "xero": ("FINGATESANDBOXXEROCLIENT00000000", "fingate_xero_sandbox_secret"),
}


def oauth_app_env(sandbox_url: str) -> dict[str, str]:
    """The environment that points every OAuth app's endpoints at the sandbox at `sandbox_url`
    (the devstack and the tests, whose sandbox listens elsewhere than the default)."""
    return {
        f"{OAUTH_APP_ENV[service]}_{name.upper()}": sandbox_url + path
        for service, paths in OAUTH_APP_SANDBOX_PATHS.items()
        for name, path in zip(OAUTH_APP_ENDPOINTS, paths, strict=True)
    }


# Payment rails (server/providers/rails): the sandbox serves ACH under /ach and SWIFT under /swift
# and knows any key starting `sk_rail_test_`; this is the one the devstack and tests use.
RAIL_TYPES_WITH_API = ("ACH", "SWIFT")
SANDBOX_RAIL_API_KEY = "sk_rail_test_fingate"
SANDBOX_RAIL_KEY_PREFIX = "sk_rail_test_"


def rail_env(sandbox_url: str) -> dict[str, str]:
    """The environment that points the payment rails at the sandbox at `sandbox_url`."""
    return {f"{rail}_API_BASE": f"{sandbox_url}/{rail.lower()}" for rail in RAIL_TYPES_WITH_API}


def _rail_bases(env: dict[str, str], app_env: str) -> dict[str, str]:
    """`ach_api_base` and `swift_api_base`: the variable, else the sandbox outside production
    and nothing in production (each integration's config then gives `api_base`)."""
    sandbox = "" if app_env == "production" else SANDBOX_PAYMENTS_API_BASE
    return {
        f"{rail.lower()}_api_base": (
            env.get(f"{rail}_API_BASE") or (sandbox and f"{sandbox}/{rail.lower()}")
        ).rstrip("/")
        for rail in RAIL_TYPES_WITH_API
    }


# Local development only: encrypts provider tokens and account numbers at rest. Production
# refuses it (see Settings.check); ENCRYPTION_KEYS lists real keys, newest first.
DEV_ENCRYPTION_KEY = "ZmluZ2F0ZS1sb2NhbC1kZXYta2V5LW5vdC1zZWNyZXQ="
# Local development only: verifies QuickBooks webhooks (README names it; production refuses it).
DEV_QUICKBOOKS_WEBHOOK_VERIFIER = "fingate-dev-quickbooks-verifier"
_MODES = ("development", "test", "production")
# OTLP transports the exporters speak (OTEL_EXPORTER_OTLP_PROTOCOL; http/json has no exporter).
OTLP_PROTOCOLS = ("grpc", "http/protobuf")
# Server or worker processes one launcher starts on one machine.
MAX_PROCESSES = 64
# Seed 004 "API Tiers" and "Rate Limit Tiers": per class, per plan (a class that does not
# depend on the plan has one entry, ANY_PLAN). README.md lists the variables that override them.
ANY_PLAN = "*"
PLANS = ("FREE", "PRO", "ULTIMATE")
RATE_LIMIT_DEFAULTS: dict[str, str] = {
    "GENERAL": "FREE=100/15minutes,PRO=500/15minutes,ULTIMATE=2000/15minutes",
    "WRITE": "FREE=10/minute,PRO=50/minute,ULTIMATE=200/minute",
    "SYNC": "3/5minutes",
    "LIVE": "50/minute",
    "ADMIN": "200/hour",
    "AUTH": "10/minute",
    # Per account (the normalised email), whatever the client address: wrong passwords, after
    # which sign-in answers 429 until the window ends, and password-reset mails sent.
    "SIGN_IN_FAILURES": "10/15minutes",
    "RESET_MAIL": "3/hour",
    # Seed 002 "Rate Limits": app connections created, syncs per connection, OAuth flows.
    "APP_CONNECT": "5/minute",
    "APP_SYNC": "10/minute",
    "APP_OAUTH": "20/minute",
}
# Classes keyed per client address or per account, where no plan is known.
_ADDRESS_CLASSES = frozenset({"AUTH", "SIGN_IN_FAILURES", "RESET_MAIL"})
# Seed 003's token buckets: `CAPACITY:AMOUNT/PERIOD` (a full bucket holds CAPACITY calls and
# AMOUNT tokens flow back per PERIOD); `AMOUNT/PERIOD` alone means CAPACITY = AMOUNT.
TOKEN_BUCKET_DEFAULTS: dict[str, str] = {
    "API_READ": "100:100/minute",
    "PROVIDER_SYNC": "10:5/minute",
}


@dataclass(frozen=True, slots=True)
class TokenBucketRate:
    """A token bucket: `capacity` calls at once, refilled by `refill` tokens per `period_s`."""

    capacity: int
    refill: int
    period_s: int

    @property
    def per_second(self) -> float:
        return self.refill / self.period_s


class ConfigError(Exception):
    """The environment does not describe a server that may start."""


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """An integrations-hub service's OAuth app: where to send the user, where to trade codes,
    where to revoke ("" when the service has no revocation endpoint), its API, our client."""

    service: str
    authorize_url: str
    token_url: str
    revoke_url: str
    api_base: str
    client_id: str
    client_secret: str


_CREDS = ("client_id", "client_secret")


def _oauth_apps(env: dict[str, str], app_env: str) -> dict[str, str]:
    """Settings fields of every OAuth app: production's hosts and no credentials in
    production, the sandbox's endpoints and app elsewhere; each overridable by its variable."""
    out = {}
    for service, prefix in OAUTH_APP_ENV.items():
        defaults: tuple[str, ...]
        if app_env == "production":
            defaults = (*OAUTH_APP_PRODUCTION[service], "", "")
        else:
            paths = OAUTH_APP_SANDBOX_PATHS[service]
            defaults = (
                *(SANDBOX_PAYMENTS_API_BASE + p for p in paths),
                *SANDBOX_OAUTH_APPS[service],
            )
        for name, default in zip((*OAUTH_APP_ENDPOINTS, *_CREDS), defaults, strict=True):
            value = env.get(f"{prefix}_{name.upper()}") or default
            out[f"{prefix.lower()}_{name}"] = (
                value.rstrip("/") if name != "client_secret" else value
            )
    return out


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
    # Prometheus (server/platform/metrics/exposition.py): the server's `GET /metrics` port (0:
    # none) and the directory every process writes its samples to (prometheus-client's own
    # PROMETHEUS_MULTIPROC_DIR, read by the library at import; None: each process alone).
    metrics_port: int = 9464
    prometheus_multiproc_dir: str | None = None
    # How many server processes share GRPC_PORT (SO_REUSEPORT), as their launcher (the dev
    # stack, server/dev/devstack) tells each of them: above 1, counters and cached reads must
    # live in a store they share (REDIS_URL). A server started on its own is the only one.
    server_processes: int = 1
    # A port of this process alone besides GRPC_PORT (0: none), so that a proxy can balance
    # calls over processes that share GRPC_PORT (the kernel balances connections only).
    grpc_process_port: int = 0
    # App connections (server/apps): redirect URIs an OAuth flow may return to (exact URLs;
    # outside production any path on APP_URL's origin too), and the QuickBooks webhook
    # verifier token.
    oauth_redirect_uris: tuple[str, ...] = ()
    quickbooks_webhook_verifier: str = ""
    # Service principals (server/gateway/principals.py): the audience of their tokens, which
    # no user token carries, and how long a token lives.
    service_jwt_audience: str = "fingate-internal"
    service_token_ttl_s: int = 900
    # A gateway integration whose check takes longer than this is DEGRADED.
    gateway_degraded_ms: int = 2000
    # Stripe-compatible payments API: the local sandbox outside production.
    payments_api_base: str = SANDBOX_PAYMENTS_API_BASE
    payments_api_key: str = SANDBOX_PAYMENTS_API_KEY
    payments_timeout_s: float = 10.0
    # Bank aggregators (server/providers): the local sandbox outside production.
    plaid_api_base: str = SANDBOX_PAYMENTS_API_BASE + "/plaid"
    plaid_client_id: str = SANDBOX_PLAID_CLIENT_ID
    plaid_secret: str = SANDBOX_PLAID_SECRET
    teller_api_base: str = SANDBOX_PAYMENTS_API_BASE + "/teller"
    # Daily exchange rates (units per US dollar) for the net-worth balance sheet.
    rates_api_base: str = SANDBOX_PAYMENTS_API_BASE + "/rates"
    # The crypto portfolio provider (Zerion's API; the sandbox's /zerion outside production).
    zerion_api_base: str = SANDBOX_PAYMENTS_API_BASE + "/zerion"
    zerion_api_key: str = SANDBOX_ZERION_API_KEY
    # The integrations hub's OAuth apps (server/providers/apps): each service's endpoints and
    # credentials, production's hosts in production and the sandbox elsewhere (oauth_app()).
    stripe_connect_authorize_url: str = ""
    stripe_connect_token_url: str = ""
    stripe_connect_revoke_url: str = ""
    stripe_connect_api_base: str = ""
    stripe_connect_client_id: str = ""
    stripe_connect_client_secret: str = ""
    slack_authorize_url: str = ""
    slack_token_url: str = ""
    slack_revoke_url: str = ""
    slack_api_base: str = ""
    slack_client_id: str = ""
    slack_client_secret: str = ""
    quickbooks_authorize_url: str = ""
    quickbooks_token_url: str = ""
    quickbooks_revoke_url: str = ""
    quickbooks_api_base: str = ""
    quickbooks_client_id: str = ""
    quickbooks_client_secret: str = ""
    xero_authorize_url: str = ""
    xero_token_url: str = ""
    xero_revoke_url: str = ""
    xero_api_base: str = ""
    xero_client_id: str = ""
    xero_client_secret: str = ""
    # Payment rails (server/providers/rails): the ACH and SWIFT APIs, the sandbox's /ach and
    # /swift outside production and unset in production (an integration's config then gives
    # `api_base`); the read timeout of a payment submit (a longer wait is an ambiguous outcome).
    ach_api_base: str = SANDBOX_PAYMENTS_API_BASE + "/ach"
    swift_api_base: str = SANDBOX_PAYMENTS_API_BASE + "/swift"
    rail_timeout_s: float = 10.0
    # The portfolio provider's circuit breaker: opens after this many failed calls in a row
    # (each already retried), stays open this long.
    provider_breaker_threshold: int = 5
    provider_breaker_open_s: float = 60.0
    provider_timeout_s: float = 15.0
    # Fernet keys (urlsafe base64 of 32 bytes), newest first: the first encrypts, every one
    # decrypts, so a key is rotated by putting a new one in front (server/platform/encryption.py).
    encryption_keys: tuple[str, ...] = (DEV_ENCRYPTION_KEY,)
    # Background jobs (python -m server.worker).
    job_concurrency: int = 4
    job_stalled_after_s: int = 60
    job_retention_hours: int = 7 * 24
    token_retention_s: int = 7 * 24 * 3600
    mail_retention_s: int = 30 * 24 * 3600
    # Rate limits: class → {plan or ANY_PLAN → limits-library string such as "100/15minutes"}.
    rate_limits: dict[str, dict[str, str]] = field(
        default_factory=lambda: {k: parse_rate_limit(k, v) for k, v in RATE_LIMIT_DEFAULTS.items()}
    )
    # Client networks exempt from the per-address (AUTH) limits.
    rate_limit_trusted_cidrs: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # Counters in Redis (shared by every server process) when set, else in process memory.
    redis_url: str | None = None
    # Prefix of every counter key in Redis: deployments (or test runs) sharing one Redis.
    rate_limit_key_prefix: str = "fingate"
    # Token-bucket classes (seed 003): class → rate.
    token_buckets: dict[str, TokenBucketRate] = field(
        default_factory=lambda: {
            k: parse_token_bucket(f"RATE_LIMIT_{k}", v) for k, v in TOKEN_BUCKET_DEFAULTS.items()
        }
    )
    # How long a cached read may be served (server/platform/cache).
    cache_ttl_s: int = 60
    # Quiet seconds after which a sync progress stream sends a heartbeat event.
    stream_heartbeat_s: float = 15.0
    # gRPC server reflection and the API docs (/docs, /openapi.json): on by default outside
    # production, off in production unless enabled.
    grpc_reflection: bool = True
    api_docs: bool = True
    # Shared with Envoy, which adds it to every request it forwards (x-fingate-edge): only a
    # call carrying it may name its client with x-envoy-external-address. Required in
    # production; unset elsewhere, that header is trusted as it comes.
    edge_token: str = ""
    # Traces (server/platform/tracing): OTLP to this collector, off when empty. The standard
    # OTEL_* names; the SDK reads its other knobs (OTEL_BSP_*, OTEL_EXPORTER_OTLP_HEADERS) itself.
    otel_endpoint: str = ""
    otel_protocol: str = "grpc"
    # Empty: fingate-server or fingate-worker, by process.
    otel_service_name: str = ""

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    def oauth_app(self, service: str) -> OAuthApp:
        """One integrations-hub service's OAuth endpoints and credentials."""
        prefix = OAUTH_APP_ENV[service].lower()
        values = [getattr(self, f"{prefix}_{name}") for name in (*OAUTH_APP_ENDPOINTS, *_CREDS)]
        return OAuthApp(service, *values)

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
        if not 0 < self.stream_heartbeat_s <= 300:
            raise ConfigError("STREAM_HEARTBEAT_SECONDS must be above 0 and at most 300")
        if self.service_jwt_audience == self.jwt_audience:
            raise ConfigError("SERVICE_JWT_AUDIENCE must differ from JWT_AUDIENCE")
        if not 60 <= self.service_token_ttl_s <= 3600:
            raise ConfigError("SERVICE_TOKEN_TTL_SECONDS must be between 60 and 3600")
        if not 1 <= self.cache_ttl_s <= 3600:
            raise ConfigError("CACHE_TTL_SECONDS must be between 1 and 3600")
        if not 0 < self.metrics_flush_s <= 3600:
            raise ConfigError("METRICS_FLUSH_SECONDS must be between 0 and 3600")
        if not 1 <= self.server_processes <= MAX_PROCESSES:
            raise ConfigError(f"SERVER_PROCESSES must be between 1 and {MAX_PROCESSES}")
        if self.server_processes > 1 and self.redis_url is None:
            raise ConfigError(
                "SERVER_PROCESSES above 1 needs REDIS_URL: the processes must share their rate"
                " limits and cached reads"
            )
        if not 0 <= self.grpc_process_port <= 65535:
            raise ConfigError("GRPC_PROCESS_PORT must be a TCP port, or 0 for none")
        if not 0 <= self.metrics_port <= 65535:
            raise ConfigError("METRICS_PORT must be a TCP port, or 0 for no metrics endpoint")
        if self.prometheus_multiproc_dir and not os.path.isdir(self.prometheus_multiproc_dir):
            raise ConfigError("PROMETHEUS_MULTIPROC_DIR must be an existing directory")
        if self.job_stalled_after_s < 1 or self.job_concurrency < 1:
            raise ConfigError("JOB_STALLED_AFTER_SECONDS and JOB_CONCURRENCY must be at least 1")
        if not 0 < self.rail_timeout_s <= 300:
            raise ConfigError("RAIL_TIMEOUT_SECONDS must be above 0 and at most 300")
        if self.provider_breaker_threshold < 1 or not self.provider_breaker_open_s > 0:
            raise ConfigError(
                "PROVIDER_BREAKER_THRESHOLD must be at least 1 and PROVIDER_BREAKER_OPEN_SECONDS"
                " above 0"
            )
        if self.otel_endpoint and not self.otel_endpoint.startswith(("http://", "https://")):
            raise ConfigError("OTEL_EXPORTER_OTLP_ENDPOINT must start with http:// or https://")
        if self.otel_protocol not in OTLP_PROTOCOLS:
            raise ConfigError(
                f"OTEL_EXPORTER_OTLP_PROTOCOL must be one of {', '.join(OTLP_PROTOCOLS)}"
            )
        if self.is_production:
            if not self.public_base_url.startswith("https://"):
                raise ConfigError("PUBLIC_BASE_URL must be https:// in production")
            if not self.app_url.startswith("https://"):
                raise ConfigError("APP_URL must be https:// in production")
            # Unset is allowed (paid subscriptions then answer 503); the sandbox key is not.
            if self.payments_api_key == SANDBOX_PAYMENTS_API_KEY:
                raise ConfigError("PAYMENTS_API_KEY must be a real key in production")
            if not self.encryption_keys or DEV_ENCRYPTION_KEY in self.encryption_keys:
                raise ConfigError("ENCRYPTION_KEYS must hold real keys in production")
            if self.plaid_secret == SANDBOX_PLAID_SECRET:
                raise ConfigError("PLAID_SECRET must be a real secret in production")
            if self.zerion_api_key == SANDBOX_ZERION_API_KEY:
                raise ConfigError("ZERION_API_KEY must be a real key in production")
            for service, (_, sandbox_secret) in SANDBOX_OAUTH_APPS.items():
                if self.oauth_app(service).client_secret == sandbox_secret:
                    name = OAUTH_APP_ENV[service]
                    raise ConfigError(f"{name}_CLIENT_SECRET must be a real secret in production")
            if self.quickbooks_webhook_verifier == DEV_QUICKBOOKS_WEBHOOK_VERIFIER:
                raise ConfigError("QUICKBOOKS_WEBHOOK_VERIFIER must be a real token in production")
            if len(self.edge_token) < 32:
                raise ConfigError("EDGE_TOKEN must be at least 32 random characters in production")


def _flag(env: dict[str, str], key: str, default: bool) -> bool:
    raw = (env.get(key) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{key} must be true or false")


def process_count(env: Mapping[str, str], key: str, default: int) -> int:
    """SERVER_PROCESSES or WORKER_PROCESSES as a launcher reads it: 1 … MAX_PROCESSES."""
    count = _int(dict(env), key, default)
    if not 1 <= count <= MAX_PROCESSES:
        raise ConfigError(f"{key} must be between 1 and {MAX_PROCESSES}")
    return count


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


def _keys(env: dict[str, str], key: str, app_env: str) -> tuple[str, ...]:
    raw = env.get(key, "")
    keys = tuple(k.strip() for k in raw.split(",") if k.strip())
    if keys:
        return keys
    return () if app_env == "production" else (DEV_ENCRYPTION_KEY,)


def _rate_item(key: str, text: str) -> RateLimitItem:
    try:
        items = parse_many(text)
    except ValueError:
        raise ConfigError(
            f"{key}: {text!r} is not a rate limit such as 100/15minutes or 10/minute"
        ) from None
    if len(items) != 1 or items[0].amount < 1:
        raise ConfigError(f"{key}: {text!r} must be one limit of at least 1 request")
    return items[0]


def parse_rate_limit(rate_class: str, text: str, key: str | None = None) -> dict[str, str]:
    """`10/minute` (every plan) or `FREE=…,PRO=…,ULTIMATE=…` (each plan) → {plan: limit}."""
    key = key or f"RATE_LIMIT_{rate_class}"
    text = text.strip()
    if "=" not in text:
        _rate_item(key, text)
        return {ANY_PLAN: text}
    if rate_class in _ADDRESS_CLASSES:
        raise ConfigError(f"{key} is per address or account: give one limit, not one per plan")
    found: dict[str, str] = {}
    for entry in text.split(","):
        plan, _, limit = (part.strip() for part in entry.partition("="))
        if plan.upper() not in PLANS:
            raise ConfigError(f"{key}: {plan!r} is not a plan ({', '.join(PLANS)})")
        _rate_item(key, limit)
        found[plan.upper()] = limit
    missing = [p for p in PLANS if p not in found]
    if missing:
        raise ConfigError(f"{key}: no limit for {', '.join(missing)}")
    return found


def parse_token_bucket(key: str, text: str) -> TokenBucketRate:
    """`10:5/minute` → capacity 10, 5 tokens back per minute; `100/minute` → 100 and 100."""
    capacity_text, sep, rate_text = text.strip().rpartition(":")
    item = _rate_item(key, rate_text)
    capacity = item.amount
    if sep:
        try:
            capacity = int(capacity_text)
        except ValueError:
            capacity = 0
        if capacity < 1:
            raise ConfigError(f"{key}: {text!r} must be CAPACITY:AMOUNT/PERIOD such as 10:5/minute")
    return TokenBucketRate(capacity=capacity, refill=item.amount, period_s=item.get_expiry())


def _token_buckets(env: dict[str, str]) -> dict[str, TokenBucketRate]:
    return {
        name: parse_token_bucket(f"RATE_LIMIT_{name}", env.get(f"RATE_LIMIT_{name}") or default)
        for name, default in TOKEN_BUCKET_DEFAULTS.items()
    }


def _rate_limits(env: dict[str, str]) -> dict[str, dict[str, str]]:
    return {
        name: parse_rate_limit(name, env.get(f"RATE_LIMIT_{name}") or default)
        for name, default in RATE_LIMIT_DEFAULTS.items()
    }


def _cidrs(
    env: dict[str, str], key: str
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for part in (env.get(key) or "").split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ConfigError(
                    f"{key}: {part.strip()!r} is not a CIDR such as 10.0.0.0/8"
                ) from None
    return tuple(networks)


def _redis_url(env: dict[str, str]) -> str | None:
    url = env.get("REDIS_URL") or None
    if url is not None and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL must start with redis://, rediss:// or unix://")
    return url


def load(env: dict[str, str] | None = None) -> Settings:
    """Read Settings from the environment (or the given mapping)."""
    e = dict(os.environ if env is None else env)
    app_env = e.get("APP_ENV", "development")
    secret = e.get("JWT_SECRET") or (DEV_JWT_SECRET if app_env == "development" else "")
    settings = Settings(
        app_env=app_env,
        grpc_reflection=_flag(e, "GRPC_REFLECTION", app_env != "production"),
        api_docs=_flag(e, "API_DOCS", app_env != "production"),
        edge_token=e.get("EDGE_TOKEN", ""),
        grpc_host=e.get("GRPC_HOST", "127.0.0.1"),
        grpc_port=_int(e, "GRPC_PORT", 50051),
        database_url=e.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"),
        db_pool_size=_int(e, "DB_POOL_SIZE", 16),
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
        oauth_redirect_uris=tuple(
            u.strip() for u in (e.get("OAUTH_REDIRECT_URIS") or "").split(",") if u.strip()
        ),
        # Unset in production, webhooks are refused (401): no request can be verified.
        service_jwt_audience=e.get("SERVICE_JWT_AUDIENCE", "fingate-internal"),
        service_token_ttl_s=_int(e, "SERVICE_TOKEN_TTL_SECONDS", 900),
        gateway_degraded_ms=_int(e, "GATEWAY_DEGRADED_MS", 2000),
        quickbooks_webhook_verifier=e.get("QUICKBOOKS_WEBHOOK_VERIFIER")
        or ("" if app_env == "production" else DEV_QUICKBOOKS_WEBHOOK_VERIFIER),
        log_level=e.get("LOG_LEVEL", "INFO").upper(),
        shutdown_grace_s=float(e.get("SHUTDOWN_GRACE_SECONDS", "10")),
        metrics_flush_s=_float(e, "METRICS_FLUSH_SECONDS", 5.0),
        metrics_port=_int(e, "METRICS_PORT", 9464),
        server_processes=_int(e, "SERVER_PROCESSES", 1),
        grpc_process_port=_int(e, "GRPC_PROCESS_PORT", 0),
        prometheus_multiproc_dir=e.get("PROMETHEUS_MULTIPROC_DIR") or None,
        payments_api_base=e.get("PAYMENTS_API_BASE")
        or ("https://api.stripe.com" if app_env == "production" else SANDBOX_PAYMENTS_API_BASE),
        payments_api_key=e.get("PAYMENTS_API_KEY")
        or ("" if app_env == "production" else SANDBOX_PAYMENTS_API_KEY),
        payments_timeout_s=float(e.get("PAYMENTS_TIMEOUT_SECONDS", "10")),
        plaid_api_base=(
            e.get("PLAID_API_BASE")
            or (
                "https://production.plaid.com"
                if app_env == "production"
                else SANDBOX_PAYMENTS_API_BASE + "/plaid"
            )
        ).rstrip("/"),
        plaid_client_id=e.get("PLAID_CLIENT_ID")
        or ("" if app_env == "production" else SANDBOX_PLAID_CLIENT_ID),
        plaid_secret=e.get("PLAID_SECRET")
        or ("" if app_env == "production" else SANDBOX_PLAID_SECRET),
        teller_api_base=(
            e.get("TELLER_API_BASE")
            or (
                "https://api.teller.io"
                if app_env == "production"
                else SANDBOX_PAYMENTS_API_BASE + "/teller"
            )
        ).rstrip("/"),
        # No default in production: without a source, non-USD balances cannot be converted.
        rates_api_base=(
            e.get("RATES_API_BASE")
            or ("" if app_env == "production" else SANDBOX_PAYMENTS_API_BASE + "/rates")
        ).rstrip("/"),
        zerion_api_base=(
            e.get("ZERION_API_BASE")
            or (
                "https://api.zerion.io"
                if app_env == "production"
                else SANDBOX_PAYMENTS_API_BASE + "/zerion"
            )
        ).rstrip("/"),
        zerion_api_key=e.get("ZERION_API_KEY")
        or ("" if app_env == "production" else SANDBOX_ZERION_API_KEY),
        **_oauth_apps(e, app_env),
        **_rail_bases(e, app_env),
        rail_timeout_s=_float(e, "RAIL_TIMEOUT_SECONDS", 10.0),
        provider_breaker_threshold=_int(e, "PROVIDER_BREAKER_THRESHOLD", 5),
        provider_breaker_open_s=_float(e, "PROVIDER_BREAKER_OPEN_SECONDS", 60.0),
        provider_timeout_s=_float(e, "PROVIDER_TIMEOUT_SECONDS", 15.0),
        encryption_keys=_keys(e, "ENCRYPTION_KEYS", app_env),
        job_concurrency=_int(e, "JOB_CONCURRENCY", 4),
        job_stalled_after_s=_int(e, "JOB_STALLED_AFTER_SECONDS", 60),
        job_retention_hours=_int(e, "JOB_RETENTION_HOURS", 7 * 24),
        token_retention_s=_int(e, "TOKEN_RETENTION_SECONDS", 7 * 24 * 3600),
        mail_retention_s=_int(e, "MAIL_RETENTION_SECONDS", 30 * 24 * 3600),
        rate_limits=_rate_limits(e),
        rate_limit_trusted_cidrs=_cidrs(e, "RATE_LIMIT_TRUSTED_CIDRS"),
        redis_url=_redis_url(e),
        rate_limit_key_prefix=e.get("RATE_LIMIT_KEY_PREFIX") or "fingate",
        token_buckets=_token_buckets(e),
        cache_ttl_s=_int(e, "CACHE_TTL_SECONDS", 60),
        stream_heartbeat_s=_float(e, "STREAM_HEARTBEAT_SECONDS", 15.0),
        otel_endpoint=(e.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "").strip().rstrip("/"),
        otel_protocol=(e.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc").strip().lower(),
        otel_service_name=(e.get("OTEL_SERVICE_NAME") or "").strip(),
    )
    settings.check()
    return settings
