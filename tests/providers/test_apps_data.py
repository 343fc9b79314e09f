"""The integrations hub's data client against the sandbox's provider APIs: every data type of
every service, the seed 002 mapping, paging, incremental reads, QuickBooks re-reads, faults."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import httpx
import pytest

from server.providers.apps import (
    DATA_TYPES,
    AppDataClient,
    AppUnavailable,
    MappedRecord,
    TokenRejected,
    TokenSet,
)
from tests.factories.apps import connect


async def _all(data: AppDataClient, service: str, token: TokenSet, data_type: str, since=None):
    pages = [
        page
        async for page in data.fetch(
            service,
            data_type,
            access_token=token.access_token,
            account_id=token.account_id,
            since=since,
        )
    ]
    return pages, [r for page in pages for r in page]


@pytest.mark.parametrize(
    ("service", "data_type"), [(s, t) for s, types in DATA_TYPES.items() for t in types]
)
async def test_every_data_type_maps_deterministically(apps_oauth, apps_data, service, data_type):
    hint = f"fixed-{service}"
    token = await connect(apps_oauth, service, login_hint=hint)
    _, records = await _all(apps_data, service, token, data_type)
    assert records, f"{service} {data_type} answered nothing"
    again = await connect(apps_oauth, service, login_hint=hint)
    assert (await _all(apps_data, service, again, data_type))[1] == records
    assert len({r.external_id for r in records}) == len(records)
    for r in records:
        assert isinstance(r, MappedRecord) and r.data_type == data_type
        assert r.document["id"] == r.external_id
        assert r.updated_at is None or r.updated_at.utcoffset() == dt.timedelta(0)
        for key in ("amount", "balance"):
            if r.document.get(key) is not None:
                assert isinstance(r.document[key], Decimal)
        for key in ("date", "due_date"):
            if r.document.get(key) is not None:
                assert r.document[key].endswith("Z")
                dt.datetime.fromisoformat(r.document[key].replace("Z", "+00:00"))
        if r.document.get("currency") is not None:
            assert r.document["currency"] == r.document["currency"].upper()


async def test_stripe_payments_follow_the_seed_mapping(apps_oauth, apps_data):
    token = await connect(apps_oauth, "stripe")
    _, payments = await _all(apps_data, "stripe", token, "payments")
    assert len(payments) == 25
    assert {p.document["status"] for p in payments} <= {
        "completed",
        "pending",
        "failed",
        "cancelled",
    }
    assert "completed" in {p.document["status"] for p in payments}
    # The raw objects, read straight from the sandbox, against the mapped ones.
    async with httpx.AsyncClient() as http:
        raw = (
            await http.get(
                f"{apps_data._bases['stripe']}/v1/payment_intents",
                params={"limit": "100"},
                headers={"Authorization": f"Bearer {token.access_token}"},
            )
        ).json()["data"]
    by_id = {p.external_id: p.document for p in payments}
    for o in raw:
        doc = by_id[o["id"]]
        assert doc["amount"] == Decimal(o["amount"]) / 100
        assert doc["amount"].as_tuple().exponent == -2
        assert doc["currency"] == o["currency"].upper()
        if o["status"] == "succeeded":
            assert doc["status"] == "completed"
    one = raw[0]
    cents = f"{one['amount'] // 100}.{one['amount'] % 100:02d}"
    assert str(by_id[one["id"]]["amount"]) == cents


async def test_quickbooks_invoices_follow_the_seed_mapping(apps_oauth, apps_data):
    token = await connect(apps_oauth, "quickbooks")
    _, invoices = await _all(apps_data, "quickbooks", token, "invoices")
    first = invoices[0].document
    assert first["id"] == "1"
    # Row 1 of every company is created on 2025-01-01.
    assert first["date"] == "2025-01-01T00:00:00Z"
    assert isinstance(first["amount"], Decimal) and isinstance(first["balance"], Decimal)
    assert first["balance"] in (Decimal(0), first["amount"])
    assert all(d.document["date"].endswith("T00:00:00Z") for d in invoices)
    assert invoices[0].updated_at == dt.datetime(2025, 1, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("service", "data_type", "kind", "sizes"),
    [
        ("stripe", "customers", "customers", [100, 100, 50]),
        ("quickbooks", "vendors", "Vendor", [100, 100, 50]),
        ("xero", "contacts", "Contacts", [100, 100, 50]),
        ("slack", "users", "users", [200, 50]),
    ],
)
async def test_pages_follow_the_provider_paging(
    apps_oauth, apps_data, knobs, service, data_type, kind, sizes
):
    token = await connect(apps_oauth, service)
    knobs.apps_data(service, token.account_id, records=250)
    pages, records = await _all(apps_data, service, token, data_type)
    assert [len(p) for p in pages] == sizes
    assert len({r.external_id for r in records}) == 250


async def test_xero_invoices_and_expenses_split_by_type(apps_oauth, apps_data):
    token = await connect(apps_oauth, "xero")
    _, invoices = await _all(apps_data, "xero", token, "invoices")
    _, expenses = await _all(apps_data, "xero", token, "expenses")
    assert {r.document["type"] for r in invoices} == {"ACCREC"}
    assert {r.document["type"] for r in expenses} == {"ACCPAY"}
    assert len(invoices) + len(expenses) == 25


@pytest.mark.parametrize(
    ("service", "data_type", "kind"),
    [
        ("stripe", "payments", "payment_intents"),
        ("quickbooks", "invoices", "Invoice"),
        ("xero", "bank_transactions", "BankTransactions"),
        ("slack", "messages", "messages"),
    ],
)
async def test_since_reads_only_what_changed(
    apps_oauth, apps_data, knobs, service, data_type, kind
):
    token = await connect(apps_oauth, service)
    _, before = await _all(apps_data, service, token, data_type)
    mark = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    knobs.apps_data(service, token.account_id, kind=kind, add=2)
    _, recent = await _all(apps_data, service, token, data_type, since=mark)
    assert len(recent) == 2
    assert not {r.external_id for r in recent} & {r.external_id for r in before}
    _, after = await _all(apps_data, service, token, data_type)
    assert len(after) == len(before) + 2


async def test_quickbooks_modified_records_come_back_changed(apps_oauth, apps_data, knobs):
    token = await connect(apps_oauth, "quickbooks")
    _, before = await _all(apps_data, "quickbooks", token, "invoices")
    mark = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    knobs.apps_data("quickbooks", token.account_id, kind="Invoice", modify=["3"])
    _, changed = await _all(apps_data, "quickbooks", token, "invoices", since=mark)
    assert [r.external_id for r in changed] == ["3"]
    assert changed[0].updated_at > before[2].updated_at


async def test_read_entity_found_and_gone(apps_oauth, apps_data, knobs):
    token = await connect(apps_oauth, "quickbooks")
    args = {"access_token": token.access_token, "account_id": token.account_id}
    for entity, data_type in (
        ("Invoice", "invoices"),
        ("Customer", "customers"),
        ("Vendor", "vendors"),
        ("Purchase", "expenses"),
    ):
        found = await apps_data.read_entity("quickbooks", entity=entity, entity_id="4", **args)
        assert found is not None and found.external_id == "4" and found.data_type == data_type
    listed = (await _all(apps_data, "quickbooks", token, "invoices"))[1][3]
    assert (
        await apps_data.read_entity("quickbooks", entity="Invoice", entity_id="4", **args)
    ) == listed
    knobs.apps_data("quickbooks", token.account_id, kind="Invoice", delete=["4"])
    assert (
        await apps_data.read_entity("quickbooks", entity="Invoice", entity_id="4", **args) is None
    )
    assert (
        await apps_data.read_entity("quickbooks", entity="Invoice", entity_id="99999", **args)
        is None
    )


async def test_a_token_the_sandbox_never_issued_is_rejected(apps_data):
    for service in DATA_TYPES:
        fake = TokenSet("sk_test_" + uuid.uuid4().hex, None, None, (), "9130000000000001")
        with pytest.raises(TokenRejected):
            await _all(apps_data, service, fake, DATA_TYPES[service][0])


async def test_data_5xx_is_retried_then_unavailable(apps_oauth, apps_data, knobs):
    token = await connect(apps_oauth, "xero")
    knobs.apps("xero", server_errors=2)
    assert (await _all(apps_data, "xero", token, "contacts"))[1]
    knobs.apps("xero", server_errors=3)
    with pytest.raises(AppUnavailable) as unavailable:
        await _all(apps_data, "xero", token, "contacts")
    assert unavailable.value.retry_after >= 1
    assert (await _all(apps_data, "xero", token, "contacts"))[1]
