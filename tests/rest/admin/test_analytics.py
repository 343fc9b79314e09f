"""GET /api/v1/admin/analytics (seed 004 "Get System Analytics"): shape, and figures that move.

Each analytics call first writes the answering process's pending request counts, so requests
made before it are counted without waiting for the flush timer.
"""

import datetime as dt

from tests.factories.auth import sign_in, sign_up
from tests.rest.client import call

PATH = "/api/v1/admin/analytics"


def _analytics(rest, headers):
    return call(rest, "GET", PATH, 200, headers=headers)


def _top(body) -> dict[str, dict]:
    return {e["endpoint"]: e for e in body["data"]["api"]["topEndpoints"]}


def test_documented_shape(rest, admin_headers):
    body = _analytics(rest, admin_headers)
    assert set(body) == {"success", "data"} and body["success"] is True
    data = body["data"]
    assert set(data) == {"users", "wallets", "api"}
    assert set(data["users"]) == {"total", "active24h", "active7d", "newToday"}
    assert all(type(v) is int for v in data["users"].values())
    assert set(data["wallets"]) == {"total", "activeSync", "recentSync24h"}
    assert all(type(v) is int and v >= 0 for v in data["wallets"].values())
    api = data["api"]
    assert set(api) == {"requestsTotal", "errorRate", "averageResponseTime", "topEndpoints"}
    assert type(api["requestsTotal"]) is int and type(api["averageResponseTime"]) is int
    assert isinstance(api["errorRate"], int | float) and 0 <= api["errorRate"] <= 1
    assert 1 <= len(api["topEndpoints"]) <= 10
    for entry in api["topEndpoints"]:
        assert set(entry) == {"endpoint", "count", "averageTime"}
        assert isinstance(entry["endpoint"], str) and entry["endpoint"].split()[0] in {
            "GET", "POST", "PUT", "PATCH", "DELETE"
        }  # fmt: skip
        assert type(entry["count"]) is int and type(entry["averageTime"]) is int
    counts = [e["count"] for e in api["topEndpoints"]]
    assert counts == sorted(counts, reverse=True)


def test_request_figures_move_with_requests(rest, admin_headers):
    before = _analytics(rest, admin_headers)
    top = before["data"]["api"]["topEndpoints"]
    had = _top(before).get("GET /health", {"count": 0})["count"]
    # Enough health checks to rank above the current tenth route, so it must be listed.
    tenth = top[9]["count"] if len(top) == 10 else 0
    n = max(5, tenth - had + 1)
    for _ in range(n):
        call(rest, "GET", "/health", 200)
    call(rest, "GET", "/api/v1/auth/me", 401)  # an error

    after = _analytics(rest, admin_headers)
    api_before, api_after = before["data"]["api"], after["data"]["api"]
    # n health checks, the 401, and the first analytics call itself
    assert api_after["requestsTotal"] >= api_before["requestsTotal"] + n + 2
    health = _top(after)["GET /health"]
    assert health["count"] >= had + n
    assert api_after["errorRate"] > 0


def test_user_figures_move_with_sign_ups_and_sign_ins(rest, admin_headers):
    day = dt.datetime.now(dt.UTC).date()
    before = _analytics(rest, admin_headers)["data"]["users"]
    account = sign_up(rest)
    sign_in(rest, account.email, account.password)
    after = _analytics(rest, admin_headers)["data"]["users"]

    assert after["total"] >= before["total"] + 1
    assert after["active24h"] >= before["active24h"] + 1
    assert after["active7d"] >= before["active7d"] + 1
    assert after["active7d"] >= after["active24h"]
    if dt.datetime.now(dt.UTC).date() == day:  # not across UTC midnight
        assert after["newToday"] >= before["newToday"] + 1


async def test_service_principals_are_not_counted_as_users(rest, admin_headers, db):
    import uuid

    from server.gateway import principals

    before = _analytics(rest, admin_headers)["data"]["users"]
    await principals.create(db, f"analytics-{uuid.uuid4().hex[:8]}")
    after = _analytics(rest, admin_headers)["data"]["users"]
    assert (after["total"], after["newToday"]) == (before["total"], before["newToday"])


async def test_wallet_figures_count_every_organizations_wallets(rest, admin_headers, db):
    from tests.factories.crypto import insert_position, insert_wallet
    from tests.factories.organizations import personal_org_id

    before = _analytics(rest, admin_headers)["data"]["wallets"]
    one, other = sign_up(rest), sign_up(rest)
    synced = await insert_wallet(db, personal_org_id(rest, one.token))
    await insert_position(db, synced, personal_org_id(rest, one.token))  # synced now
    await insert_wallet(db, personal_org_id(rest, other.token))
    after = _analytics(rest, admin_headers)["data"]["wallets"]
    assert after["total"] == before["total"] + 2
    assert after["recentSync24h"] >= before["recentSync24h"] + 1
