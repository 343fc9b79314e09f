"""GET /api/v1/admin/users (seed 004 "Get All Users"): documented shape, filters, search, pages."""

import uuid

import pytest
from sqlalchemy import update

from server.auth.models import User
from tests.factories.auth import sign_in, sign_up
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, call

PATH = "/api/v1/admin/users"
ITEM_KEYS = {
    "id",
    "email",
    "firstName",
    "lastName",
    "role",
    "currentPlan",
    "emailVerified",
    "createdAt",
    "lastLoginAt",
}


def _list(rest, headers, **params):
    return call(rest, "GET", PATH, 200, headers=headers, params=params)


def _marker() -> str:
    return f"Mk{uuid.uuid4().hex[:10]}"


def test_documented_shape(rest, admin_headers, admin_credentials):
    body = _list(rest, admin_headers, search=admin_credentials["email"])
    assert set(body) == {"success", "data", "pagination"} and body["success"] is True
    assert body["pagination"] == {"page": 1, "limit": 50, "total": 1, "pages": 1}
    [admin] = body["data"]
    assert set(admin) == ITEM_KEYS
    assert UUID.match(admin["id"]) and admin["email"] == admin_credentials["email"]
    assert admin["role"] == "ADMIN" and admin["currentPlan"] == "FREE"
    assert admin["emailVerified"] is True
    assert RFC3339_Z.match(admin["createdAt"]) and RFC3339_Z.match(admin["lastLoginAt"])
    assert isinstance(admin["firstName"], str) and isinstance(admin["lastName"], str)


def test_a_user_who_never_signed_in_has_no_last_login(rest, admin_headers):
    account = sign_up(rest)
    [item] = _list(rest, admin_headers, search=account.email)["data"]
    # Documented, so present: null until the first sign-in.
    assert set(item) == ITEM_KEYS and item["lastLoginAt"] is None
    assert item["id"] == account.user["id"] and item["emailVerified"] is False
    sign_in(rest, account.email, account.password)
    [item] = _list(rest, admin_headers, search=account.email)["data"]
    assert RFC3339_Z.match(item["lastLoginAt"])


def test_search_matches_email_and_names_case_insensitively(rest, admin_headers):
    m = _marker()
    by_email = sign_up(rest, email=f"{m.lower()}@example.com")
    by_first = sign_up(rest, firstName=f"Ann{m}")
    by_last = sign_up(rest, lastName=f"{m}son")
    sign_up(rest)

    body = _list(rest, admin_headers, search=m.upper())
    assert {u["email"] for u in body["data"]} == {by_email.email, by_first.email, by_last.email}
    assert body["pagination"]["total"] == 3
    full = _list(rest, admin_headers, search=f"ann{m} doe")["data"]
    assert [u["email"] for u in full] == [by_first.email]
    assert _list(rest, admin_headers, search=f"{m}_")["pagination"]["total"] == 0
    assert _list(rest, admin_headers, search=f"{m}%")["pagination"]["total"] == 0


async def test_role_and_plan_filters(rest, admin_headers, db):
    m = _marker()
    plain, pro, premium = (sign_up(rest, firstName=m) for _ in range(3))
    async with db.transaction() as s:
        await s.execute(update(User).where(User.email == pro.email).values(current_plan="PRO"))
        await s.execute(
            update(User)
            .where(User.email == premium.email)
            .values(role="PREMIUM", current_plan="ULTIMATE")
        )

    def emails(**params):
        return [u["email"] for u in _list(rest, admin_headers, search=m, **params)["data"]]

    assert emails(plan="PRO") == [pro.email]
    assert emails(plan="ultimate") == [premium.email]
    assert emails(role="PREMIUM") == [premium.email]
    assert emails(role="USER") == [pro.email, plain.email]
    assert emails(role="USER", plan="FREE") == [plain.email]
    assert emails(role="ADMIN") == []
    admins = _list(rest, admin_headers, role="ADMIN")["data"]
    assert admins and {u["role"] for u in admins} == {"ADMIN"}


def test_pages_are_newest_first_without_overlap(rest, admin_headers):
    m = _marker()
    made = [sign_up(rest, lastName=m).email for _ in range(5)]
    newest_first = list(reversed(made))

    pages = [_list(rest, admin_headers, search=m, limit=2, page=p) for p in (1, 2, 3, 4)]
    assert [p["pagination"] for p in pages] == [
        {"page": n, "limit": 2, "total": 5, "pages": 3} for n in (1, 2, 3, 4)
    ]
    assert [u["email"] for p in pages for u in p["data"]] == newest_first
    assert pages[3]["data"] == []  # past the end: empty page, same totals
    everything = _list(rest, admin_headers, search=m, limit=100)
    assert [u["email"] for u in everything["data"]] == newest_first


def test_default_page_holds_at_most_fifty(rest, admin_headers):
    body = _list(rest, admin_headers)
    assert body["pagination"]["limit"] == 50 and len(body["data"]) <= 50
    assert body["pagination"]["pages"] == -(-body["pagination"]["total"] // 50)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": -1}, "page"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"role": "OWNER"}, "role"),
        ({"plan": "GOLD"}, "plan"),
        ({"search": "x" * 255}, "search"),
    ],
)
def test_invalid_query_is_invalid_input(rest, admin_headers, params, field):
    body = call(rest, "GET", PATH, 400, headers=admin_headers, params=params)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert [e["field"] for e in body["details"]["errors"]] == [field]


def test_a_non_numeric_page_is_invalid_input(rest, admin_headers):
    body = call(rest, "GET", PATH, 400, headers=admin_headers, params={"page": "two"})
    assert body["code"] == "INVALID_INPUT" and body["statusCode"] == 400


def test_a_query_plus_is_a_space_and_percent_2b_a_plus(rest, admin_headers):
    m = _marker()
    account = sign_up(rest, firstName=f"Ann{m}", lastName="Doe")
    plus = sign_up(rest, email=f"ann+{m.lower()}@example.com")
    query = f"{PATH}?search=ann{m}+doe"
    assert [u["email"] for u in call(rest, "GET", query, 200, headers=admin_headers)["data"]] == [
        account.email
    ]
    query = f"{PATH}?search=ann%2B{m}"
    assert [u["email"] for u in call(rest, "GET", query, 200, headers=admin_headers)["data"]] == [
        plus.email
    ]
