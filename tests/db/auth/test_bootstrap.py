"""ADMIN_EMAIL / ADMIN_PASSWORD create or promote an ADMIN, idempotently."""

from server.auth import repository as repo
from server.auth.bootstrap import ensure_admin
from server.organizations.repository import add_personal_organization
from tests.factories.auth import unique_email
from tests.secrets import make_settings


async def test_creates_then_leaves_alone(db):
    email = unique_email("admin")
    settings = make_settings(ADMIN_EMAIL=email, ADMIN_PASSWORD="AdminPass123!")
    await ensure_admin(db, settings, add_personal_organization)
    await ensure_admin(db, settings, add_personal_organization)
    async with db.transaction() as s:
        user = await repo.get_user_by_email(s, email)
    assert user is not None and user.role == "ADMIN" and user.email_verified


async def test_promotes_an_existing_user_and_keeps_the_password(db):
    email = unique_email("promote")
    async with db.transaction() as s:
        await repo.add_user(s, email=email, password_hash="kept", first_name="A", last_name="B")
    settings = make_settings(ADMIN_EMAIL=email, ADMIN_PASSWORD="Other123!")
    await ensure_admin(db, settings, add_personal_organization)
    async with db.transaction() as s:
        user = await repo.get_user_by_email(s, email)
    assert user.role == "ADMIN" and user.password_hash == "kept"
