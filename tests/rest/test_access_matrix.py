"""Every route of tenancy, subscriptions, admin, budgets, banking, bank connections, Dashtam
accounts and integrations against every kind of caller.

Callers: the OWNER, EDITOR and VIEWER of one organization (T), a signed-in user who is no
member of T, the member of another organization (O), an anonymous caller, and an ADMIN who is
not a member of T. Each cell is the documented status. Refused calls must answer the error
envelope (no data), and at the end T and O hold exactly what the allowed calls made: no
cross-tenant read or write slipped through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import text

import server.schema  # noqa: F401  (the banking factories' foreign keys)
from tests.factories.auth import SignedUp, sign_up, unique_email
from tests.factories.banking import insert_account, insert_connection
from tests.factories.organizations import add_member, create_org, invite
from tests.rest.banking.sandbox import enrollment, plaid_public_token, teller_token
from tests.rest.budgets.test_budgets import SEED_BODY
from tests.rest.client import bearer, call

ACTORS = ("owner", "editor", "viewer", "non_member", "other_org", "anonymous", "admin")


@dataclass
class World:
    rest: httpx.Client
    mail_dir: Any
    org: str  # T
    other_org: str  # O
    users: dict[str, SignedUp]
    sandbox_url: str
    # A bank account of T, and one per caller to sync (a queued sync refuses a second one).
    account: str
    sync_accounts: dict[str, str]
    # A connection of T to read, and one per caller to disconnect and one to delete: all
    # linked by T's billing owner, so only OWNERs (not that linker) may change them.
    connection: str
    to_disconnect: dict[str, str]
    to_delete: dict[str, str]
    made_budgets: list[str] = field(default_factory=list)

    def headers(self, actor: str) -> dict[str, str]:
        return {} if actor == "anonymous" else bearer(self.users[actor].token)

    def budget(self) -> str:
        """A fresh budget in T, made by its owner."""
        path = f"/api/v1/organizations/{self.org}/budgets"
        body = call(self.rest, "POST", path, 201, json=SEED_BODY, headers=self.headers("owner"))
        self.made_budgets.append(body["data"]["id"])
        return str(body["data"]["id"])

    def member(self) -> str:
        """A fresh VIEWER of T; returns its user id."""
        user = add_member(self.rest, self.mail_dir, self.org, self.users["owner"].token, "VIEWER")
        return str(user.user["id"])

    def teller_connect(self) -> dict[str, Any]:
        """A fresh Teller enrollment and its first account (as T's owner previews it)."""
        enr = enrollment(teller_token())
        path = f"/api/v1/organizations/{self.org}/banking/preview"
        preview = call(
            self.rest, "POST", path, 200, json={"enrollment": enr}, headers=self.headers("owner")
        )
        return {"enrollment": enr, "selectedAccountIds": [preview["data"]["accounts"][0]["id"]]}


@pytest.fixture(scope="module")
async def world(rest, mail_dir, db, stack) -> World:
    # T's billing owner is not one of the callers: the callers' own plan changes (the
    # subscription routes) must not move T's budget limit.
    billing = sign_up(rest)
    org = create_org(rest, billing.token)["id"]
    owner, editor, viewer = (
        add_member(rest, mail_dir, org, billing.token, role)
        for role in ("OWNER", "EDITOR", "VIEWER")
    )
    outsider = sign_up(rest)
    other_owner = sign_up(rest)
    other = create_org(rest, other_owner.token, name="Other Corp")
    other_member = add_member(rest, mail_dir, other["id"], other_owner.token, "EDITOR")
    call(
        rest,
        "POST",
        f"/api/v1/organizations/{other['id']}/budgets",
        201,
        json=SEED_BODY,
        headers=bearer(other_owner.token),
    )
    admin = sign_up(rest)
    async with db.transaction() as s:
        # An ADMIN of this module's own; T unlimited, so budgets never hit FREE's cap.
        await s.execute(
            text("UPDATE users SET role = 'ADMIN' WHERE id = :id"), {"id": admin.user["id"]}
        )
        await s.execute(
            text("UPDATE users SET current_plan = 'ULTIMATE' WHERE id = :id"),
            {"id": billing.user["id"]},
        )
    connection = await insert_connection(db, org, billing.user["id"])
    account = await insert_account(db, org, connection)
    sync_accounts = {}
    to_disconnect, to_delete = {}, {}
    for actor in ACTORS:
        own = await insert_connection(db, org, billing.user["id"])
        sync_accounts[actor] = str(await insert_account(db, org, own))
        to_disconnect[actor] = str(await insert_connection(db, org, billing.user["id"]))
        to_delete[actor] = str(await insert_connection(db, org, billing.user["id"]))
    users = {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "non_member": outsider,
        "other_org": other_member,
        "admin": admin,
    }
    return World(
        rest,
        mail_dir,
        org,
        other["id"],
        users,
        sandbox_url=stack.sandbox_url,
        account=str(account),
        sync_accounts=sync_accounts,
        connection=str(connection),
        to_disconnect=to_disconnect,
        to_delete=to_delete,
    )


Request = tuple[str, str, dict[str, Any] | None]


@dataclass(frozen=True)
class Route:
    name: str
    # Builds the request for one caller (fresh resources where the call consumes them).
    request: Callable[[World, str], Request]
    # The documented status per caller.
    expect: dict[str, int]
    # Runs after an allowed call (undo a plan change, say).
    after: Callable[[World, str], None] | None = None
    # Refusals come as RFC 9457 problem details (Dashtam's routes), not the Mappr envelope.
    problem: bool = False


def _statuses(ok: int, *, write: bool = False, manage: bool = False) -> dict[str, int]:
    """An organization-scoped route: members per role, everyone else refused."""
    editor = 403 if manage else ok
    viewer = 403 if (write or manage) else ok
    return {
        "owner": ok,
        "editor": editor,
        "viewer": viewer,
        "non_member": 404,
        "other_org": 404,
        "anonymous": 401,
        "admin": 404,
    }


def _user_level(ok: int) -> dict[str, int]:
    return {actor: (401 if actor == "anonymous" else ok) for actor in ACTORS}


def _admin_only() -> dict[str, int]:
    return {actor: {"admin": 200, "anonymous": 401}.get(actor, 403) for actor in ACTORS}


def _accept(w: World, actor: str) -> Request:
    """An invitation to this caller's address into a fresh organization of a third user."""
    host = sign_up(w.rest)
    org = create_org(w.rest, host.token)
    email = w.users[actor].email if actor != "anonymous" else unique_email()
    inv = invite(w.rest, org["id"], host.token, email, "VIEWER")
    return "POST", f"/api/v1/organizations/invitations/{inv['id']}/accept", None


def _subscribed(w: World, actor: str) -> None:
    if actor != "anonymous":
        call(
            w.rest,
            "POST",
            "/api/v1/subscriptions/subscribe",
            201,
            json={"planId": "plan_pro", "paymentMethodId": "pm_card_visa"},
            headers=w.headers(actor),
        )


def _cancel(w: World, actor: str) -> None:
    call(w.rest, "DELETE", "/api/v1/subscriptions/cancel", 200, headers=w.headers(actor))


def _change_plan(w: World, actor: str) -> Request:
    _subscribed(w, actor)
    return "PUT", "/api/v1/subscriptions/change-plan", {"planId": "plan_ultimate"}


def _cancel_request(w: World, actor: str) -> Request:
    _subscribed(w, actor)
    return "DELETE", "/api/v1/subscriptions/cancel", None


ORG = "/api/v1/organizations/{org}"
ROUTES = [
    Route(
        "list organizations", lambda w, a: ("GET", "/api/v1/organizations", None), _user_level(200)
    ),
    Route(
        "create organization",
        lambda w, a: (
            "POST",
            "/api/v1/organizations",
            {"name": "New", "slug": unique_email("s").split("@")[0]},
        ),
        _user_level(201),
    ),
    Route("get organization", lambda w, a: ("GET", ORG.format(org=w.org), None), _statuses(200)),
    Route(
        "invite member",
        lambda w, a: (
            "POST",
            ORG.format(org=w.org) + "/invite",
            {"email": unique_email(), "role": "VIEWER"},
        ),
        _statuses(201, manage=True),
    ),
    Route("accept invitation", _accept, _user_level(200)),
    Route(
        "update member role",
        lambda w, a: (
            "PUT",
            ORG.format(org=w.org) + f"/members/{w.users['viewer'].user['id']}/role",
            {"role": "VIEWER"},
        ),
        _statuses(200, manage=True),
    ),
    Route(
        "remove member",
        lambda w, a: ("DELETE", ORG.format(org=w.org) + f"/members/{w.member()}", None),
        _statuses(204, manage=True),
    ),
    Route(
        "plans",
        lambda w, a: ("GET", "/api/v1/subscriptions/plans", None),
        dict.fromkeys(ACTORS, 200),
    ),
    Route(
        "current subscription",
        lambda w, a: ("GET", "/api/v1/subscriptions/current", None),
        _user_level(200),
    ),
    Route(
        "subscribe",
        lambda w, a: (
            "POST",
            "/api/v1/subscriptions/subscribe",
            {"planId": "plan_pro", "paymentMethodId": "pm_card_visa"},
        ),
        _user_level(201),
        after=_cancel,
    ),
    Route("change plan", _change_plan, _user_level(200), after=_cancel),
    Route("cancel subscription", _cancel_request, _user_level(200)),
    Route("admin users", lambda w, a: ("GET", "/api/v1/admin/users", None), _admin_only()),
    Route(
        "admin queue stats", lambda w, a: ("GET", "/api/v1/admin/queue-stats", None), _admin_only()
    ),
    Route("admin analytics", lambda w, a: ("GET", "/api/v1/admin/analytics", None), _admin_only()),
    Route(
        "create budget",
        lambda w, a: ("POST", ORG.format(org=w.org) + "/budgets", SEED_BODY),
        _statuses(201, write=True),
    ),
    Route(
        "list budgets",
        lambda w, a: ("GET", ORG.format(org=w.org) + "/budgets", None),
        _statuses(200),
    ),
    Route(
        "get budget",
        lambda w, a: ("GET", f"/api/v1/budgets/{w.budget()}?organizationId={w.org}", None),
        _statuses(200),
    ),
    Route(
        "update budget",
        lambda w, a: ("PUT", ORG.format(org=w.org) + f"/budgets/{w.budget()}", {"name": "Renamed"}),
        _statuses(200, write=True),
    ),
    Route(
        "delete budget",
        lambda w, a: ("DELETE", ORG.format(org=w.org) + f"/budgets/{w.budget()}", None),
        _statuses(204, write=True),
    ),
    Route(
        "banking preview",
        lambda w, a: (
            "POST",
            ORG.format(org=w.org) + "/banking/preview",
            {"enrollment": enrollment(teller_token())},
        ),
        _statuses(200, write=True),
    ),
    Route(
        "banking connect",
        lambda w, a: ("POST", ORG.format(org=w.org) + "/banking/connect", w.teller_connect()),
        _statuses(201, write=True),
    ),
    Route(
        "list bank accounts",
        lambda w, a: ("GET", ORG.format(org=w.org) + "/banking/accounts", None),
        _statuses(200),
    ),
    Route(
        "get bank account",
        lambda w, a: ("GET", f"/api/v1/banking/accounts/{w.account}?organizationId={w.org}", None),
        _statuses(200),
    ),
    Route(
        "list transactions",
        lambda w, a: ("GET", ORG.format(org=w.org) + "/banking/transactions", None),
        _statuses(200),
    ),
    Route(
        "sync bank account",
        lambda w, a: (
            "POST",
            ORG.format(org=w.org) + f"/banking/accounts/{w.sync_accounts[a]}/sync",
            {"syncType": "full"},
        ),
        _statuses(200, write=True),
    ),
    Route(
        "spending by category",
        lambda w, a: (
            "GET",
            ORG.format(org=w.org) + "/banking/analytics/spending/categories",
            None,
        ),
        _statuses(200),
    ),
    Route(
        "list bank connections",
        lambda w, a: ("GET", ORG.format(org=w.org) + "/banking/connections", None),
        _statuses(200),
    ),
    Route(
        "get bank connection",
        lambda w, a: ("GET", ORG.format(org=w.org) + f"/banking/connections/{w.connection}", None),
        _statuses(200),
    ),
    Route(
        "disconnect bank connection",
        lambda w, a: (
            "POST",
            ORG.format(org=w.org) + f"/banking/connections/{w.to_disconnect[a]}/disconnect",
            {},
        ),
        _statuses(200, manage=True),
    ),
    Route(
        "delete bank connection",
        lambda w, a: (
            "DELETE",
            ORG.format(org=w.org) + f"/banking/connections/{w.to_delete[a]}",
            None,
        ),
        _statuses(200, manage=True),
    ),
    Route(
        "Dashtam accounts",
        lambda w, a: ("GET", f"/api/v1/accounts?organizationId={w.org}", None),
        _statuses(200),
        problem=True,
    ),
    Route(
        "Dashtam account",
        lambda w, a: ("GET", f"/api/v1/accounts/{w.account}?organizationId={w.org}", None),
        _statuses(200),
        problem=True,
    ),
    Route(
        "Dashtam connection accounts",
        lambda w, a: ("GET", ORG.format(org=w.org) + f"/providers/{w.connection}/accounts", None),
        _statuses(200),
        problem=True,
    ),
    Route(
        "connect integration",
        lambda w, a: (
            "POST",
            ORG.format(org=w.org) + "/integrations/PLAID/connect",
            {"code": plaid_public_token(w.sandbox_url, accounts=["checking"]), "state": "s"},
        ),
        _statuses(201, write=True),
    ),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_route_answers_each_caller_as_documented(world: World, route: Route, actor: str):
    method, path, body = route.request(world, actor)
    expected = route.expect[actor]
    response = world.rest.request(method, path, json=body, headers=world.headers(actor))
    assert response.status_code == expected, (route.name, actor, response.text)
    if expected >= 400:
        # The envelope and nothing of the target: no `data` leaks with a refusal.
        envelope = (
            {"type", "title", "status", "detail", "instance", "trace_id"}
            if route.problem
            else {"success", "error", "code", "statusCode", "details"}
        )
        assert set(response.json()) <= envelope
        return
    if route.name == "create budget":
        world.made_budgets.append(response.json()["data"]["id"])
    if route.after is not None and actor != "anonymous":
        route.after(world, actor)


def test_no_refused_call_changed_either_organization(world: World):
    """Runs after the matrix (same module): T holds exactly the budgets its members made."""
    owner = world.headers("owner")
    listed = call(
        world.rest,
        "GET",
        f"/api/v1/organizations/{world.org}/budgets?limit=100",
        200,
        headers=owner,
    )
    names = {b["name"] for b in listed["data"]}
    # Renames only by OWNER and EDITOR; every budget is the seed's or renamed by them.
    assert names <= {"Monthly Groceries", "Renamed"}
    # Every budget in T came from a create that its members were allowed to make.
    assert {b["id"] for b in listed["data"]} <= set(world.made_budgets)
    other = call(
        world.rest,
        "GET",
        f"/api/v1/budgets?organizationId={world.other_org}",
        200,
        headers=world.headers("other_org"),
    )
    assert [b["name"] for b in other["data"]] == ["Monthly Groceries"]
    members = call(world.rest, "GET", f"/api/v1/organizations/{world.org}", 200, headers=owner)
    roles = {m["userId"]: m["role"] for m in members["data"]["members"]}
    assert roles[world.users["viewer"].user["id"]] == "VIEWER"
    assert roles[world.users["editor"].user["id"]] == "EDITOR"
    for outsider in ("non_member", "other_org", "admin"):
        assert world.users[outsider].user["id"] not in roles


async def test_only_allowed_calls_linked_banks(world: World, db):
    """Runs after the matrix: T holds the factory's connections plus the two Teller and the two
    Plaid links its OWNER and EDITOR made; O holds none."""
    async with db.transaction() as s:
        held = dict(
            (
                await s.execute(
                    text(
                        "SELECT provider, count(*) FROM bank_connections"
                        " WHERE organization_id = :o GROUP BY provider"
                    ),
                    {"o": world.org},
                )
            ).all()
        )
        other = await s.scalar(
            text("SELECT count(*) FROM bank_connections WHERE organization_id = :o"),
            {"o": world.other_org},
        )
    # The factory's reading connection, each caller's sync, disconnect and delete targets (the
    # OWNER's deleted), and two Plaid links.
    assert held == {"PLAID": 1 + len(ACTORS) * 3 - 1 + 2, "TELLER": 2}
    assert other == 0
    async with db.transaction() as s:
        statuses = dict(
            (
                await s.execute(
                    text(
                        "SELECT id::text, status FROM bank_connections WHERE id::text = ANY(:ids)"
                    ),
                    {"ids": [*world.to_disconnect.values(), *world.to_delete.values()]},
                )
            ).all()
        )
    for actor in ACTORS:
        assert statuses[world.to_disconnect[actor]] == (
            "DISCONNECTED" if actor == "owner" else "ACTIVE"
        )
        assert (world.to_delete[actor] in statuses) == (actor != "owner")
