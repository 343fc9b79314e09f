"""The seven organization routes (seed 004 "Organization Endpoints"), through Envoy."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from tests.factories.auth import sign_in, sign_up, unique_email
from tests.factories.organizations import (
    add_member,
    create_org,
    invitation_token,
    invite,
    make_team,
    personal_org_id,
)
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, bearer, call


def test_sign_up_gives_a_personal_organization(rest):
    user = sign_up(rest)
    body = call(rest, "GET", "/api/v1/organizations", 200, headers=bearer(user.token))
    assert set(body) == {"success", "data"} and body["success"] is True
    [org] = body["data"]
    assert set(org) == {"id", "name", "slug", "isPersonal", "role", "memberCount", "createdAt"}
    assert UUID.match(org["id"]) and RFC3339_Z.match(org["createdAt"])
    assert (org["isPersonal"], org["role"], org["memberCount"]) == (True, "OWNER", 1)


def test_create__documented_201_body_and_listing(rest):
    user = sign_up(rest)
    slug = f"my-company-{uuid.uuid4().hex[:8]}"
    body = call(
        rest,
        "POST",
        "/api/v1/organizations",
        201,
        json={"name": "My Company", "slug": slug, "description": "Manage team finances"},
        headers=bearer(user.token),
    )
    data = body["data"]
    assert set(data) == {
        "id",
        "name",
        "slug",
        "description",
        "ownerId",
        "memberCount",
        "createdAt",
    }
    assert (data["name"], data["slug"], data["description"]) == (
        "My Company",
        slug,
        "Manage team finances",
    )
    assert data["ownerId"] == user.user["id"] and data["memberCount"] == 1
    listed = call(rest, "GET", "/api/v1/organizations", 200, headers=bearer(user.token))["data"]
    assert [o["isPersonal"] for o in listed] == [True, False]
    assert listed[1]["id"] == data["id"] and listed[1]["role"] == "OWNER"


def test_create__taken_slug_is_409_and_bad_input_400(rest):
    a, b = sign_up(rest), sign_up(rest)
    org = create_org(rest, a.token)
    body = call(
        rest,
        "POST",
        "/api/v1/organizations",
        409,
        json={"name": "Copy", "slug": org["slug"]},
        headers=bearer(b.token),
    )
    assert_mappr_error(body, code="CONFLICT", status=409)
    body = call(
        rest,
        "POST",
        "/api/v1/organizations",
        400,
        json={"name": "", "slug": "Not A Slug"},
        headers=bearer(b.token),
    )
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert {e["field"] for e in body["details"]["errors"]} == {"name", "slug"}
    names = [
        o["name"]
        for o in call(rest, "GET", "/api/v1/organizations", 200, headers=bearer(b.token))["data"]
    ]
    assert names == ["My Personal Workspace"]


def test_get__members_with_roles(rest, mail_dir):
    team = make_team(rest, mail_dir)
    body = call(
        rest, "GET", f"/api/v1/organizations/{team.org_id}", 200, headers=bearer(team.viewer.token)
    )
    data = body["data"]
    assert set(data) == {
        "id",
        "name",
        "slug",
        "description",
        "ownerId",
        "memberCount",
        "createdAt",
        "members",
    }
    assert data["memberCount"] == 3
    assert [(m["email"], m["role"]) for m in data["members"]] == [
        (team.owner.email, "OWNER"),
        (team.editor.email, "EDITOR"),
        (team.viewer.email, "VIEWER"),
    ]
    for m in data["members"]:
        assert set(m) == {"userId", "role", "email", "joinedAt"} and RFC3339_Z.match(m["joinedAt"])


def test_invite__documented_201_body_and_mail(rest, mail_dir):
    owner = sign_up(rest)
    org = create_org(rest, owner.token)
    email = unique_email("teammate")
    data = invite(rest, org["id"], owner.token, email, "EDITOR")
    assert set(data) == {
        "id",
        "email",
        "role",
        "status",
        "expiresAt",
        "invitationLink",
        "createdAt",
    }
    assert (data["email"], data["role"], data["status"]) == (email, "EDITOR", "PENDING")
    assert RFC3339_Z.match(data["expiresAt"]) and data["expiresAt"] > data["createdAt"]
    token = invitation_token(mail_dir, email)
    assert data["invitationLink"].endswith(f"/invite?token={token}")


def test_accept__by_id_documented_body_and_only_once(rest, mail_dir):
    owner = sign_up(rest)
    org = create_org(rest, owner.token, name="My Company")
    invitee = sign_up(rest)
    inv = invite(rest, org["id"], owner.token, invitee.email, "VIEWER")
    path = f"/api/v1/organizations/invitations/{inv['id']}/accept"
    data = call(rest, "POST", path, 200, headers=bearer(invitee.token))["data"]
    assert set(data) == {
        "id",
        "status",
        "organizationId",
        "organizationName",
        "role",
        "acceptedAt",
    }
    assert (data["id"], data["status"], data["organizationId"]) == (
        inv["id"],
        "ACCEPTED",
        org["id"],
    )
    assert (data["organizationName"], data["role"]) == ("My Company", "VIEWER")
    body = call(rest, "POST", path, 400, headers=bearer(invitee.token))
    assert_mappr_error(body, code="INVALID_TOKEN", status=400)


async def test_accept__other_email_forbidden_unknown_404_expired_400(rest, mail_dir, db):
    owner = sign_up(rest)
    org = create_org(rest, owner.token)
    invitee, stranger = sign_up(rest), sign_up(rest)
    inv = invite(rest, org["id"], owner.token, invitee.email, "EDITOR")
    path = f"/api/v1/organizations/invitations/{inv['id']}/accept"
    assert_mappr_error(
        call(rest, "POST", path, 403, headers=bearer(stranger.token)), code="FORBIDDEN", status=403
    )
    unknown = f"/api/v1/organizations/invitations/{uuid.uuid4()}/accept"
    assert_mappr_error(
        call(rest, "POST", unknown, 404, headers=bearer(invitee.token)),
        code="RESOURCE_NOT_FOUND",
        status=404,
    )
    await expire(db, inv["id"])
    body = call(rest, "POST", path, 400, headers=bearer(invitee.token))
    assert_mappr_error(body, code="INVALID_TOKEN", status=400)
    assert "expired" in body["error"]


async def expire(db, invitation_id: str) -> None:
    async with db.transaction() as s:
        await s.execute(
            text(
                "UPDATE organization_invitations SET expires_at = now() - interval '1 second'"
                " WHERE id = :id"
            ),
            {"id": invitation_id},
        )


def test_member_roles__owner_changes_roles_and_keeps_one_owner(rest, mail_dir):
    team = make_team(rest, mail_dir)
    base = f"/api/v1/organizations/{team.org_id}/members"
    data = call(
        rest,
        "PUT",
        f"{base}/{team.editor.user['id']}/role",
        200,
        json={"role": "VIEWER"},
        headers=bearer(team.owner.token),
    )["data"]
    assert set(data) == {"id", "userId", "role", "email", "updatedAt"}
    assert (data["userId"], data["role"], data["email"]) == (
        team.editor.user["id"],
        "VIEWER",
        team.editor.email,
    )
    # The demoted editor loses write rights on the very next request.
    body = call(
        rest,
        "POST",
        f"/api/v1/organizations/{team.org_id}/invite",
        403,
        json={"email": unique_email(), "role": "VIEWER"},
        headers=bearer(team.editor.token),
    )
    assert_mappr_error(body, code="FORBIDDEN", status=403)
    last_owner = call(
        rest,
        "PUT",
        f"{base}/{team.owner.user['id']}/role",
        409,
        json={"role": "EDITOR"},
        headers=bearer(team.owner.token),
    )
    assert_mappr_error(last_owner, code="CONFLICT", status=409)
    bad = call(
        rest,
        "PUT",
        f"{base}/{team.viewer.user['id']}/role",
        400,
        json={"role": "ADMIN"},
        headers=bearer(team.owner.token),
    )
    assert_mappr_error(bad, code="INVALID_INPUT", status=400, details=True)


def test_owner_hand_over_moves_billing_ownership(rest, mail_dir):
    team = make_team(rest, mail_dir)
    base = f"/api/v1/organizations/{team.org_id}/members"
    call(
        rest,
        "PUT",
        f"{base}/{team.viewer.user['id']}/role",
        200,
        json={"role": "OWNER"},
        headers=bearer(team.owner.token),
    )
    call(
        rest,
        "DELETE",
        f"{base}/{team.owner.user['id']}",
        204,
        headers=bearer(team.viewer.token),
    )
    data = call(
        rest, "GET", f"/api/v1/organizations/{team.org_id}", 200, headers=bearer(team.viewer.token)
    )["data"]
    assert data["ownerId"] == team.viewer.user["id"] and data["memberCount"] == 2
    gone = call(
        rest, "GET", f"/api/v1/organizations/{team.org_id}", 404, headers=bearer(team.owner.token)
    )
    assert_mappr_error(gone, code="RESOURCE_NOT_FOUND", status=404)


def test_remove_member__204_then_access_ends(rest, mail_dir):
    team = make_team(rest, mail_dir)
    call(
        rest,
        "DELETE",
        f"/api/v1/organizations/{team.org_id}/members/{team.editor.user['id']}",
        204,
        headers=bearer(team.owner.token),
    )
    body = call(
        rest, "GET", f"/api/v1/organizations/{team.org_id}", 404, headers=bearer(team.editor.token)
    )
    assert_mappr_error(body, code="RESOURCE_NOT_FOUND", status=404)
    again = call(
        rest,
        "DELETE",
        f"/api/v1/organizations/{team.org_id}/members/{team.editor.user['id']}",
        404,
        headers=bearer(team.owner.token),
    )
    assert_mappr_error(again, code="RESOURCE_NOT_FOUND", status=404)


def test_personal_workspace_takes_no_members(rest):
    user = sign_up(rest)
    org_id = personal_org_id(rest, user.token)
    body = call(
        rest,
        "POST",
        f"/api/v1/organizations/{org_id}/invite",
        403,
        json={"email": unique_email(), "role": "EDITOR"},
        headers=bearer(user.token),
    )
    assert_mappr_error(body, code="FORBIDDEN", status=403)


def test_inviting_a_member_again_is_409(rest, mail_dir):
    team = make_team(rest, mail_dir)
    body = call(
        rest,
        "POST",
        f"/api/v1/organizations/{team.org_id}/invite",
        409,
        json={"email": team.viewer.email, "role": "EDITOR"},
        headers=bearer(team.owner.token),
    )
    assert_mappr_error(body, code="CONFLICT", status=409)


def test_accepted_member_signs_in_and_sees_the_organization(rest, mail_dir):
    owner = sign_up(rest)
    org = create_org(rest, owner.token)
    member = add_member(rest, mail_dir, org["id"], owner.token, "EDITOR")
    token = sign_in(rest, member.email, member.password)["data"]["session"]["token"]
    listed = call(rest, "GET", "/api/v1/organizations", 200, headers=bearer(token))["data"]
    assert [(o["id"], o["role"], o["memberCount"]) for o in listed if not o["isPersonal"]] == [
        (org["id"], "EDITOR", 2)
    ]
