import datetime as dt
import uuid
from dataclasses import replace

import jwt
import pytest

from server.auth.tokens import hash_token, issue_access_token, new_opaque_token, verify_access_token
from server.platform.errors import Unauthenticated
from tests.secrets import make_settings

SETTINGS = make_settings()
USER, SESSION = uuid.uuid4(), uuid.uuid4()


def _issue(now=None):
    now = now or dt.datetime.now(dt.UTC)
    return issue_access_token(
        SETTINGS,
        user_id=USER,
        session_id=SESSION,
        email="a@b.co",
        role="USER",
        plan="FREE",
        now=now,
    )


def test_access_token_carries_the_documented_claims():
    token, expires = _issue()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert {"iss", "sub", "aud", "exp", "iat", "email", "role", "plan"} <= set(claims)
    assert claims["iss"] == "mappr-backend" and claims["aud"] == "mappr-web"
    assert claims["exp"] - claims["iat"] == 3600
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert verify_access_token(SETTINGS, token).user_id == USER


def test_expired_token_is_refused():
    token, _ = _issue(dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    with pytest.raises(Unauthenticated, match="expired"):
        verify_access_token(SETTINGS, token)


def test_a_verified_token_still_expires(monkeypatch):
    token, expires = _issue()
    assert verify_access_token(SETTINGS, token).session_id == SESSION  # verified, remembered
    later = expires.timestamp() + 1
    monkeypatch.setattr("server.auth.tokens.time.time", lambda: later)
    with pytest.raises(Unauthenticated, match="expired"):
        verify_access_token(SETTINGS, token)


def test_a_token_verified_under_one_secret_is_refused_under_another():
    token, _ = _issue()
    assert verify_access_token(SETTINGS, token).user_id == USER
    rotated = replace(SETTINGS, jwt_secret="a-new-secret-of-sufficient-length-0123456789")
    with pytest.raises(Unauthenticated):
        verify_access_token(rotated, token)


def _claims(**override):
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {
        "iss": "mappr-backend",
        "sub": str(USER),
        "aud": "mappr-web",
        "exp": now + 600,
        "iat": now,
        "sid": str(SESSION),
        "email": "a@b.co",
        "role": "ADMIN",
        "plan": "PRO",
    }
    claims.update(override)
    return claims


@pytest.mark.parametrize(
    "token",
    [
        jwt.encode(_claims(), None, algorithm="none"),
        jwt.encode(_claims(aud="other-app"), SETTINGS.jwt_secret, algorithm="HS256"),
        jwt.encode(_claims(iss="someone-else"), SETTINGS.jwt_secret, algorithm="HS256"),
        jwt.encode(_claims(), "another-secret-of-sufficient-length!!", algorithm="HS256"),
        jwt.encode(_claims(), SETTINGS.jwt_secret, algorithm="HS512"),
        jwt.encode({k: v for k, v in _claims().items() if k != "exp"}, SETTINGS.jwt_secret),
        "not.a.jwt",
    ],
    ids=["alg-none", "audience", "issuer", "signature", "alg-hs512", "no-exp", "garbage"],
)
def test_forged_or_foreign_tokens_are_refused(token):
    with pytest.raises(Unauthenticated):
        verify_access_token(SETTINGS, token)


def test_tampered_payload_is_refused():
    token, _ = _issue()
    head, payload, sig = token.split(".")
    forged = jwt.encode(_claims(role="ADMIN"), "x" * 40, algorithm="HS256").split(".")[1]
    with pytest.raises(Unauthenticated):
        verify_access_token(SETTINGS, f"{head}.{forged}.{sig}")


def test_opaque_tokens_are_random_and_stored_hashed():
    a, a_hash = new_opaque_token()
    b, _ = new_opaque_token()
    assert a != b and len(a) >= 43
    assert a_hash == hash_token(a) and a not in a_hash
