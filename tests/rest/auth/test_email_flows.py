"""verify-email, forgot-password and reset-password, with the mail read from the SMTP sink."""

from tests.factories.auth import sign_in, sign_up, token_from_mail, unique_email, wait_for_mail
from tests.rest.client import assert_mappr_error, bearer, call


def test_verify_email__link_from_the_mail(rest, mail_dir):
    account = sign_up(rest)
    mail = wait_for_mail(mail_dir, to=account.email, subject="Verify your email address")
    token = token_from_mail(mail)
    assert "/api/v1/auth/verify-email?token=" in mail
    body = call(rest, "GET", "/api/v1/auth/verify-email", 200, params={"token": token})
    assert body == {
        "success": True,
        "data": {
            "user": {"id": account.user["id"], "emailVerified": True},
            "message": "Email verified successfully",
        },
    }
    me = call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(account.token))
    assert me["data"]["emailVerified"] is True
    again = call(rest, "GET", "/api/v1/auth/verify-email", 400, params={"token": token})
    assert_mappr_error(again, code="INVALID_TOKEN", status=400)


def test_verify_email__missing_token(rest):
    body = call(rest, "GET", "/api/v1/auth/verify-email", 400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)


def test_forgot_password__same_answer_for_unknown_email(rest):
    account = sign_up(rest)
    known = call(rest, "POST", "/api/v1/auth/forgot-password", 200, json={"email": account.email})
    unknown = call(
        rest, "POST", "/api/v1/auth/forgot-password", 200, json={"email": unique_email()}
    )
    assert known == unknown == {"success": True, "data": {"message": "Password reset email sent"}}


def test_reset_password__single_use_and_ends_every_session(rest, mail_dir):
    account = sign_up(rest)
    call(rest, "POST", "/api/v1/auth/forgot-password", 200, json={"email": account.email})
    token = token_from_mail(
        wait_for_mail(mail_dir, to=account.email, subject="Reset your password")
    )

    weak = call(
        rest, "POST", "/api/v1/auth/reset-password", 400, json={"token": token, "password": "short"}
    )
    assert_mappr_error(weak, code="INVALID_INPUT", status=400, details=True)

    body = call(
        rest,
        "POST",
        "/api/v1/auth/reset-password",
        200,
        json={"token": token, "password": "NewPassword123!"},
    )
    assert body == {"success": True, "data": {"message": "Password reset successfully"}}

    call(rest, "GET", "/api/v1/auth/me", 401, headers=bearer(account.token))
    call(rest, "POST", "/api/v1/auth/refresh", 401, json={"refreshToken": account.refresh_token})
    sign_in(rest, account.email, account.password, status=401)
    sign_in(rest, account.email, "NewPassword123!")
    reused = call(
        rest,
        "POST",
        "/api/v1/auth/reset-password",
        400,
        json={"token": token, "password": "Another123!"},
    )
    assert_mappr_error(reused, code="INVALID_TOKEN", status=400)
