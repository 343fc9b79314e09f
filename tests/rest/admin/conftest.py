import pytest

from tests.factories.auth import sign_in, sign_up
from tests.rest.client import bearer


@pytest.fixture(scope="session")
def admin_headers(rest, admin_credentials) -> dict[str, str]:
    body = sign_in(rest, admin_credentials["email"], admin_credentials["password"])
    return bearer(body["data"]["session"]["token"])


@pytest.fixture(scope="session")
def user_headers(rest) -> dict[str, str]:
    return bearer(sign_up(rest).token)
