"""Every admin route: ADMIN only (403 for other users), a live session required (401)."""

import pytest

from tests.rest.client import assert_mappr_error, call

ROUTES = ["/api/v1/admin/users", "/api/v1/admin/queue-stats", "/api/v1/admin/analytics"]


@pytest.mark.parametrize("path", ROUTES)
def test_a_signed_in_user_without_admin_role_is_forbidden(rest, user_headers, path):
    body = call(rest, "GET", path, 403, headers=user_headers)
    assert_mappr_error(body, code="FORBIDDEN", status=403, details=False)


@pytest.mark.parametrize("path", ROUTES)
def test_anonymous_callers_must_authenticate(rest, path):
    body = call(rest, "GET", path, 401)
    assert_mappr_error(body, code="UNAUTHORIZED", status=401, details=False)


@pytest.mark.parametrize("path", ROUTES)
def test_a_malformed_token_is_unauthorized(rest, path):
    body = call(rest, "GET", path, 401, headers={"Authorization": "Bearer not-a-jwt"})
    assert_mappr_error(body, code="UNAUTHORIZED", status=401, details=False)
