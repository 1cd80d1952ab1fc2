"""People and children the care-record tests work with, made the way the school would."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token, csrf_token_in, log_in
from webapp.auth.service import create_user, find_user_by_phone, hash_password
from webapp.care.models import Pairing, PairingKind
from webapp.children.models import Child, SchoolClass
from webapp.core.org import Membership, Tenant
from webapp.core.permissions import Role
from webapp.demo import DEMO_PASSWORD

SCHOOL = "yangguang"
CLASS = "三年级一班"  # 王丽's class
COUNSELLOR_PHONE = "13900000260"
COORDINATOR_PHONE = "13900000261"


def add_member(app: Flask, phone: str, name: str, role: Role, slug: str = SCHOOL) -> int:
    """An account holding one role at a school (inside the test's transaction)."""
    with app_session(app) as session:
        user = find_user_by_phone(session, phone) or create_user(
            session, phone=phone, name=name, password_hash=hash_password(DEMO_PASSWORD)
        )
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, role=role))
        session.flush()
        return user.id


def switch_to(client: FlaskClient, phone: str) -> FlaskClient:
    """Log out whoever is logged in and log in as this person."""
    me = client.get("/me")
    if me.status_code == 200:
        client.post("/logout", data={"csrf_token": csrf_token_in(me.get_data(as_text=True))})
    log_in(client, phone)
    return client


def user_id(app: Flask, phone: str) -> int:
    with app_session(app) as session:
        return find_user_by_phone(session, phone).id


def class_children(app: Flask, class_name: str = CLASS) -> list[dict]:
    """The children of a class (plain facts copied out of the session), by id."""
    with app_session(app, SCHOOL) as session:
        rows = session.scalars(
            select(Child)
            .join(Child.school_class)
            .where(SchoolClass.name == class_name)
            .order_by(Child.id)
        )
        return [{"id": c.id, "name": c.name, "class_id": c.class_id} for c in rows]


def proxy_parent_of(app: Flask, child_id: int) -> str | None:
    """The phone of the child's proxy parent (a teacher of another class), if any."""
    with app_session(app, SCHOOL) as session:
        pairing = session.scalar(
            select(Pairing).where(
                Pairing.child_id == child_id,
                Pairing.kind == PairingKind.PROXY_PARENT,
                Pairing.ended_on.is_(None),
            )
        )
        return pairing.user.phone if pairing else None


def post(client: FlaskClient, url: str, data: dict, **kwargs):
    return client.post(url, data={"csrf_token": csrf_token(client, "/me"), **data}, **kwargs)
