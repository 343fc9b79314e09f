"""Banking's public API on PostgreSQL: account records carry every field the API promises,
filtered as asked, and another organization's connection or account is not found."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

import server.schema  # noqa: F401  (every table: the ORM resolves the foreign keys)
from server.banking.api import ACCOUNT_NOT_FOUND, CONNECTION_NOT_FOUND, AccountRecord, BankingApi
from server.banking.linking import store_link
from server.platform.cache.store import MemoryCache
from server.platform.config import DEV_ENCRYPTION_KEY
from server.platform.context import CallState, Tenant, call_var
from server.platform.encryption import Vault
from server.platform.errors import NotFound
from server.platform.tenancy.session import bind_organization
from server.platform.tenancy.unit_of_work import UnitOfWork
from server.providers.base import Institution, Link, ProviderAccount
from tests.factories.auth import sign_up
from tests.factories.organizations import personal_org_id

VAULT = Vault((DEV_ENCRYPTION_KEY,))
PROMISED = sorted(n for n, v in vars(AccountRecord).items() if isinstance(v, property))
NULLABLE = {"available_balance", "last_four", "last_sync_at"}


def account(pid: str, subtype: str, status: str = "open") -> ProviderAccount:
    return ProviderAccount(
        provider_account_id=pid,
        name=f"Account {pid}",
        type="CHECKING" if subtype == "checking" else "SAVINGS",
        subtype=subtype,
        currency="USD",
        balance=Decimal("12.50"),
        available_balance=None,
        mask="1234",
        status=status,
    )


async def linked(db, rest) -> tuple[uuid.UUID, uuid.UUID]:
    """A fresh organization with one connection of two accounts (the second closed)."""
    user = sign_up(rest)
    org = uuid.UUID(personal_org_id(rest, user.token))
    async with UnitOfWork(db, tenant=False) as work:
        await bind_organization(work.session, org)
        link = await store_link(
            work,
            MemoryCache(ttl_s=60),
            VAULT,
            organization_id=org,
            plan="FREE",
            user_id=uuid.UUID(user.user["id"]),
            provider="PLAID",
            # A unique grant: the last test looks for every stored token in the logs.
            link=Link(
                f"access-{uuid.uuid4().hex}",
                f"item-{uuid.uuid4().hex}",
                Institution("ins_3", "Chase"),
            ),
            accounts=[account("a", "checking"), account("b", "savings", status="closed")],
        )
    return org, link.connection_id


def in_call(organization_id: uuid.UUID) -> None:
    state = CallState(request_id="test", metadata={})
    state.tenant = Tenant(organization_id, "OWNER", is_personal=True, plan="FREE")
    call_var.set(state)


@pytest.fixture
def api(db) -> BankingApi:
    # Reads need only the database; the sync's and the link's collaborators stay unused.
    return BankingApi(db, None, MemoryCache(ttl_s=60), VAULT, None)


async def test_account_records_hold_every_promised_field(db, rest, api):
    org, cid = await linked(db, rest)
    in_call(org)
    rows = await api.list_accounts()
    assert [r.provider_account_id for r in rows] == ["a", "b"]
    assert len(PROMISED) == 14
    for r in rows:
        assert all(getattr(r, name) is not None or name in NULLABLE for name in PROMISED)
    assert rows[0].connection_id == cid and rows[0].balance == Decimal("12.50")
    one = await api.get_account_or_raise(rows[1].id)
    assert (one.subtype, one.is_active) == ("savings", False)


async def test_account_lists_filter_by_connection_activity_and_subtype(db, rest, api):
    org, cid = await linked(db, rest)
    in_call(org)
    by_connection = await api.list_accounts(connection_id=cid)
    active = await api.list_accounts(active_only=True)
    savings = await api.list_accounts(subtype="savings")
    assert [r.provider_account_id for r in by_connection] == ["a", "b"]
    assert [r.provider_account_id for r in active] == ["a"]
    assert [r.provider_account_id for r in savings] == ["b"]


async def test_another_organizations_connection_and_account_are_not_found(db, rest, api):
    theirs, their_cid = await linked(db, rest)
    mine, _ = await linked(db, rest)
    in_call(theirs)
    their_account = (await api.list_accounts())[0].id
    in_call(mine)
    with pytest.raises(NotFound) as no_connection:
        await api.list_accounts(connection_id=their_cid)
    with pytest.raises(NotFound) as no_account:
        await api.get_account_or_raise(their_account)
    assert no_connection.value.message == CONNECTION_NOT_FOUND
    assert no_account.value.message == ACCOUNT_NOT_FOUND
