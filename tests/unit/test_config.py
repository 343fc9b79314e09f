import pytest

from server.platform import config


def test_development_has_safe_defaults():
    settings = config.load({})
    assert settings.app_env == "development" and settings.grpc_port == 50051
    assert settings.jwt_secret == config.DEV_JWT_SECRET


@pytest.mark.parametrize(
    "secret",
    ["", "short", config.DEV_JWT_SECRET, "a" * 64, "abababababababababababababababab"],
)
def test_production_refuses_a_weak_secret(secret):
    env = {"APP_ENV": "production", "JWT_SECRET": secret, "PUBLIC_BASE_URL": "https://x.io"}
    with pytest.raises(config.ConfigError):
        config.load(env)


def test_production_accepts_32_random_bytes():
    env = {
        "APP_ENV": "production",
        "JWT_SECRET": "q3J9v-Xk2LmN8pRtZ0yWbC5dF7gH1jK4sA6eU",
        "PUBLIC_BASE_URL": "https://api.example.com",
        "APP_URL": "https://app.example.com",
        "ENCRYPTION_KEYS": "hS3vQ7xN0mC4kP9tR2wY6zA1bD8eF5gJ3uL0oI7sV4c=",
        "EDGE_TOKEN": "Zr8Qm2Vx7Kp4Nw9Lt3Hc6Jd1Fb5Gs0Ye",
    }
    assert config.load(env).is_production


@pytest.mark.parametrize("keys", ["", config.DEV_ENCRYPTION_KEY])
def test_production_refuses_missing_or_development_encryption_keys(keys):
    env = {
        "APP_ENV": "production",
        "JWT_SECRET": "q3J9v-Xk2LmN8pRtZ0yWbC5dF7gH1jK4sA6eU",
        "PUBLIC_BASE_URL": "https://api.example.com",
        "APP_URL": "https://app.example.com",
        "ENCRYPTION_KEYS": keys,
    }
    with pytest.raises(config.ConfigError, match="ENCRYPTION_KEYS"):
        config.load(env)


def test_production_refuses_a_plain_http_app_url():
    env = {
        "APP_ENV": "production",
        "JWT_SECRET": "q3J9v-Xk2LmN8pRtZ0yWbC5dF7gH1jK4sA6eU",
        "PUBLIC_BASE_URL": "https://api.example.com",
        "APP_URL": "http://app.example.com",
    }
    with pytest.raises(config.ConfigError, match="APP_URL"):
        config.load(env)


def test_bad_values_are_reported():
    with pytest.raises(config.ConfigError, match="GRPC_PORT"):
        config.load({"GRPC_PORT": "eighty"})
    with pytest.raises(config.ConfigError, match="APP_ENV"):
        config.load({"APP_ENV": "staging"})


def test_test_mode_also_needs_a_real_secret():
    with pytest.raises(config.ConfigError, match="JWT_SECRET"):
        config.load({"APP_ENV": "test"})


PRODUCTION = {
    "APP_ENV": "production",
    "JWT_SECRET": "q3J9v-Xk2LmN8pRtZ0yWbC5dF7gH1jK4sA6eU",
    "PUBLIC_BASE_URL": "https://api.example.com",
    "APP_URL": "https://app.example.com",
    "ENCRYPTION_KEYS": "hS3vQ7xN0mC4kP9tR2wY6zA1bD8eF5gJ3uL0oI7sV4c=",
    "EDGE_TOKEN": "Zr8Qm2Vx7Kp4Nw9Lt3Hc6Jd1Fb5Gs0Ye",
}


@pytest.mark.parametrize("token", ["", "short"])
def test_production_needs_an_edge_token(token):
    with pytest.raises(config.ConfigError, match="EDGE_TOKEN"):
        config.load({**PRODUCTION, "EDGE_TOKEN": token})


def test_reflection_and_docs_are_off_in_production_unless_enabled():
    production = config.load(PRODUCTION)
    assert not production.grpc_reflection and not production.api_docs
    enabled = config.load({**PRODUCTION, "GRPC_REFLECTION": "true", "API_DOCS": "1"})
    assert enabled.grpc_reflection and enabled.api_docs
    development = config.load({})
    assert development.grpc_reflection and development.api_docs
    with pytest.raises(config.ConfigError, match="API_DOCS"):
        config.load({"API_DOCS": "maybe"})


def test_the_portfolio_provider_is_the_sandbox_outside_production_and_zerion_in_it():
    development = config.load({})
    assert development.zerion_api_base == "http://127.0.0.1:8090/zerion"
    assert development.zerion_api_key == config.SANDBOX_ZERION_API_KEY
    production = config.load(PRODUCTION)
    assert (production.zerion_api_base, production.zerion_api_key) == ("https://api.zerion.io", "")
    with pytest.raises(config.ConfigError, match="ZERION_API_KEY"):
        config.load({**PRODUCTION, "ZERION_API_KEY": config.SANDBOX_ZERION_API_KEY})


def test_the_payment_rails_are_the_sandbox_outside_production_and_unset_in_it():
    development = config.load({})
    assert development.ach_api_base == "http://127.0.0.1:8090/ach"
    assert development.swift_api_base == "http://127.0.0.1:8090/swift"
    assert development.rail_timeout_s == 10.0
    production = config.load(PRODUCTION)
    assert (production.ach_api_base, production.swift_api_base) == ("", "")
    named = config.load({**PRODUCTION, "ACH_API_BASE": "https://ach.bank.example/api/"})
    assert named.ach_api_base == "https://ach.bank.example/api"
    assert config.rail_env("http://127.0.0.1:9") == {
        "ACH_API_BASE": "http://127.0.0.1:9/ach",
        "SWIFT_API_BASE": "http://127.0.0.1:9/swift",
    }
    for bad in ("0", "-1", "301"):
        with pytest.raises(config.ConfigError, match="RAIL_TIMEOUT_SECONDS"):
            config.load({"RAIL_TIMEOUT_SECONDS": bad})


@pytest.mark.parametrize(
    "env",
    [
        {"PROVIDER_BREAKER_THRESHOLD": "0"},
        {"PROVIDER_BREAKER_OPEN_SECONDS": "0"},
        {"PROVIDER_BREAKER_OPEN_SECONDS": "-1"},
    ],
)
def test_the_circuit_breaker_needs_a_threshold_and_an_open_time(env):
    with pytest.raises(config.ConfigError, match="PROVIDER_BREAKER"):
        config.load(env)


def test_one_server_process_by_default_and_several_only_with_a_shared_store():
    assert config.load({}).server_processes == 1
    with pytest.raises(config.ConfigError, match="REDIS_URL"):
        config.load({"SERVER_PROCESSES": "2"})
    shared = config.load({"SERVER_PROCESSES": "2", "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert shared.server_processes == 2


@pytest.mark.parametrize(
    "env",
    [
        {"SERVER_PROCESSES": "0"},
        {"SERVER_PROCESSES": "65", "REDIS_URL": "redis://r/0"},
        {"GRPC_PROCESS_PORT": "70000"},
    ],
)
def test_process_counts_and_the_process_port_are_bounded(env):
    with pytest.raises(config.ConfigError):
        config.load(env)


@pytest.mark.parametrize(
    ("env", "expected"),
    [({}, 3), ({"WORKER_PROCESSES": "2"}, 2)],
)
def test_a_launcher_reads_its_process_count(env, expected):
    assert config.process_count(env, "WORKER_PROCESSES", 3) == expected


@pytest.mark.parametrize("raw", ["0", "-1", "65", "two"])
def test_a_launcher_refuses_a_process_count_out_of_range(raw):
    with pytest.raises(config.ConfigError, match="WORKER_PROCESSES"):
        config.process_count({"WORKER_PROCESSES": raw}, "WORKER_PROCESSES", 1)
