"""What Envoy itself answers, in the same envelope: bad JSON, unknown routes, big bodies."""

from tests.factories.auth import sign_up
from tests.rest.client import UUID, assert_mappr_error, bearer, call


def test_malformed_json_is_400_invalid_input(rest):
    response = rest.post(
        "/api/v1/auth/sign-in",
        content=b'{"email": "a@b.co", "password": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert_mappr_error(response.json(), code="INVALID_INPUT", status=400)


def test_unknown_route_is_404(rest):
    body = call(rest, "GET", "/api/v1/nothing-here", 404)
    assert_mappr_error(body, code="RESOURCE_NOT_FOUND", status=404)
    body = call(rest, "DELETE", "/api/v1/auth/me", 404)
    assert_mappr_error(body, code="RESOURCE_NOT_FOUND", status=404)


def test_oversized_body_is_413(rest):
    big = b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = rest.post(
        "/api/v1/auth/forgot-password", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert_mappr_error(response.json(), code="PAYLOAD_TOO_LARGE", status=413)


def test_unknown_query_parameter_is_ignored(rest):
    body = call(rest, "GET", "/health", 200, params={"utm_source": "x"})
    assert body["success"] is True


def test_request_id_is_made_at_the_edge_and_returned(rest):
    # At the edge Envoy replaces a client's x-request-id: ids in our logs are ours.
    response = rest.get("/health", headers={"x-request-id": "client-req-0001"})
    assert UUID.match(response.headers["x-request-id"])
    failed = rest.get("/api/v1/auth/me")
    assert failed.status_code == 401 and UUID.match(failed.headers["x-request-id"])


def test_internal_headers_do_not_reach_the_client(rest):
    account = sign_up(rest)
    for response in (
        rest.get("/api/v1/auth/me", headers=bearer(account.token)),
        rest.get("/api/v1/auth/me"),
    ):
        leaked = {
            "x-rest-error",
            "x-rest-content-type",
            "x-http-code",
            "grpc-status",
            "grpc-message",
            "grpc-status-details-bin",
        } & set(response.headers)
        assert leaked == set(), response.headers


def test_http2_prior_knowledge(rest_h2):
    body = call(rest_h2, "GET", "/health", 200)
    assert body["data"]["checks"]["database"] == "up"


def test_upstream_down_is_503_envelope(rest_upstream_down):
    body = call(rest_upstream_down, "GET", "/health", 503)
    assert_mappr_error(body, code="SERVICE_UNAVAILABLE", status=503)
