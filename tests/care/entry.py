"""What the quick-entry tests share: a child of the teacher's class with a guardian, the records
a child has, and posting a form the way the page does."""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.children.test_card import CLASS, post
from tests.conftest import app_session
from webapp.auth.service import find_user_by_phone
from webapp.care.models import CareKind, CareRecord, Pairing, PairingKind
from webapp.children.models import Child, Guardian, ParentRelation, SchoolClass

HTMX_ENTRY = {"HX-Request": "true", "HX-Target": "care-entry"}
TEACHER_PHONE = "13800000002"  # 王丽, class teacher of 三年级一班
KEEPER_PHONE = "13800000003"  # 张秀英, keeper of the children's home


def user_id(app: Flask, phone: str) -> int:
    with app_session(app) as session:
        return find_user_by_phone(session, phone).id


def child_with_guardian(app: Flask, class_name: str = CLASS) -> dict:
    """Plain facts about the first child of a class who lives with a guardian."""
    with app_session(app, "yangguang") as session:
        child = session.scalars(
            select(Child)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .join(Guardian, Guardian.child_id == Child.id)
            .where(SchoolClass.name == class_name, Guardian.ended_on.is_(None))
            .order_by(Child.id)
        ).first()
        guardian = child.active_guardians[0]
        father = child.parent(ParentRelation.FATHER)
        mother = child.parent(ParentRelation.MOTHER)
        return {
            "id": child.id,
            "name": child.name,
            "class_id": child.class_id,
            "guardian_id": guardian.id,
            "guardian_name": guardian.name,
            "guardian_relation": guardian.relation,
            "guardian_phone": guardian.phone,
            "father_id": father.id,
            "father_name": father.name,
            "father_phone": father.phone,
            "mother_id": mother.id,
            "mother_name": mother.name,
        }


def volunteer_child(app: Flask) -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(
            select(Pairing.child_id).where(Pairing.kind == PairingKind.VOLUNTEER).limit(1)
        )


def new_url(kind: str, child_id: int) -> str:
    return f"/s/yangguang/care/records/new/{kind}?child_id={child_id}"


def submit(client: FlaskClient, kind: str, child_id: int, data: dict, **kwargs):
    """Send an entry form as the page does, with its own UUID unless the test gives one."""
    return post(client, new_url(kind, child_id), {"uid": str(uuid.uuid4()), **data}, **kwargs)


def record_path(response) -> str:
    location = response.headers["Location"]
    assert "/care/records/" in location, location
    return location


def records_of(app: Flask, child_id: int, kind: CareKind) -> list[dict]:
    """A child's records of one kind, as plain values copied out of the session."""
    with app_session(app, "yangguang") as session:
        records = session.scalars(
            select(CareRecord)
            .where(CareRecord.child_id == child_id, CareRecord.kind == kind)
            .order_by(CareRecord.id)
        )
        return [
            {
                "id": r.id,
                "happened_on": r.happened_on,
                "author_id": r.author_id,
                "parent_id": r.parent_id,
                "guardian_id": r.guardian_id,
                "channel": r.channel,
                "direction": r.direction,
                "minutes": r.minutes,
                "notes": r.notes,
                "details": r.details,
                "details_sealed": r.details_sealed,
                "follow_up": r.follow_up,
                "follow_up_due": r.follow_up_due,
                "group_uid": r.group_uid,
            }
            for r in records
        ]
