"""me, refresh and sign-out (seed 004), and what a bad token gets."""

import datetime as dt

import jwt
import pytest

from tests.factories.auth import sign_in, sign_up
from tests.rest.client import RFC3339_Z, assert_mappr_error, bearer, call


def test_me__documented_body(rest):
    account = sign_up(rest, phone="+14155552671", dateOfBirth="1990-01-15")
    sign_in(rest, account.email, account.password)
    body = call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(account.token))
    assert set(body) == {"success", "data"}
    me = body["data"]
    assert set(me) == {
        "id",
        "email",
        "firstName",
        "lastName",
        "phone",
        "dateOfBirth",
        "role",
        "currentPlan",
        "emailVerified",
        "lastLoginAt",
        "createdAt",
    }
    assert me["id"] == account.user["id"]
    assert (me["phone"], me["dateOfBirth"]) == ("+14155552671", "1990-01-15")
    assert RFC3339_Z.match(me["lastLoginAt"]) and RFC3339_Z.match(me["createdAt"])


def test_me__without_token_is_401(rest):
    body = call(rest, "GET", "/api/v1/auth/me", 401)
    assert_mappr_error(body, code="UNAUTHORIZED", status=401)


def _forge(secret, **claims):
    now = int(dt.datetime.now(dt.UTC).timestamp())
    base = {"iss": "mappr-backend", "aud": "mappr-web", "iat": now, "exp": now + 600}
    return jwt.encode({**base, **claims}, secret, algorithm="HS256")


@pytest.mark.parametrize("case", ["expired", "alg-none", "audience", "tampered", "garbage"])
def test_me__bad_tokens_are_401(rest, jwt_secret, case):
    account = sign_up(rest)
    real = jwt.decode(account.token, options={"verify_signature": False})
    token = {
        "expired": lambda: _forge(jwt_secret, **{**real, "exp": real["iat"] - 10}),
        "alg-none": lambda: jwt.encode({**real, "role": "ADMIN"}, None, algorithm="none"),
        "audience": lambda: _forge(jwt_secret, **{**real, "aud": "another-app"}),
        "tampered": lambda: (
            account.token[:-4] + ("AAAA" if account.token[-4:] != "AAAA" else "BBBB")
        ),
        "garbage": lambda: "not-a-token",
    }[case]()
    body = call(rest, "GET", "/api/v1/auth/me", 401, headers=bearer(token))
    assert_mappr_error(body, code="UNAUTHORIZED", status=401)


def test_refresh__with_cookie_rotates_the_token(rest):
    account = sign_up(rest)
    response = rest.post(
        "/api/v1/auth/refresh", headers={"Cookie": f"session_token={account.refresh_token}"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"success", "data"}
    assert set(body["data"]) == {"token", "expiresAt", "refreshToken"}
    assert RFC3339_Z.match(body["data"]["expiresAt"])
    assert body["data"]["refreshToken"] != account.refresh_token
    assert response.headers["set-cookie"].startswith(
        f"session_token={body['data']['refreshToken']};"
    )
    call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(body["data"]["token"]))


def test_refresh__with_json_body(rest):
    account = sign_up(rest)
    body = call(
        rest, "POST", "/api/v1/auth/refresh", 200, json={"refreshToken": account.refresh_token}
    )
    assert body["data"]["refreshToken"] != account.refresh_token


def test_refresh__replayed_token_ends_the_session(rest):
    account = sign_up(rest)
    first = call(
        rest, "POST", "/api/v1/auth/refresh", 200, json={"refreshToken": account.refresh_token}
    )["data"]
    replay = call(
        rest, "POST", "/api/v1/auth/refresh", 401, json={"refreshToken": account.refresh_token}
    )
    assert_mappr_error(replay, code="UNAUTHORIZED", status=401)
    # The thief's replay ended the session: the rotated token and its access token are dead too.
    call(rest, "POST", "/api/v1/auth/refresh", 401, json={"refreshToken": first["refreshToken"]})
    call(rest, "GET", "/api/v1/auth/me", 401, headers=bearer(first["token"]))
    call(rest, "GET", "/api/v1/auth/me", 401, headers=bearer(account.token))


def test_refresh__missing_or_unknown_token(rest):
    assert_mappr_error(
        call(rest, "POST", "/api/v1/auth/refresh", 401), code="UNAUTHORIZED", status=401
    )
    call(rest, "POST", "/api/v1/auth/refresh", 401, json={"refreshToken": "nope"})


def test_sign_out__ends_the_session(rest):
    account = sign_up(rest)
    other = sign_in(rest, account.email, account.password)["data"]["session"]
    response = rest.post("/api/v1/auth/sign-out", headers=bearer(account.token))
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "data": {"message": "Logged out successfully"}}
    assert "Max-Age=0" in response.headers["set-cookie"]
    call(rest, "GET", "/api/v1/auth/me", 401, headers=bearer(account.token))
    call(rest, "POST", "/api/v1/auth/refresh", 401, json={"refreshToken": account.refresh_token})
    # Only that session ended; the other sign-in lives on.
    call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(other["token"]))


def test_sign_out__needs_a_token(rest):
    call(rest, "POST", "/api/v1/auth/sign-out", 401)
