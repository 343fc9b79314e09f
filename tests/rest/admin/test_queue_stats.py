"""GET /api/v1/admin/queue-stats (seed 004 "Get Queue Statistics").

This branch builds the server without a job queue: the route answers 503 until server/jobs is
wired in (the documented body shape is checked in tests/unit/admin/test_convert.py).
"""

from tests.rest.client import assert_mappr_error, call


def test_without_a_job_queue_the_route_is_unavailable(rest, admin_headers):
    body = call(rest, "GET", "/api/v1/admin/queue-stats", 503, headers=admin_headers)
    assert_mappr_error(body, code="SERVICE_UNAVAILABLE", status=503, details=False)
    assert body["error"] == "Job queue not configured"
