"""Organizations with members in each role, made through the public API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

from tests.factories.auth import SignedUp, sign_up, token_from_mail, wait_for_mail
from tests.rest.client import bearer, call


def create_org(rest: httpx.Client, token: str, *, name: str = "Acme Corp") -> dict[str, Any]:
    slug = f"acme-{uuid.uuid4().hex[:10]}"
    body = call(
        rest,
        "POST",
        "/api/v1/organizations",
        201,
        json={"name": name, "slug": slug, "description": "Manage team finances"},
        headers=bearer(token),
    )
    data: dict[str, Any] = body["data"]
    return data


def personal_org_id(rest: httpx.Client, token: str) -> str:
    body = call(rest, "GET", "/api/v1/organizations", 200, headers=bearer(token))
    return str(next(o["id"] for o in body["data"] if o["isPersonal"]))


def invite(rest: httpx.Client, org_id: str, owner_token: str, email: str, role: str) -> Any:
    return call(
        rest,
        "POST",
        f"/api/v1/organizations/{org_id}/invite",
        201,
        json={"email": email, "role": role},
        headers=bearer(owner_token),
    )["data"]


def invitation_token(mail_dir: Path, email: str) -> str:
    text = wait_for_mail(mail_dir, to=email, subject="You are invited to join")
    return unquote(token_from_mail(text))


def add_member(
    rest: httpx.Client, mail_dir: Path, org_id: str, owner_token: str, role: str
) -> SignedUp:
    """A new user who was invited with `role` and accepted through the mailed link's token."""
    user = sign_up(rest)
    invite(rest, org_id, owner_token, user.email, role)
    token = invitation_token(mail_dir, user.email)
    call(
        rest,
        "POST",
        f"/api/v1/organizations/invitations/{token}/accept",
        200,
        headers=bearer(user.token),
    )
    return user


@dataclass
class Team:
    """An organization with an OWNER, an EDITOR and a VIEWER."""

    org_id: str
    owner: SignedUp
    editor: SignedUp
    viewer: SignedUp


def make_team(rest: httpx.Client, mail_dir: Path) -> Team:
    owner = sign_up(rest)
    org = create_org(rest, owner.token)
    editor = add_member(rest, mail_dir, org["id"], owner.token, "EDITOR")
    viewer = add_member(rest, mail_dir, org["id"], owner.token, "VIEWER")
    return Team(org_id=org["id"], owner=owner, editor=editor, viewer=viewer)
