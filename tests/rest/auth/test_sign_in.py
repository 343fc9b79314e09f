"""POST /api/v1/auth/sign-in (seed 004 "Login")."""

from tests.factories.auth import sign_in, sign_up, unique_email
from tests.rest.client import RFC3339_Z, assert_mappr_error, call


def test_sign_in__documented_body_and_cookie(rest):
    account = sign_up(rest)
    response = rest.post(
        "/api/v1/auth/sign-in", json={"email": account.email, "password": account.password}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"success", "data"} and body["success"] is True
    user, session = body["data"]["user"], body["data"]["session"]
    assert set(user) == {
        "id",
        "email",
        "firstName",
        "lastName",
        "role",
        "currentPlan",
        "emailVerified",
    }
    assert user["id"] == account.user["id"] and user["emailVerified"] is False
    assert set(session) == {"token", "expiresAt", "refreshToken"}
    assert RFC3339_Z.match(session["expiresAt"])
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"session_token={session['refreshToken']};")
    for attr in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth"):
        assert attr in cookie


def test_sign_in__email_is_case_insensitive(rest):
    account = sign_up(rest)
    sign_in(rest, account.email.upper(), account.password)


def test_sign_in__wrong_password_and_unknown_email_answer_alike(rest):
    account = sign_up(rest)
    wrong = sign_in(rest, account.email, "WrongPassword1!", status=401)
    unknown = sign_in(rest, unique_email(), "WrongPassword1!", status=401)
    assert_mappr_error(wrong, code="INVALID_CREDENTIALS", status=401, details=False)
    assert wrong == unknown


def test_sign_in__missing_fields(rest):
    body = call(rest, "POST", "/api/v1/auth/sign-in", 400, json={"email": ""})
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert [e["field"] for e in body["details"]["errors"]] == ["email", "password"]


async def test_sign_in__rehashes_a_weaker_hash(rest, db):
    from argon2 import PasswordHasher

    from server.auth import repository as repo

    email = unique_email()
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("OldParams123!")
    async with db.transaction() as s:
        await repo.add_user(s, email=email, password_hash=weak, first_name="A", last_name="B")
    sign_in(rest, email, "OldParams123!")
    async with db.transaction() as s:
        user = await repo.get_user_by_email(s, email)
    assert user.password_hash != weak and "m=19456,t=2,p=1" in user.password_hash
