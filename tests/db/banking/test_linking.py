"""store_link on PostgreSQL: a relinked item reuses its ACTIVE connection, accounts are
upserted, and the plan counts only accounts that are new."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

import server.schema  # noqa: F401  (every table: the ORM resolves the foreign keys)
from server.banking.linking import store_link
from server.banking.models import BankConnection, FinancialAccount
from server.platform.cache.store import MemoryCache
from server.platform.config import DEV_ENCRYPTION_KEY
from server.platform.encryption import Vault
from server.platform.errors import PlanLimitExceeded
from server.platform.tenancy.session import bind_organization
from server.platform.tenancy.unit_of_work import UnitOfWork
from server.providers.base import Institution, Link, ProviderAccount
from tests.factories.auth import sign_up
from tests.factories.organizations import personal_org_id

VAULT = Vault((DEV_ENCRYPTION_KEY,))


def account(pid: str, balance: str = "10.00", number: str | None = None) -> ProviderAccount:
    return ProviderAccount(
        provider_account_id=pid,
        name=f"Account {pid}",
        type="CHECKING",
        subtype="checking",
        currency="USD",
        balance=Decimal(balance),
        available_balance=None,
        mask="1234",
        account_number=number,
    )


async def link(db, org: uuid.UUID, user: uuid.UUID, item: str, accounts, *, token="access-1"):
    async with UnitOfWork(db, tenant=False) as work:
        await bind_organization(work.session, org)
        return await store_link(
            work,
            MemoryCache(ttl_s=60),
            VAULT,
            organization_id=org,
            plan="FREE",
            user_id=user,
            provider="PLAID",
            link=Link(token, item, Institution("ins_3", "Chase", "logo", "https://chase.com")),
            accounts=accounts,
        )


async def _counts(db, org: uuid.UUID) -> tuple[int, int]:
    async with db.transaction() as s:
        conns = await s.scalar(
            select(func.count())
            .select_from(BankConnection)
            .where(BankConnection.organization_id == org)
        )
        accs = await s.scalar(
            select(func.count())
            .select_from(FinancialAccount)
            .where(FinancialAccount.organization_id == org)
        )
    return int(conns or 0), int(accs or 0)


@pytest.fixture
def owner(rest):
    user = sign_up(rest)
    return uuid.UUID(personal_org_id(rest, user.token)), uuid.UUID(user.user["id"])


async def test_relinking_an_item_reuses_its_connection(db, owner):
    org, user = owner
    item = f"item-{uuid.uuid4().hex}"
    first = await link(db, org, user, item, [account("a"), account("b", number="000099991234")])
    assert first.created
    again = await link(db, org, user, item, [account("a", "20.00")], token="access-2")
    assert not again.created and again.connection_id == first.connection_id
    assert again.connected_at == first.connected_at
    assert await _counts(db, org) == (1, 2)
    assert [r.balance for r in again.accounts] == [Decimal("20.00")]
    async with db.transaction() as s:
        conn = await s.get(BankConnection, first.connection_id)
        sealed_number = await s.scalar(
            select(FinancialAccount.account_number_sealed).where(
                FinancialAccount.provider_account_id == "b",
                FinancialAccount.connection_id == first.connection_id,
            )
        )
    assert conn is not None
    # The newest grant wins; the institution's details are kept.
    assert VAULT.unseal(conn.access_token_sealed) == "access-2"
    assert (conn.institution_logo, conn.institution_url) == ("logo", "https://chase.com")
    assert sealed_number and VAULT.unseal(sealed_number) == "000099991234"


async def test_only_new_accounts_count_against_the_plan(db, owner):
    org, user = owner
    item = f"item-{uuid.uuid4().hex}"
    await link(db, org, user, item, [account("a"), account("b")])
    # FREE allows 2: relinking both is fine, a third is refused with nothing written.
    await link(db, org, user, item, [account("a"), account("b")])
    with pytest.raises(PlanLimitExceeded) as refused:
        await link(db, org, user, item, [account("a"), account("c")])
    assert refused.value.details == {"current": 2, "limit": 2, "plan": "FREE"}
    with pytest.raises(PlanLimitExceeded):
        await link(db, org, user, f"item-{uuid.uuid4().hex}", [account("z")])
    assert await _counts(db, org) == (1, 2)


async def test_a_disconnected_connection_is_not_reused(db, owner):
    org, user = owner
    item = f"item-{uuid.uuid4().hex}"
    first = await link(db, org, user, item, [account("a")])
    async with db.transaction() as s:
        conn = await s.get(BankConnection, first.connection_id)
        assert conn is not None
        conn.status = "DISCONNECTED"
    second = await link(db, org, user, item, [account("a")])
    assert second.created and second.connection_id != first.connection_id


async def test_a_downgrade_counts_bank_accounts(db, owner):
    from server.plans.limits import exceeded

    org, user = owner
    await link(db, org, user, f"item-{uuid.uuid4().hex}", [account("a"), account("b")])
    async with db.transaction() as s:
        assert await exceeded(s, organization_ids=[org], plan_code="FREE") == []
    async with db.transaction() as s:
        await s.execute(
            FinancialAccount.__table__.insert().values(
                id=uuid.uuid4(),
                organization_id=org,
                connection_id=(
                    await s.scalar(
                        select(BankConnection.id).where(BankConnection.organization_id == org)
                    )
                ),
                provider_account_id="c",
                name="Third",
                type="SAVINGS",
                subtype="savings",
            )
        )
    async with db.transaction() as s:
        over = await exceeded(s, organization_ids=[org], plan_code="FREE")
    assert [(o.resource, o.current, o.limit) for o in over] == [("bank_accounts", 3, 2)]
