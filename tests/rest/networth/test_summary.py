"""GET /api/v1/networth (seed 004 "Get Net Worth Summary"): the balance sheet of an
organization with a checking account, a credit card, a mortgage, two wallets, a house, a car
and a EUR account, against totals computed here by hand; performance against a stored snapshot."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

from server.dev.sandbox.rates import rate
from tests.factories.auth import sign_up
from tests.factories.banking import insert_account, insert_connection
from tests.factories.crypto import insert_position, insert_wallet
from tests.factories.networth import insert_snapshots
from tests.factories.organizations import personal_org_id
from tests.rest.client import RFC3339_Z, bearer, call

PATH = "/api/v1/networth"
CENT = Decimal("0.01")


def assets(rest, token, body):
    call(rest, "POST", "/api/v1/networth/accounts/assets", 201, json=body, headers=bearer(token))


def cents(value: Decimal) -> float:
    return float(value.quantize(CENT, ROUND_HALF_EVEN))


async def test_the_balance_sheet(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    conn = await insert_connection(db, org, user.user["id"])
    await insert_account(db, org, conn, balance="35000.00")
    await insert_account(
        db, org, conn, name="Card", type="CREDIT_CARD", subtype="other", balance="5432.10"
    )
    await insert_account(
        db,
        org,
        conn,
        name="Home loan",
        type="LOAN",
        subtype="other",
        balance="74567.90",
        provider_subtype="mortgage",
    )
    await insert_account(
        db,
        org,
        conn,
        name="Car loan",
        type="LOAN",
        subtype="other",
        balance="12000.00",
        provider_subtype="auto",
    )
    await insert_account(
        db,
        org,
        conn,
        name="Konto",
        type="SAVINGS",
        subtype="savings",
        balance="1000.00",
        currency="EUR",
    )
    await insert_account(db, org, conn, name="Closed", balance="999.00", is_active=False)
    for network in ("ETHEREUM", "POLYGON"):
        wallet = await insert_wallet(db, org, network=network)
        await insert_position(db, wallet, org, quantity="2", price="1500")  # 3000 each
    assets(rest, user.token, {"name": "House", "type": "REAL_ESTATE", "balance": 350000})
    assets(rest, user.token, {"name": "Car", "type": "VEHICLE", "balance": 7100.67})

    data = call(rest, "GET", PATH, 200, headers=bearer(user.token))["data"]
    assert set(data) == {"summary", "breakdown", "performance"}
    eur = Decimal("1000.00") / Decimal(str(rate("EUR", dt.datetime.now(dt.UTC).date())))
    cash = Decimal("35000.00") + eur
    total_assets = cash + 6000 + Decimal("350000") + Decimal("7100.67")
    liabilities = Decimal("5432.10") + Decimal("74567.90") + Decimal("12000.00")
    summary = data["summary"]
    assert set(summary) == {
        "totalNetWorth",
        "totalAssets",
        "totalLiabilities",
        "currency",
        "asOfDate",
    }
    assert summary["currency"] == "USD" and RFC3339_Z.match(summary["asOfDate"])
    assert summary["totalAssets"] == cents(total_assets)
    assert summary["totalLiabilities"] == cents(liabilities)
    assert abs(summary["totalNetWorth"] - cents(total_assets - liabilities)) < 0.011
    assert data["breakdown"] == {
        "assets": {
            "cash": cents(cash),
            "crypto": 6000,
            "investments": 0,
            "realEstate": 350000,
            "vehicles": 7100.67,
            "otherAssets": 0,
        },
        "liabilities": {"creditCards": 5432.1, "loans": 12000, "mortgages": 74567.9},
    }
    # No snapshot before today's: the period starts from now.
    perf = data["performance"]
    assert set(perf) == {
        "period",
        "startValue",
        "endValue",
        "change",
        "changePercent",
        "breakdownByCategory",
    }
    assert (perf["period"], perf["change"], perf["changePercent"]) == ("1m", 0, 0)
    assert set(perf["breakdownByCategory"]) == {"crypto", "banking", "realEstate"}
    # The read stored today's snapshot.
    snaps = call(rest, "GET", f"{PATH}/snapshots", 200, headers=bearer(user.token))["data"]
    assert [s["snapshotDate"] for s in snaps] == [dt.datetime.now(dt.UTC).date().isoformat()]
    assert snaps[0]["totalNetWorth"] == summary["totalNetWorth"]


async def test_performance_against_the_snapshot_at_the_period_start(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    today = dt.datetime.now(dt.UTC).date()
    month_ago = today - dt.timedelta(days=40)
    stored = await insert_snapshots(db, org, [month_ago])
    start = stored[month_ago]
    assets(rest, user.token, {"name": "House", "type": "REAL_ESTATE", "balance": 250000})
    perf = call(rest, "GET", PATH, 200, headers=bearer(user.token))["data"]["performance"]
    start_net = start["total_net_worth"]
    assert perf["startValue"] == float(start_net) and perf["endValue"] == 250000
    change = Decimal(250000) - start_net
    assert perf["change"] == float(change)
    assert perf["changePercent"] == cents(change / start_net * 100)
    real_estate = perf["breakdownByCategory"]["realEstate"]
    assert real_estate["change"] == float(Decimal(250000) - start["real_estate"])
    assert real_estate["percent"] == cents(
        (Decimal(250000) - start["real_estate"]) / start_net * 100
    )
    assert (
        call(rest, "GET", f"{PATH}?period=1w", 200, headers=bearer(user.token))["data"][
            "performance"
        ]["period"]
        == "1w"
    )
    bad = rest.get(f"{PATH}?period=2w", headers=bearer(user.token))
    assert bad.status_code == 400


async def test_the_daily_job_snapshots_every_organization_and_replaces_its_day(
    rest, db, provider_settings
):
    from server.networth.tasks import snapshot_all
    from server.providers.rates import RatesClient

    one, two = sign_up(rest), sign_up(rest)
    assets(rest, one.token, {"name": "House", "type": "REAL_ESTATE", "balance": 100000})
    assets(rest, two.token, {"name": "Art", "type": "CUSTOM", "balance": 900, "currency": "GBP"})
    day = dt.datetime.now(dt.UTC).date()
    rates = RatesClient.from_settings(provider_settings)
    assert await snapshot_all(db, rates, day) >= 2
    snaps = call(rest, "GET", f"{PATH}/snapshots", 200, headers=bearer(two.token))["data"]
    gbp = Decimal(900) / Decimal(str(rate("GBP", day)))
    assert [(s["snapshotDate"], s["breakdown"]["otherAssets"]) for s in snaps] == [
        (day.isoformat(), cents(gbp))
    ]
    # Re-running the day replaces its snapshot.
    assets(rest, one.token, {"name": "Car", "type": "VEHICLE", "balance": 5000})
    await snapshot_all(db, rates, day)
    snaps = call(rest, "GET", f"{PATH}/snapshots", 200, headers=bearer(one.token))["data"]
    assert [(s["totalNetWorth"], s["breakdown"]["vehicles"]) for s in snaps] == [(105000, 5000)]
