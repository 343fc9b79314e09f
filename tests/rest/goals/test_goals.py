"""Goal routes (seed 004 "Goals Endpoints") in the documented shapes: create, list, get,
update, delete, with bad input, other organizations, roles and the plan limit."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from tests.factories.auth import sign_up
from tests.factories.banking import insert_account, insert_connection
from tests.factories.organizations import make_team, personal_org_id
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, bearer, call
from tests.rest.goals.helpers import (
    CREATED_KEYS,
    DETAIL_KEYS,
    GOALS,
    LIST_KEYS,
    MILESTONE_KEYS,
    PROGRESS_KEYS,
    UPDATED_KEYS,
    create,
    get,
    in_a_year,
    listing,
    today,
    update,
)
from tests.unit.goals.test_derived import expected_monthly, expected_percent

SEED_BODY = {
    "name": "Emergency Fund",
    "description": "Build 6 months of expenses",
    "targetAmount": 30000.00,
    "category": "EMERGENCY_FUND",
    "sourceType": "ACCOUNT",
}


async def _checking(db, rest, user, balance="5000.00"):
    org = personal_org_id(rest, user.token)
    conn = await insert_connection(db, org, user.user["id"])
    return await insert_account(db, org, conn, balance=balance)


async def test_create__the_documented_example(db, rest):
    user = sign_up(rest)
    account = await _checking(db, rest, user)
    target_date = in_a_year()
    data = create(rest, user.token, {**SEED_BODY, "sourceId": str(account)})["data"]
    assert set(data) == CREATED_KEYS
    assert UUID.match(data["id"]) and RFC3339_Z.match(data["createdAt"])
    assert (data["name"], data["description"], data["category"], data["status"]) == (
        "Emergency Fund",
        "Build 6 months of expenses",
        "EMERGENCY_FUND",
        "IN_PROGRESS",
    )
    assert (data["targetAmount"], data["currentAmount"], data["targetDate"]) == (
        30000,
        5000,
        target_date,
    )
    assert data["percentComplete"] == 16.67
    day = dt.date.fromisoformat(target_date)
    assert data["daysRemaining"] == (day - today()).days
    assert Decimal(str(data["monthlyNeeded"])) == expected_monthly("5000", "30000", today(), day)


def test_create__manual_by_default_with_nulls_not_gaps(rest):
    user = sign_up(rest)
    data = create(rest, user.token)["data"]
    assert set(data) == CREATED_KEYS
    assert data["description"] is None
    assert (data["category"], data["currentAmount"], data["percentComplete"]) == ("CUSTOM", 0, 0)
    data = create(rest, user.token, {"name": "Car", "targetAmount": 800, "currentAmount": 200})
    assert (data["data"]["currentAmount"], data["data"]["percentComplete"]) == (200, 25)


def test_create__bad_input_is_refused_and_changes_nothing(rest):
    user = sign_up(rest)
    good = {"name": "Trip", "targetAmount": 1000, "targetDate": in_a_year()}
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    for body, field in (
        ({**good, "targetAmount": -5}, "targetAmount"),
        ({**good, "targetAmount": 0}, "targetAmount"),
        ({**good, "targetAmount": 10.001}, "targetAmount"),
        ({**good, "targetAmount": "lots"}, None),
        ({**good, "currentAmount": "some"}, None),
        ({**good, "targetDate": yesterday}, "targetDate"),
        ({**good, "targetDate": "2030-02-30"}, "targetDate"),
        ({k: v for k, v in good.items() if k != "targetDate"}, "targetDate"),
        ({**good, "category": "YACHT"}, "category"),
        ({**good, "sourceType": "PIGGY_BANK"}, "sourceType"),
        ({**good, "sourceType": "ACCOUNT"}, "sourceId"),
        ({**good, "sourceType": "WALLET", "sourceId": "wallet_123"}, "sourceId"),
        ({**good, "sourceId": str(uuid.uuid4())}, "sourceId"),
        ({**good, "sourceType": "ACCOUNT", "sourceId": str(uuid.uuid4()), "currentAmount": 5},
         "currentAmount"),
        ({**good, "currentAmount": -1}, "currentAmount"),
        ({**good, "name": "  "}, "name"),
        ({**good, "milestones": [{"title": "Too far", "targetAmount": 1000.01}]},
         "milestones[0].targetAmount"),
        ({**good, "milestones": [{"title": "", "targetAmount": 10}]}, "milestones[0].title"),
    ):  # fmt: skip
        error = create(rest, user.token, body, status=400, raw=True)
        assert_mappr_error(error, code="INVALID_INPUT", status=400)
        if field is not None:
            assert field in {e["field"] for e in error["details"]["errors"]}, (body, error)
    assert listing(rest, user.token)["pagination"]["total"] == 0


def test_a_target_date_of_today_is_accepted_and_needs_the_rest_now(rest):
    user = sign_up(rest)
    body = {"name": "Now", "targetAmount": 1000, "currentAmount": 250}
    data = create(rest, user.token, {**body, "targetDate": today().isoformat()})["data"]
    assert (data["daysRemaining"], data["monthlyNeeded"]) == (0, 750)


def test_list__documented_envelope_filters_and_paging(rest):
    user = sign_up(rest)
    older = create(rest, user.token, {"name": "A", "targetAmount": 100, "category": "TRAVEL"})
    newer = create(rest, user.token, {"name": "B", "targetAmount": 100, "currentAmount": 100})
    body = listing(rest, user.token)
    assert set(body) == {"success", "data", "pagination"} and body["success"] is True
    assert body["pagination"] == {"page": 1, "limit": 50, "total": 2, "pages": 1}
    assert [g["id"] for g in body["data"]] == [newer["data"]["id"], older["data"]["id"]]
    assert all(set(g) == LIST_KEYS for g in body["data"])
    assert [g["status"] for g in body["data"]] == ["COMPLETED", "IN_PROGRESS"]
    only = listing(rest, user.token, "?status=COMPLETED")["data"]
    assert [g["name"] for g in only] == ["B"]
    only = listing(rest, user.token, "?category=travel")["data"]
    assert [g["name"] for g in only] == ["A"]
    page = listing(rest, user.token, "?page=2&limit=1")
    assert page["pagination"] == {"page": 2, "limit": 1, "total": 2, "pages": 2}
    assert [g["name"] for g in page["data"]] == ["A"]
    for query in ("?limit=10000", "?limit=0", "?page=0", "?status=DONE", "?category=YACHT"):
        error = listing(rest, user.token, query, status=400)
        assert_mappr_error(error, code="INVALID_INPUT", status=400)


def test_get__documented_detail_with_default_milestones_and_progress(rest):
    user = sign_up(rest)
    body = {"name": "Fund", "targetAmount": 30000, "currentAmount": 10000, "description": "x"}
    made = create(rest, user.token, body)["data"]
    data = get(rest, user.token, made["id"])["data"]
    assert set(data) == DETAIL_KEYS
    assert {k: data[k] for k in CREATED_KEYS} == made
    assert all(set(m) == MILESTONE_KEYS for m in data["milestones"])
    assert [
        (m["title"], m["targetAmount"], m["completed"], m["percentComplete"])
        for m in data["milestones"]
    ] == [
        ("Save $7,500", 7500, True, 100),
        ("Save $15,000", 15000, False, 66.67),
        ("Save $22,500", 22500, False, 44.44),
        ("Save $30,000", 30000, False, 33.33),
    ]
    assert data["progress"] == [
        {"month": today().isoformat(), "amount": 10000, "contribution": 10000}
    ]
    assert all(set(p) == PROGRESS_KEYS for p in data["progress"])


def test_update__documented_body_and_default_milestones_follow_the_target(rest):
    user = sign_up(rest)
    made = create(rest, user.token, {"name": "Fund", "targetAmount": 30000, "currentAmount": 5000})
    goal_id = made["data"]["id"]
    target_date = (today() + dt.timedelta(days=500)).isoformat()
    data = update(rest, user.token, goal_id, {"targetAmount": 35000.00, "targetDate": target_date})
    data = data["data"]
    assert set(data) == UPDATED_KEYS
    assert (data["id"], data["name"], data["targetAmount"], data["currentAmount"]) == (
        goal_id,
        "Fund",
        35000,
        5000,
    )
    assert (data["percentComplete"], data["targetDate"]) == (14.29, target_date)
    expected = expected_monthly("5000", "35000", today(), dt.date.fromisoformat(target_date))
    assert Decimal(str(data["monthlyNeeded"])) == expected
    assert RFC3339_Z.match(data["updatedAt"])
    steps = [m["targetAmount"] for m in get(rest, user.token, goal_id)["data"]["milestones"]]
    assert steps == [8750, 17500, 26250, 35000]
    # Milestones of one's own stay when the target moves.
    custom = [{"title": "First ten", "targetAmount": 10000}]
    update(rest, user.token, goal_id, {"milestones": custom})
    update(rest, user.token, goal_id, {"targetAmount": 40000})
    milestones = get(rest, user.token, goal_id)["data"]["milestones"]
    assert [(m["title"], m["targetAmount"], m["percentComplete"]) for m in milestones] == [
        ("First ten", 10000, 50)
    ]


def test_update__bad_input_changes_nothing(db, rest):
    user = sign_up(rest)
    goal_id = create(rest, user.token, {"name": "Fund", "targetAmount": 100})["data"]["id"]
    before = get(rest, user.token, goal_id)["data"]
    for body in (
        {"targetAmount": -1},
        {"targetAmount": "much"},
        {"status": "COMPLETED"},
        {"category": "YACHT"},
        {"targetDate": "2026-13-01"},
        {"name": "Renamed", "currentAmount": 1.234},
        {"milestones": [{"title": "Big", "targetAmount": 101}]},
    ):
        error = update(rest, user.token, goal_id, body, status=400)
        assert_mappr_error(error, code="INVALID_INPUT", status=400)
    assert get(rest, user.token, goal_id)["data"] == before


def test_completion_is_reached_kept_and_abandoned_only_by_the_user(rest):
    user = sign_up(rest)
    goal_id = create(rest, user.token, {"name": "Bike", "targetAmount": 1000})["data"]["id"]
    update(rest, user.token, goal_id, {"currentAmount": 500})
    data = get(rest, user.token, goal_id)["data"]
    assert (data["status"], [m["completed"] for m in data["milestones"]]) == (
        "IN_PROGRESS",
        [True, True, False, False],
    )
    update(rest, user.token, goal_id, {"currentAmount": 1000})
    data = get(rest, user.token, goal_id)["data"]
    assert (data["status"], data["percentComplete"], data["monthlyNeeded"]) == ("COMPLETED", 100, 0)
    assert all(m["completed"] for m in data["milestones"])
    # A later dip keeps the goal and its milestones completed.
    update(rest, user.token, goal_id, {"currentAmount": 100})
    data = get(rest, user.token, goal_id)["data"]
    assert data["status"] == "COMPLETED" and all(m["completed"] for m in data["milestones"])
    assert data["percentComplete"] == 10
    update(rest, user.token, goal_id, {"status": "ABANDONED"})
    update(rest, user.token, goal_id, {"currentAmount": 5000})
    assert get(rest, user.token, goal_id)["data"]["status"] == "ABANDONED"
    update(rest, user.token, goal_id, {"status": "in_progress", "currentAmount": 10})
    assert get(rest, user.token, goal_id)["data"]["status"] == "IN_PROGRESS"


def test_delete__204_then_404(rest):
    user = sign_up(rest)
    goal_id = create(rest, user.token)["data"]["id"]
    call(rest, "DELETE", f"{GOALS}/{goal_id}", 204, headers=bearer(user.token))
    error = get(rest, user.token, goal_id, status=404)
    assert_mappr_error(error, code="RESOURCE_NOT_FOUND", status=404)
    assert error["error"] == "Goal not found"
    call(rest, "DELETE", f"{GOALS}/{goal_id}", 404, headers=bearer(user.token))
    call(rest, "GET", f"{GOALS}/not-a-uuid", 404, headers=bearer(user.token))


def test_another_organizations_goal_is_404_and_untouched(rest):
    owner, stranger = sign_up(rest), sign_up(rest)
    goal_id = create(rest, owner.token)["data"]["id"]
    for method, body in (("GET", None), ("PUT", {"name": "Mine"}), ("DELETE", None)):
        error = call(
            rest, method, f"{GOALS}/{goal_id}", 404, json=body, headers=bearer(stranger.token)
        )
        assert_mappr_error(error, code="RESOURCE_NOT_FOUND", status=404)
    assert listing(rest, stranger.token)["pagination"]["total"] == 0
    assert get(rest, owner.token, goal_id)["data"]["name"] == "Vacation"


def test_organization_context_and_roles(rest, mail_dir):
    team = make_team(rest, mail_dir)
    org = team.org_id
    by_query = create(rest, team.editor.token, path=f"{GOALS}?organizationId={org}")["data"]
    by_body = create(
        rest, team.editor.token, {"name": "Body", "targetAmount": 5, "organizationId": org}
    )
    by_path = create(rest, team.owner.token, path=f"/api/v1/organizations/{org}/goals")["data"]
    viewer = bearer(team.viewer.token)
    listed = call(rest, "GET", f"{GOALS}?organizationId={org}", 200, headers=viewer)
    assert {g["id"] for g in listed["data"]} == {
        by_query["id"],
        by_body["data"]["id"],
        by_path["id"],
    }
    call(rest, "GET", f"{GOALS}/{by_query['id']}?organizationId={org}", 200, headers=viewer)
    # Not in the editor's personal organization.
    assert listing(rest, team.editor.token)["pagination"]["total"] == 0
    for method, path, body in (
        (
            "POST",
            f"{GOALS}?organizationId={org}",
            {"name": "V", "targetAmount": 5, "targetDate": in_a_year()},
        ),
        ("PUT", f"{GOALS}/{by_query['id']}?organizationId={org}", {"name": "V"}),
        ("DELETE", f"{GOALS}/{by_query['id']}?organizationId={org}", None),
    ):
        error = call(rest, method, path, 403, json=body, headers=viewer)
        assert_mappr_error(error, code="FORBIDDEN", status=403)
    listed = call(rest, "GET", f"{GOALS}?organizationId={org}", 200, headers=viewer)
    assert listed["pagination"]["total"] == 3
    assert "V" not in {g["name"] for g in listed["data"]}


def test_the_plan_limit(rest):
    user = sign_up(rest)  # FREE: 3 goals
    for i in range(3):
        create(rest, user.token, {"name": f"Goal {i}", "targetAmount": 10})
    error = create(rest, user.token, {"name": "One more", "targetAmount": 10}, status=403)
    assert_mappr_error(error, code="PLAN_LIMIT_EXCEEDED", status=403, details=True)
    assert error["details"] == {"current": 3, "limit": 3, "plan": "FREE"}
    assert error["error"] == "Goal limit exceeded for your plan"
    assert listing(rest, user.token)["pagination"]["total"] == 3


def test_percent_matches_the_independent_rounding(rest):
    user = sign_up(rest)
    data = create(rest, user.token, {"name": "Thirds", "targetAmount": 3, "currentAmount": 1})
    assert Decimal(str(data["data"]["percentComplete"])) == expected_percent("1", "3")
