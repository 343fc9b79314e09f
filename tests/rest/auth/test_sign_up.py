"""POST /api/v1/auth/sign-up (seed 004 "Register")."""

from tests.factories.auth import PASSWORD, unique_email
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, call


def test_sign_up__documented_201_body(rest):
    email = unique_email()
    response = rest.post(
        "/api/v1/auth/sign-up",
        json={
            "email": email,
            "password": PASSWORD,
            "firstName": "John",
            "lastName": "Doe",
            "phone": "+1234567890",
            "dateOfBirth": "1990-01-15",
        },  # seed 004's example, with a fresh email
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"success", "data"} and body["success"] is True
    assert set(body["data"]) == {"user", "session"}
    user, session = body["data"]["user"], body["data"]["session"]
    assert set(user) == {
        "id",
        "email",
        "firstName",
        "lastName",
        "role",
        "currentPlan",
        "emailVerified",
        "createdAt",
    }
    assert UUID.match(user["id"])
    assert user["email"] == email
    assert (user["firstName"], user["lastName"]) == ("John", "Doe")
    assert (user["role"], user["currentPlan"], user["emailVerified"]) == ("USER", "FREE", False)
    assert RFC3339_Z.match(user["createdAt"])
    assert set(session) == {"token", "expiresAt", "refreshToken"}
    assert session["token"].count(".") == 2 and RFC3339_Z.match(session["expiresAt"])
    assert isinstance(session["refreshToken"], str) and len(session["refreshToken"]) >= 32
    assert "grpc-status" not in response.headers and "x-http-code" not in response.headers


def test_sign_up__email_taken_is_409_without_details(rest):
    email = unique_email()
    payload = {"email": email, "password": PASSWORD, "firstName": "A", "lastName": "B"}
    call(rest, "POST", "/api/v1/auth/sign-up", 201, json=payload)
    body = call(rest, "POST", "/api/v1/auth/sign-up", 409, json={**payload, "email": email.upper()})
    assert_mappr_error(body, code="EMAIL_ALREADY_REGISTERED", status=409, details=False)
    assert body["error"] == "Email already registered"


def test_sign_up__invalid_fields_listed_as_documented(rest):
    body = call(
        rest,
        "POST",
        "/api/v1/auth/sign-up",
        400,
        json={"email": "not-an-email", "password": "short", "firstName": "A", "lastName": "B"},
    )
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert body["error"] == "Invalid request body"
    assert body["details"] == {
        "errors": [
            {"field": "email", "message": "must be a valid email"},
            {"field": "password", "message": "must be at least 8 characters"},
        ]
    }


def test_sign_up__missing_and_optional_fields(rest):
    body = call(rest, "POST", "/api/v1/auth/sign-up", 400, json={})
    fields = [e["field"] for e in body["details"]["errors"]]
    assert fields == ["email", "password", "firstName", "lastName"]

    body = call(
        rest,
        "POST",
        "/api/v1/auth/sign-up",
        400,
        json={
            "email": unique_email(),
            "password": PASSWORD,
            "firstName": "A",
            "lastName": "B",
            "phone": "12",
            "dateOfBirth": "2999-01-01",
        },
    )
    assert [e["field"] for e in body["details"]["errors"]] == ["phone", "dateOfBirth"]


def test_sign_up__bad_input_changes_nothing(rest):
    email = unique_email()
    call(
        rest,
        "POST",
        "/api/v1/auth/sign-up",
        400,
        json={"email": email, "password": "short", "firstName": "A", "lastName": "B"},
    )
    call(
        rest,
        "POST",
        "/api/v1/auth/sign-up",
        201,
        json={"email": email, "password": PASSWORD, "firstName": "A", "lastName": "B"},
    )


def test_sign_up__wrong_json_type_is_400_envelope(rest):
    body = call(rest, "POST", "/api/v1/auth/sign-up", 400, json={"email": ["a"], "password": 5})
    assert_mappr_error(body, code="INVALID_INPUT", status=400)
