"""Transfers (转学): a child's archive sent to another school of the deployment.

The sending school marks the child as waiting and leaves a sealed copy of the card and its
history with the receiving school. The receiving school sees only who is coming and from where
until it accepts; accepting makes a card of its own from the copy (or brings back the card of a
child who once left it) and keeps the copy as the read-only history from the previous school.
The sending school keeps its record, marked transferred out.

These are the only writes that cross from one tenant into another. Each names the one other
tenant it touches and works there through ``tenant_context``, so the filter and the flush checks
still hold on both sides.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from webapp.care.models import RESTRICTED_KINDS, CareRecord
from webapp.children import service
from webapp.children.models import (
    CareAbility,
    Child,
    ChildStatus,
    ChildStatusChange,
    ChildTransfer,
    DifficultyType,
    FamilyType,
    Gender,
    GuardianKind,
    GuardianRelation,
    Literacy,
    ParentRelation,
    ParentSituation,
    SchoolClass,
    StatusKind,
    ThreeSpecial,
    TransferStatus,
)
from webapp.children.queries import LEFT_SCHOOL, find_by_id_number
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.db import utcnow
from webapp.core.files import load_photo, store_photo
from webapp.core.org import Tenant
from webapp.core.tenancy import current_tenant_id, tenant_context

SNAPSHOT_VERSION = 1

CARD_FIELDS = (
    "name",
    "ethnicity",
    "id_number",
    "student_no",
    "address",
    "hukou_place",
    "is_boarder",
    "rides_bus",
    "bus_note",
    "allergies",
    "chronic_illness",
    "disability",
    "character",
    "interests",
    "is_migrant",
)
CARD_SETS = {
    "difficulty_types": DifficultyType,
    "three_special": ThreeSpecial,
    "family_types": FamilyType,
}
PARENT_FIELDS = (
    "name",
    "phone",
    "work_province",
    "work_city",
    "employer",
    "employer_address",
    "employer_phone",
    "expected_return",
)
GUARDIAN_FIELDS = ("name", "age", "occupation", "may_pick_up", "phone", "address", "health")
GUARDIAN_CHOICES = {
    "kind": GuardianKind,
    "relation": GuardianRelation,
    "literacy": Literacy,
    "care_ability": CareAbility,
}


class TransferRefused(ValueError):
    """The transfer cannot go ahead; ``reason`` says why in a word the page translates."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _parse_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def snapshot_of(child: Child, school: Tenant) -> dict[str, Any]:
    """The card and its history as they stand, in plain values (sealed as one when stored)."""
    card = {name: getattr(child, name) for name in CARD_FIELDS}
    card |= {name: sorted(getattr(child, name)) for name in CARD_SETS}
    card |= {
        "gender": child.gender.value,
        "birth_date": _day(child.birth_date),
        "enrolled_on": _day(child.enrolled_on),
        "class_name": child.school_class.name if child.school_class else None,
        "left_behind_type": child.left_behind_type.value,
        "photo_uid": str(child.photo_uid) if child.photo_uid else None,
    }
    parents = [
        {name: getattr(parent, name) for name in PARENT_FIELDS}
        | {
            "relation": parent.relation.value,
            "situation": parent.situation.value,
            "away_since": _day(parent.away_since),
        }
        for parent in child.parents
    ]
    guardians = [
        {name: getattr(guardian, name) for name in GUARDIAN_FIELDS}
        | {name: (getattr(guardian, name) or None) for name in GUARDIAN_CHOICES}
        | {
            "started_on": _day(guardian.started_on),
            "ended_on": _day(guardian.ended_on),
            "photo_uid": str(guardian.photo_uid) if guardian.photo_uid else None,
        }
        for guardian in child.guardians
    ]
    history = [
        {
            "effective_on": _day(change.effective_on),
            "kind": change.kind.value,
            "from": change.from_value,
            "to": change.to_value,
            "reason": change.reason,
            "school": change.other_tenant.name if change.other_tenant else None,
        }
        for change in child.status_changes
    ]
    return {
        "version": SNAPSHOT_VERSION,
        "school": school.name,
        "card": card,
        "parents": parents,
        "guardians": guardians,
        "history": history,
    }


def care_history(session: Session, child: Child) -> list[dict[str, Any]]:
    """The child's care records as the new school reads them: kind, day, who, what was said
    (as last corrected). Restricted records (counselling) stay with the school that made them."""
    records = session.scalars(
        select(CareRecord)
        .options(selectinload(CareRecord.author))
        .where(CareRecord.child_id == child.id, CareRecord.kind.not_in(RESTRICTED_KINDS))
        .order_by(CareRecord.happened_at.desc(), CareRecord.id.desc())
    ).all()
    corrected = {r.amends_id: r for r in records if r.amends_id is not None}
    return [
        {
            "kind": record.kind.value,
            "happened_on": _day(record.happened_on),
            "author": record.author.name if record.author else None,
            "notes": (corrected.get(record.id) or record).notes,
        }
        for record in records
        if record.amends_id is None
    ]


def read_snapshot(transfer: ChildTransfer) -> dict[str, Any]:
    return json.loads(transfer.snapshot)


def send(
    session: Session,
    child: Child,
    *,
    to_school: Tenant,
    actor_id: int | None,
    note: str | None,
    on: date,
) -> ChildTransfer:
    """Mark the child as waiting and leave the sealed archive with the receiving school."""
    here = current_tenant_id(session)
    if to_school.id == here or not to_school.is_active:
        raise TransferRefused("school")
    if child.status != ChildStatus.ACTIVE:
        raise TransferRefused("status")
    sending_school = session.get(Tenant, here)
    snapshot = json.dumps(
        snapshot_of(child, sending_school) | {"records": care_history(session, child)},
        ensure_ascii=False,
    )
    service.change_status(
        session,
        child,
        actor_id=actor_id,
        to=ChildStatus.TRANSFER_PENDING,
        effective_on=on,
        reason=note,
        other_tenant_id=to_school.id,
    )
    # Handing the whole card to another school is a disclosure, and is logged as one.
    service.record_disclosure(
        session, child, AuditAction.TRANSFER_OUT, actor_id=actor_id, field="", reason=note
    )
    with tenant_context(session, to_school.id):
        transfer = ChildTransfer(
            from_tenant_id=here,
            source_child_id=child.id,
            child_name=child.name,
            snapshot=snapshot,
            note=note,
            requested_by_id=actor_id,
        )
        session.add(transfer)
    return transfer


def _pending_transfer_of(session: Session, child: Child) -> tuple[int, ChildTransfer] | None:
    """The receiving school and its waiting transfer of this child, seen from the sender."""
    to_school_id = session.scalar(
        select(ChildStatusChange.other_tenant_id)
        .where(
            ChildStatusChange.child_id == child.id,
            ChildStatusChange.to_value == ChildStatus.TRANSFER_PENDING,
        )
        .order_by(ChildStatusChange.recorded_at.desc(), ChildStatusChange.id.desc())
        .limit(1)
    )
    if to_school_id is None:
        return None
    here = current_tenant_id(session)
    with tenant_context(session, to_school_id):
        transfer = session.scalar(
            select(ChildTransfer).where(
                ChildTransfer.from_tenant_id == here,
                ChildTransfer.source_child_id == child.id,
                ChildTransfer.status == TransferStatus.PENDING,
            )
        )
    return (to_school_id, transfer) if transfer is not None else None


def destination_of(session: Session, child: Child) -> Tenant | None:
    """Where a child waiting to transfer is going."""
    pending = _pending_transfer_of(session, child)
    return session.get(Tenant, pending[0]) if pending else None


def cancel(session: Session, child: Child, *, actor_id: int | None, on: date) -> None:
    """The sender takes a transfer back before the other school has accepted it."""
    pending = (
        _pending_transfer_of(session, child)
        if child.status == ChildStatus.TRANSFER_PENDING
        else None
    )
    if pending is None:
        raise TransferRefused("status")
    to_school_id, transfer = pending
    with tenant_context(session, to_school_id):
        transfer.status = TransferStatus.CANCELLED
        transfer.decided_at = utcnow()
        transfer.decided_by_id = actor_id
    service.change_status(
        session,
        child,
        actor_id=actor_id,
        to=ChildStatus.ACTIVE,
        effective_on=on,
        other_tenant_id=to_school_id,
    )


def _settle_at_sender(
    session: Session,
    transfer: ChildTransfer,
    *,
    to: ChildStatus,
    actor_id: int | None,
    on: date,
    reason: str | None = None,
) -> None:
    """The sending school's card follows the receiver's decision."""
    here = current_tenant_id(session)
    with tenant_context(session, transfer.from_tenant_id):
        source = session.get(Child, transfer.source_child_id)
        if source is not None and source.status == ChildStatus.TRANSFER_PENDING:
            service.change_status(
                session,
                source,
                actor_id=actor_id,
                to=to,
                effective_on=on,
                reason=reason,
                other_tenant_id=here,
            )


def _copy_photo(from_school_id: int, to_school_id: int, photo_uid: str | None) -> uuid.UUID | None:
    """A photo sealed for one school is sealed again for the other (files are per school)."""
    if not photo_uid:
        return None
    try:
        data = load_photo(from_school_id, uuid.UUID(photo_uid))
    except FileNotFoundError:
        return None
    return store_photo(to_school_id, data)


def _card_from(
    snapshot: dict[str, Any],
    school_class: SchoolClass,
    *,
    from_school_id: int,
    here: int,
    enrolled_on: date,
) -> tuple[Child, list[dict[str, Any]]]:
    card = snapshot["card"]
    details = {name: card.get(name) for name in CARD_FIELDS if name not in ("name", "id_number")}
    details |= {name: {choice(v) for v in card.get(name, [])} for name, choice in CARD_SETS.items()}
    parents = {
        ParentRelation(p["relation"]): {name: p.get(name) for name in PARENT_FIELDS}
        | {
            "situation": ParentSituation(p["situation"]),
            "away_since": _parse_day(p.get("away_since")),
        }
        for p in snapshot["parents"]
    }
    child = service.new_card(
        name=card["name"],
        gender=Gender(card["gender"]),
        birth_date=_parse_day(card["birth_date"]),
        school_class=school_class,
        id_number=card.get("id_number"),
        parents=parents,
        enrolled_on=enrolled_on,
        photo_uid=_copy_photo(from_school_id, here, card.get("photo_uid")),
        **details,
    )
    guardians = [
        {name: g.get(name) for name in GUARDIAN_FIELDS}
        | {
            name: (choice(g[name]) if g.get(name) else None)
            for name, choice in GUARDIAN_CHOICES.items()
        }
        | {
            "started_on": _parse_day(g.get("started_on")),
            "photo_uid": _copy_photo(from_school_id, here, g.get("photo_uid")),
        }
        for g in snapshot["guardians"]
        if not g.get("ended_on")  # who cared for the child before stays in the copy's history
    ]
    return child, guardians


def accept(
    session: Session,
    transfer: ChildTransfer,
    *,
    school_class: SchoolClass,
    actor_id: int | None,
    on: date,
) -> Child:
    """The receiving school takes the child in: a card of its own, made from the copy.

    A child who once left this school comes back to the card kept here; a child already on the
    roll under the same ID number is a mistake the sender must clear up, and is refused.
    """
    if transfer.status != TransferStatus.PENDING:
        raise TransferRefused("decided")
    snapshot = read_snapshot(transfer)
    here = current_tenant_id(session)
    id_number = snapshot["card"].get("id_number")
    existing = find_by_id_number(session, id_number) if id_number else None
    if existing is not None and existing.status not in LEFT_SCHOOL:
        raise service.DuplicateIdNumber(existing)
    if existing is not None:
        child = existing
        service.update_child(session, child, actor_id=actor_id, class_id=school_class.id)
    else:
        card, guardians = _card_from(
            snapshot,
            school_class,
            from_school_id=transfer.from_tenant_id,
            here=here,
            enrolled_on=on,
        )
        child = service.register_children(session, [(card, guardians)], actor_id=actor_id)[0]
    session.add(
        ChildStatusChange(
            child=child,
            kind=StatusKind.ENROLMENT,
            from_value=ChildStatus.TRANSFERRED
            if existing is not None
            else ChildStatus.TRANSFER_PENDING,
            to_value=ChildStatus.ACTIVE,
            effective_on=on,
            other_tenant_id=transfer.from_tenant_id,
            recorded_by_id=actor_id,
        )
    )
    child.status = ChildStatus.ACTIVE
    transfer.status = TransferStatus.ACCEPTED
    transfer.decided_by_id = actor_id
    transfer.decided_at = utcnow()
    transfer.received_child_id = child.id
    audit.record(
        session,
        AuditAction.TRANSFER_IN,
        actor_id=actor_id,
        subject="child_transfer",
        subject_id=transfer.id,
        child_id=child.id,
    )
    session.flush()
    _settle_at_sender(session, transfer, to=ChildStatus.TRANSFERRED, actor_id=actor_id, on=on)
    return child


def decline(
    session: Session, transfer: ChildTransfer, *, actor_id: int | None, reason: str, on: date
) -> None:
    """The receiving school says no; the child stays on the sender's roll, told why."""
    if transfer.status != TransferStatus.PENDING:
        raise TransferRefused("decided")
    transfer.status = TransferStatus.DECLINED
    transfer.decided_by_id = actor_id
    transfer.decided_at = utcnow()
    transfer.decline_reason = reason
    session.flush()
    _settle_at_sender(
        session, transfer, to=ChildStatus.ACTIVE, actor_id=actor_id, on=on, reason=reason
    )


@dataclass(frozen=True)
class TransferLists:
    incoming: list[ChildTransfer]
    decided: list[ChildTransfer]
    outgoing: list[tuple[Child, Tenant | None]]


def transfer_lists(session: Session, recent: int = 20) -> TransferLists:
    """What the transfers page shows: waiting to be accepted here, decided here, sent away."""
    incoming = session.scalars(
        select(ChildTransfer)
        .where(ChildTransfer.status == TransferStatus.PENDING)
        .order_by(ChildTransfer.requested_at)
    ).all()
    decided = session.scalars(
        select(ChildTransfer)
        .where(ChildTransfer.status.in_((TransferStatus.ACCEPTED, TransferStatus.DECLINED)))
        .order_by(ChildTransfer.decided_at.desc())
        .limit(recent)
    ).all()
    waiting = session.scalars(
        select(Child).where(Child.status == ChildStatus.TRANSFER_PENDING).order_by(Child.name)
    ).all()
    outgoing = [(child, destination_of(session, child)) for child in waiting]
    return TransferLists(list(incoming), list(decided), outgoing)


def waiting_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count(ChildTransfer.id)).where(
                ChildTransfer.status == TransferStatus.PENDING
            )
        )
        or 0
    )


def received_from(session: Session, child: Child) -> ChildTransfer | None:
    """The accepted transfer a card was made from, for the link to the earlier history."""
    return session.scalar(
        select(ChildTransfer)
        .where(
            ChildTransfer.received_child_id == child.id,
            ChildTransfer.status == TransferStatus.ACCEPTED,
        )
        .order_by(ChildTransfer.decided_at.desc())
        .limit(1)
    )


def find_schools(session: Session, text: str, *, limit: int = 10) -> list[Tenant]:
    """Schools of the deployment whose name holds the text, this one left out."""
    text = text.strip()
    if not text:
        return []
    return list(
        session.scalars(
            select(Tenant)
            .where(
                Tenant.is_active,
                Tenant.id != current_tenant_id(session),
                Tenant.name.contains(text, autoescape=True),
            )
            .order_by(Tenant.name)
            .limit(limit)
        )
    )


def school_by_slug(session: Session, slug: str) -> Tenant | None:
    return session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.is_active))
