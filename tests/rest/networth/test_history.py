"""Net-worth history and snapshots over 400 days of stored snapshots: every period ×
granularity against points and figures computed here independently (dateutil for calendar
months, ISO weeks from the standard library)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from dateutil.relativedelta import relativedelta

from tests.factories.auth import sign_up
from tests.factories.networth import insert_snapshots
from tests.factories.organizations import personal_org_id
from tests.rest.client import UUID, assert_mappr_error, bearer, call

TODAY = dt.datetime.now(dt.UTC).date()
DAYS = [TODAY - dt.timedelta(days=399 - i) for i in range(400)]
PERIODS = {
    "1w": lambda end: end - dt.timedelta(days=7),
    "1m": lambda end: end - relativedelta(months=1),
    "3m": lambda end: end - relativedelta(months=3),
    "6m": lambda end: end - relativedelta(months=6),
    "1y": lambda end: end - relativedelta(years=1),
    "ytd": lambda end: dt.date(end.year, 1, 1),
    "all": lambda end: DAYS[0],
}
BUCKET = {
    "DAILY": lambda d: d,
    "WEEKLY": lambda d: d.isocalendar()[:2],
    "MONTHLY": lambda d: (d.year, d.month),
    "QUARTERLY": lambda d: (d.year, (d.month - 1) // 3),
    "YEARLY": lambda d: d.year,
}
POINT_KEYS = {"date", "netWorth", "assets", "liabilities", "assetBreakdown"}
BREAKDOWN_KEYS = {"cash", "crypto", "investments", "realEstate", "vehicles", "otherAssets"}


@pytest.fixture(scope="module")
async def seeded(rest, db):
    user = sign_up(rest)
    values = await insert_snapshots(db, personal_org_id(rest, user.token), DAYS)
    return user, values


def expected_points(start, end, granularity):
    last: dict[object, dt.date] = {}
    for day in DAYS:
        if start <= day <= end:
            key = BUCKET[granularity](day)
            last[key] = max(last.get(key, day), day)
    return sorted(last.values())


def cents(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), ROUND_HALF_EVEN))


@pytest.mark.parametrize("granularity", list(BUCKET))
@pytest.mark.parametrize("period", list(PERIODS))
def test_every_period_and_granularity(rest, seeded, period, granularity):
    user, values = seeded
    query = f"?period={period}&granularity={granularity}"
    data = call(rest, "GET", f"/api/v1/networth/history{query}", 200, headers=bearer(user.token))[
        "data"
    ]
    start = PERIODS[period](TODAY)
    days = expected_points(start, TODAY, granularity)
    assert (data["period"], data["granularity"]) == (period, granularity)
    assert (data["startDate"], data["endDate"]) == (start.isoformat(), TODAY.isoformat())
    assert [p["date"] for p in data["dataPoints"]] == [d.isoformat() for d in days]
    nets = [values[d]["total_net_worth"] for d in days]
    assert [p["netWorth"] for p in data["dataPoints"]] == [float(n) for n in nets]
    first = data["dataPoints"][0]
    assert set(first) == POINT_KEYS and set(first["assetBreakdown"]) == BREAKDOWN_KEYS
    v = values[days[0]]
    assert (first["assets"], first["liabilities"]) == (
        float(v["total_assets"]),
        float(v["total_liabilities"]),
    )
    assert first["assetBreakdown"]["realEstate"] == float(v["real_estate"])
    summary = data["summary"]
    change = nets[-1] - nets[0]
    assert summary == {
        "startValue": float(nets[0]),
        "endValue": float(nets[-1]),
        "change": float(change),
        "changePercent": cents(change / nets[0] * 100),
        "highValue": float(max(nets)),
        "lowValue": float(min(nets)),
        "averageValue": cents(sum(nets) / len(nets)),
    }


def test_defaults_dates_and_bad_input(rest, seeded):
    user, _ = seeded
    path = "/api/v1/networth/history"
    data = call(rest, "GET", path, 200, headers=bearer(user.token))["data"]
    assert (data["period"], data["granularity"]) == ("1m", "DAILY")
    start, end = DAYS[10], DAYS[40]
    query = f"?startDate={start}&endDate={end}&granularity=weekly"
    data = call(rest, "GET", path + query, 200, headers=bearer(user.token))["data"]
    assert [p["date"] for p in data["dataPoints"]] == [
        d.isoformat() for d in expected_points(start, end, "WEEKLY")
    ]
    for bad in (
        "?period=2w",
        "?granularity=HOURLY",
        "?startDate=yesterday",
        f"?startDate={end}&endDate={start}",
    ):
        error = call(rest, "GET", path + bad, 400, headers=bearer(user.token))
        assert_mappr_error(error, code="INVALID_INPUT", status=400, details=True)


def test_no_snapshots_yet(rest):
    user = sign_up(rest)
    data = call(rest, "GET", "/api/v1/networth/history?period=all", 200, headers=bearer(user.token))
    assert data["data"]["dataPoints"] == []
    assert set(data["data"]["summary"].values()) == {0}


def test_snapshots_page_newest_first_at_a_granularity(rest, seeded):
    user, values = seeded
    path = "/api/v1/networth/snapshots"
    body = call(rest, "GET", path, 200, headers=bearer(user.token))
    assert body["pagination"] == {"page": 1, "limit": 50, "total": 400, "pages": 8}
    first = body["data"][0]
    assert set(first) == {
        "id",
        "snapshotDate",
        "granularity",
        "totalNetWorth",
        "totalAssets",
        "totalLiabilities",
        "breakdown",
    }
    assert UUID.match(first["id"]) and first["granularity"] == "DAILY"
    assert first["snapshotDate"] == TODAY.isoformat()
    assert first["totalNetWorth"] == float(values[TODAY]["total_net_worth"])
    assert set(first["breakdown"]) == BREAKDOWN_KEYS
    monthly = call(
        rest, "GET", f"{path}?granularity=MONTHLY&limit=100", 200, headers=bearer(user.token)
    )
    months = expected_points(DAYS[0], TODAY, "MONTHLY")
    assert [s["snapshotDate"] for s in monthly["data"]] == [d.isoformat() for d in reversed(months)]
    assert monthly["pagination"]["total"] == len(months)
    ranged = call(
        rest,
        "GET",
        f"{path}?startDate={DAYS[100]}&endDate={DAYS[109]}&limit=5&page=2",
        200,
        headers=bearer(user.token),
    )
    assert [s["snapshotDate"] for s in ranged["data"]] == [
        d.isoformat() for d in reversed(DAYS[100:105])
    ]
    assert ranged["pagination"] == {"page": 2, "limit": 5, "total": 10, "pages": 2}
    other = sign_up(rest)
    assert call(rest, "GET", path, 200, headers=bearer(other.token))["data"] == []
