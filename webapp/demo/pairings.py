"""Demo study buddies (学习帮手, 一帮一): in 三年级一班 two classmates who are not left behind
each help a left-behind child. Idempotent: a pairing made once is never made again."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.care.models import Pairing, PairingKind
from webapp.children.models import Child

STUDY_BUDDY_CLASSES = {"yangguang": "三年级一班"}
BUDDIES_PER_CLASS = 2


def load_study_buddies(
    session: Session, tenant_slug: str, children_by_class: dict[str, list[Child]], report: Any
) -> None:
    class_name = STUDY_BUDDY_CLASSES.get(tenant_slug)
    if class_name is None:
        return
    children = children_by_class[class_name]
    helped = [c for c in children if c.is_left_behind][:BUDDIES_PER_CLASS]
    helpers = [c for c in children if not c.is_left_behind][:BUDDIES_PER_CLASS]
    for child, helper in zip(helped, helpers, strict=False):
        exists = session.scalar(
            select(Pairing.id).where(
                Pairing.child_id == child.id,
                Pairing.helper_child_id == helper.id,
                Pairing.kind == PairingKind.STUDENT_HELPER,
            )
        )
        if not exists:
            session.add(
                Pairing(
                    child_id=child.id,
                    helper_child_id=helper.id,
                    kind=PairingKind.STUDENT_HELPER,
                    started_on=date(2026, 9, 1),
                )
            )
            session.flush()
            report.add("pairings")
