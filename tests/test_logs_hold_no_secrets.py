"""After every other test: no log any test stack wrote holds a secret the tests used.

Runs last (the `last` marker, tests/conftest.py), so it reads what the whole suite made the
servers, workers and Envoys log: passwords, argon2 hashes, JWTs, refresh and mailed-link
tokens, sealed values, provider access tokens and full account numbers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import text

from server.platform.encryption import Vault
from server.providers.rails import SECRET_KEYS
from tests.conftest import ROOT, VAR
from tests.factories.app_connections import OAUTH_NOTES
from tests.logscan import scan
from tests.secrets import ADMIN, JWT_SECRET, make_settings

# Passwords the tests send, from their sources: anything quoted that looks like one.
_PASSWORD_LITERAL = re.compile(r"""["']([^"'\s/]*[Pp]assw(?:or)?d[^"'\s/]*)["']""")
_MAIL_TOKEN = re.compile(r"token=([A-Za-z0-9_\-%]+)")


def _test_passwords() -> dict[str, str]:
    found = {}
    for source in (ROOT / "tests").rglob("*.py"):
        for value in _PASSWORD_LITERAL.findall(source.read_text()):
            # PASSWORD = "SecurePassword123!"; not "password" or "forgot-password".
            if len(value) >= 8 and re.search(r"\d|!", value):
                found[f"test password from {source.name}"] = value
    return found


def _mailed_tokens() -> dict[str, str]:
    found = {}
    for mail in VAR.rglob("mail/*.eml"):
        for token in _MAIL_TOKEN.findall(mail.read_text(errors="replace")):
            found[f"token mailed in {mail.name}"] = unquote(token)
    return found


# Sealed columns: provider access tokens, full account numbers, OAuth tokens and PKCE verifiers.
_SEALED = (
    "SELECT access_token_sealed FROM bank_connections UNION ALL "
    "SELECT account_number_sealed FROM financial_accounts "
    "WHERE account_number_sealed IS NOT NULL UNION ALL "
    "SELECT access_token FROM app_connections WHERE access_token IS NOT NULL UNION ALL "
    "SELECT refresh_token FROM app_connections WHERE refresh_token IS NOT NULL UNION ALL "
    "SELECT code_verifier FROM app_oauth_states"
)


async def _provider_secrets(db) -> dict[str, str]:
    vault = Vault.from_settings(make_settings())
    found = {}
    async with db.read() as session:
        for (sealed,) in await session.execute(text(_SEALED)):
            found[f"sealed value {len(found)}"] = sealed
            found[f"unsealed provider secret {len(found)}"] = vault.unseal(sealed)
        # Gateway integrations: their sealed configs and the secret keys in them.
        configs = await session.execute(text("SELECT type, config FROM gateway_integrations"))
        for kind, sealed in configs:
            found[f"sealed gateway config {len(found)}"] = sealed
            values = json.loads(vault.unseal(sealed))
            for key in SECRET_KEYS[kind]:
                found[f"gateway {kind} {key} {len(found)}"] = values[key]
    return found


def _oauth_values() -> dict[str, str]:
    """The OAuth states and codes the tests walked the flows with
    (tests/factories/app_connections.py notes them)."""
    found = {}
    for path in VAR.rglob(OAUTH_NOTES.name):
        for line in path.read_text().splitlines():
            kind, _, value = line.partition(" ")
            if value:
                found[f"OAuth {kind} {value[:6]}…"] = value
    return found


def _logs() -> list[Path]:
    # The provider sandbox stands in for the providers' own servers: its log is theirs.
    return [p for p in VAR.rglob("log/*.log") if p.name != "sandbox.log"]


@pytest.mark.last
async def test_no_log_holds_a_secret(db):
    secrets = {
        "JWT secret": JWT_SECRET,
        "admin password": ADMIN["password"],
        **_test_passwords(),
        **_mailed_tokens(),
        **await _provider_secrets(db),
        **_oauth_values(),
    }
    logs = _logs()
    assert logs, f"no logs under {VAR}"
    leaks = scan(logs, secrets)
    assert not leaks, "secrets in logs:\n" + "\n".join(str(leak) for leak in leaks[:50])
