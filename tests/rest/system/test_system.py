"""GET /health, /docs and /openapi.json through Envoy."""

from tests.rest.client import RFC3339_Z, assert_mappr_error, call


def test_health__envelope_with_database_and_worker(rest):
    body = call(rest, "GET", "/health", 200)
    assert set(body) == {"success", "data"} and body["success"] is True
    assert set(body["data"]) == {"status", "version", "checks", "timestamp"}
    assert body["data"]["status"] == "ok"
    assert body["data"]["checks"] == {"database": "up", "worker": "up"}
    assert RFC3339_Z.match(body["data"]["timestamp"])


def test_health__503_when_the_database_is_down(rest_db_down):
    response = rest_db_down.get("/health")
    assert int(response.headers["retry-after"]) > 0
    body = call(rest_db_down, "GET", "/health", 503)
    assert_mappr_error(body, code="SERVICE_UNAVAILABLE", status=503, details=True)
    assert body["details"] == {"checks": {"database": "down"}}


def test_database_down__other_routes_503_not_500(rest_db_down):
    body = call(
        rest_db_down,
        "POST",
        "/api/v1/auth/sign-in",
        503,
        json={"email": "a@b.co", "password": "whatever1"},
    )
    assert_mappr_error(body, code="SERVICE_UNAVAILABLE", status=503)


def test_docs_serves_swagger_ui_over_the_generated_spec(rest):
    page = rest.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in page.text and "/docs/swagger-ui-bundle.js" in page.text
    asset = rest.get("/docs/swagger-ui-bundle.js")
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
    assert rest.get("/docs/../server/platform/config.py").status_code == 404
    missing = call(rest, "GET", "/docs/nope.js", 404)
    assert_mappr_error(missing, code="RESOURCE_NOT_FOUND", status=404)


def test_openapi_lists_the_auth_routes(rest):
    spec = call(rest, "GET", "/openapi.json", 200)
    assert spec["openapi"].startswith("3.0")
    assert "201" in spec["paths"]["/api/v1/auth/sign-up"]["post"]["responses"]
    assert "/health" in spec["paths"]
