"""A test organization with a bank connection and two accounts, written through the factories."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

# Every table on the metadata: a bulk insert resolves the foreign keys of the banking tables.
import server.schema  # noqa: F401
from server.platform.db.database import Database
from tests.factories.auth import SignedUp, sign_up
from tests.factories.banking import insert_account, insert_connection
from tests.factories.organizations import personal_org_id
from tests.rest.client import bearer


@dataclass
class Bank:
    user: SignedUp
    org_id: str
    connection_id: uuid.UUID
    checking: uuid.UUID
    savings: uuid.UUID

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.user.token)


async def make_bank(rest: httpx.Client, db: Database, **connection: object) -> Bank:
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    conn = await insert_connection(db, org, user.user["id"], **connection)
    checking = await insert_account(db, org, conn)
    savings = await insert_account(
        db,
        org,
        conn,
        name="Chase Savings Account",
        type="SAVINGS",
        subtype="savings",
        balance="25000.00",
        last_four="5678",
    )
    return Bank(user, org, conn, checking, savings)
