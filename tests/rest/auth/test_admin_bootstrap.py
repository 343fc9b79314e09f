"""The stack starts with ADMIN_EMAIL/ADMIN_PASSWORD: that user signs in as ADMIN."""

from tests.rest.client import call


def test_bootstrapped_admin_signs_in_as_admin(rest, admin_credentials):
    body = call(rest, "POST", "/api/v1/auth/sign-in", 200, json=admin_credentials)
    assert body["data"]["user"]["role"] == "ADMIN"
