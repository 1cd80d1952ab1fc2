"""Looking up the demo's children, guardians and routes as plain values, and reading back what
a request wrote."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import app_session
from tests.helpers import csrf_token_in, log_in
from webapp.children.models import Child, Guardian, GuardianRelation, SchoolClass
from webapp.transport.models import PickupRefusal, Release

KG = "yangguang-kg"
DABAI = "大班"
PICKUPS = f"/s/{KG}/pickups"
PANEL = {"HX-Request": "true", "HX-Target": "pickup"}


@dataclass(frozen=True)
class Kid:
    id: int
    name: str
    class_id: int
    guardian_ids: list[int]  # active, may collect


def class_id_of(app: Flask, slug: str = KG, name: str = DABAI) -> int:
    with app_session(app, slug) as session:
        return session.scalar(select(SchoolClass.id).where(SchoolClass.name == name))


def kids_of(app: Flask, slug: str = KG, class_name: str = DABAI) -> list[Kid]:
    with app_session(app, slug) as session:
        children = session.scalars(
            select(Child)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.name == class_name)
            .order_by(Child.id)
        ).all()
        return [
            Kid(
                c.id,
                c.name,
                c.class_id,
                [g.id for g in c.guardians if g.may_pick_up and g.ended_on is None],
            )
            for c in children
        ]


def kid_with_grandparent(app: Flask, slug: str = KG, class_name: str = DABAI) -> Kid:
    """A child collected by a grandparent (and, to choose from, maybe a parent at home)."""
    grandparents = {
        GuardianRelation.GRANDMOTHER,
        GuardianRelation.GRANDFATHER,
        GuardianRelation.MATERNAL_GRANDMOTHER,
    }
    with app_session(app, slug) as session:
        for kid in kids_of(app, slug, class_name):
            relations = {session.get(Guardian, i).relation for i in kid.guardian_ids}
            if relations & grandparents:
                return kid
    raise AssertionError("the demo has no child collected by a grandparent")


def uid_in(html: str) -> str:
    """The first form's own UUID on a page."""
    return re.search(r'name="uid"[^>]* value="([0-9a-f-]{36})"', html).group(1)


def releases_of(app: Flask, child_id: int, day: date | None = None, slug: str = KG) -> list:
    """(kind, guardian_id, collector_id, undone) of a child's releases, oldest first."""
    with app_session(app, slug) as session:
        statement = select(Release).where(Release.child_id == child_id)
        if day is not None:
            statement = statement.where(Release.day == day)
        return [
            (r.kind.value, r.guardian_id, r.collector_id, r.undone_at is not None)
            for r in session.scalars(statement.order_by(Release.id))
        ]


def release_count(app: Flask, slug: str = KG) -> int:
    with app_session(app, slug) as session:
        return session.scalar(select(func.count()).select_from(Release))


def refusals_of(app: Flask, child_id: int, slug: str = KG) -> list[PickupRefusal]:
    with app_session(app, slug) as session:
        refusals = session.scalars(
            select(PickupRefusal).where(PickupRefusal.child_id == child_id)
        ).all()
        return [(r.name, r.relation.value, r.phone, r.phone_sealed) for r in refusals]


def switch_to(client: FlaskClient, phone: str) -> None:
    """Log out whoever is logged in (if anyone), and log in as another person."""
    me = client.get("/me")
    if me.status_code == 200:
        client.post("/logout", data={"csrf_token": csrf_token_in(me.get_data(as_text=True))})
    log_in(client, phone)


def new_uid() -> str:
    return str(uuid.uuid4())
