"""Writes to the archive. Each takes plain values, flushes, writes its audit row, never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from webapp.care.models import Pairing
from webapp.children.models import (
    Child,
    ChildStatus,
    ChildStatusChange,
    Gender,
    Guardian,
    LeftBehindType,
    Parent,
    ParentRelation,
    ParentSituation,
    SchoolClass,
    Stage,
    StatusKind,
)
from webapp.children.queries import LEFT_SCHOOL, find_by_id_numbers
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.cn import name_search_keys
from webapp.core.files import store_photo
from webapp.privacy.queries import require_officer


class DuplicateIdNumber(ValueError):
    """The school already has a card with this ID number."""

    def __init__(self, existing: Child) -> None:
        super().__init__("duplicate ID number")
        self.existing = existing


def create_class(
    session: Session,
    *,
    name: str,
    stage: Stage,
    grade: int,
    section: int = 1,
    teacher_id: int | None = None,
) -> SchoolClass:
    school_class = SchoolClass(
        name=name, stage=stage, grade=grade, section=section, teacher_id=teacher_id
    )
    session.add(school_class)
    session.flush()
    return school_class


class StaleCard(RuntimeError):
    """The record (card, parent, guardian) was saved by someone else after this form was
    opened; nothing of this save was written."""

    def __init__(self, record: Child | Parent | Guardian) -> None:
        super().__init__("the record changed since the form was opened")
        self.record = record


def _refuse_duplicate(session: Session, id_number: str | None, child: Child) -> None:
    existing = find_by_id_numbers(session, [id_number] if id_number else []).get(id_number)
    if existing is not None and existing is not child:
        raise DuplicateIdNumber(existing)


def new_card(
    *,
    name: str,
    gender: Gender,
    birth_date: date,
    school_class: SchoolClass | None = None,
    id_number: str | None = None,
    parents: dict[ParentRelation, dict[str, Any]] | None = None,
    **details: Any,
) -> Child:
    """A card not yet added: with a father and a mother row, classified, findable by pinyin."""
    name_pinyin, name_initials = name_search_keys(name)
    if school_class is not None:  # or details carries class_id: an import knows only the id
        details["school_class"] = school_class
    child = Child(
        name=name,
        name_pinyin=name_pinyin,
        name_initials=name_initials,
        gender=gender,
        birth_date=birth_date,
        id_number=id_number,
        **details,
    )
    for relation in ParentRelation:
        Parent(child=child, relation=relation, **(parents or {}).get(relation, {}))
    _classify(child)
    return child


def register_children(
    session: Session,
    cards: list[tuple[Child, list[dict[str, Any]]]],
    *,
    actor_id: int | None,
) -> list[Child]:
    """New cards (from new_card) with their guardians, in two flushes however many there are:
    a roster of a thousand children imports in about a second."""
    require_officer(session)
    id_numbers = [child.id_number for child, _guardians in cards if child.id_number]
    existing = find_by_id_numbers(session, id_numbers)
    if existing:
        raise DuplicateIdNumber(next(iter(existing.values())))
    guardians = []
    for child, guardian_values in cards:
        session.add(child)
        guardians += [Guardian(child=child, **values) for values in guardian_values]
    session.add_all(guardians)
    session.flush()
    for child, _guardian_values in cards:
        audit.record(
            session,
            AuditAction.CREATE,
            actor_id=actor_id,
            subject="child",
            subject_id=child.id,
            child_id=child.id,
        )
    for guardian in guardians:
        audit.record(
            session,
            AuditAction.CREATE,
            actor_id=actor_id,
            subject="guardian",
            subject_id=guardian.id,
            child_id=guardian.child_id,
        )
    session.flush()
    return [child for child, _guardians in cards]


def register_child(
    session: Session,
    *,
    actor_id: int | None,
    guardians: list[dict[str, Any]] | None = None,
    **card: Any,
) -> Child:
    """One new card (see new_card for the fields), with its guardians if given."""
    return register_children(session, [(new_card(**card), guardians or [])], actor_id=actor_id)[0]


def _apply_changes(
    session: Session,
    record: Child | Parent | Guardian,
    *,
    subject: str,
    child_id: int,
    actor_id: int | None,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> list[str]:
    """Set the values, then log the names of the fields that really changed.

    ``expected_version`` is the record's version the form was opened on: a record saved since
    raises StaleCard and changes nothing. The UPDATE checks it again (version_id_col), for two
    saves arriving in the same instant; that too raises StaleCard, and the session must then
    be rolled back."""
    if expected_version is not None and expected_version != record.version:
        raise StaleCard(record)
    for key, value in values.items():
        setattr(record, key, value)
    changed = audit.changed_fields(record)
    if changed:
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject=subject,
            subject_id=record.id,
            child_id=child_id,
            fields=changed,
        )
    try:
        session.flush()
    except StaleDataError as stale:
        raise StaleCard(record) from stale
    return changed


def update_child(
    session: Session,
    child: Child,
    *,
    actor_id: int | None,
    expected_version: int | None = None,
    **values: Any,
) -> list[str]:
    """Change card fields; returns the names of the fields that really changed (see
    _apply_changes for ``expected_version``)."""
    if expected_version is not None and expected_version != child.version:
        raise StaleCard(child)  # before the duplicate check: the card changed first
    if "id_number" in values:
        _refuse_duplicate(session, values["id_number"], child)
    if "name" in values:
        values["name_pinyin"], values["name_initials"] = name_search_keys(values["name"])
    return _apply_changes(
        session,
        child,
        subject="child",
        child_id=child.id,
        actor_id=actor_id,
        values=values,
        expected_version=expected_version,
    )


def set_photo(
    session: Session, record: Child | Guardian, data: bytes, *, actor_id: int | None
) -> None:
    """A child's photo, or a guardian's (checked at pickups): stored shrunk and sealed."""
    record.photo_uid = store_photo(record.tenant_id, data)
    child_id = record.id if isinstance(record, Child) else record.child_id
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject=record.__tablename__,
        subject_id=record.id,
        child_id=child_id,
        fields=["photo"],
    )
    session.flush()


def update_parent(
    session: Session,
    parent: Parent,
    *,
    actor_id: int | None,
    expected_version: int | None = None,
    **values: Any,
) -> list[str]:
    """Change a parent's details; the child's care classification follows their situation."""
    changed = _apply_changes(
        session,
        parent,
        subject="parent",
        child_id=parent.child_id,
        actor_id=actor_id,
        values=values,
        expected_version=expected_version,
    )
    if "situation" in changed:
        _reclassify(session, parent.child, actor_id=actor_id)
    return changed


def classify(situations: dict[ParentRelation, ParentSituation]) -> tuple[LeftBehindType, bool]:
    """Both classifications from the parents' situations.

    The education register counts the parents working away (单亲外出 / 双亲外出). The civil-affairs
    definition also needs the parent who stayed to be unable to care (the age limit of sixteen
    is applied when asked, since children grow older without their card changing).
    """
    away = [r for r, s in situations.items() if s == ParentSituation.WORKING_AWAY]
    unable = {ParentSituation.CANNOT_CARE, ParentSituation.NOT_PRESENT}
    others = [s for r, s in situations.items() if r not in away]
    kind = {0: LeftBehindType.NONE, 1: LeftBehindType.ONE_PARENT}.get(
        len(away), LeftBehindType.BOTH_PARENTS
    )
    civil = len(away) >= 2 or (len(away) == 1 and bool(others) and others[0] in unable)
    return kind, civil


def _classify(child: Child) -> LeftBehindType:
    previous = child.left_behind_type
    situations = {p.relation: p.situation for p in child.parents}
    child.left_behind_type, child.civil_parent_condition = classify(situations)
    return previous


def _reclassify(session: Session, child: Child, *, actor_id: int | None) -> None:
    previous = _classify(child)
    if previous != child.left_behind_type:
        # "No longer left behind" (parents came home) and its opposite are kept as history.
        session.add(
            ChildStatusChange(
                child=child,
                kind=StatusKind.CARE,
                from_value=previous,
                to_value=child.left_behind_type,
                effective_on=date.today(),
                recorded_by_id=actor_id,
            )
        )
        audit.record(
            session,
            AuditAction.STATUS,
            actor_id=actor_id,
            subject="child",
            subject_id=child.id,
            child_id=child.id,
            fields=["left_behind_type"],
        )
    session.flush()


def add_guardian(
    session: Session, child: Child, *, actor_id: int | None, **values: Any
) -> Guardian:
    guardian = Guardian(child=child, **values)
    session.add(guardian)
    session.flush()
    audit.record(
        session,
        AuditAction.CREATE,
        actor_id=actor_id,
        subject="guardian",
        subject_id=guardian.id,
        child_id=child.id,
    )
    session.flush()
    return guardian


def update_guardian(
    session: Session,
    guardian: Guardian,
    *,
    actor_id: int | None,
    expected_version: int | None = None,
    **values: Any,
) -> list[str]:
    return _apply_changes(
        session,
        guardian,
        subject="guardian",
        child_id=guardian.child_id,
        actor_id=actor_id,
        values=values,
        expected_version=expected_version,
    )


def end_guardian(session: Session, guardian: Guardian, *, actor_id: int | None, on: date) -> None:
    """A guardian who no longer cares for the child is ended, never deleted."""
    update_guardian(session, guardian, actor_id=actor_id, ended_on=on)


def change_status(
    session: Session,
    child: Child,
    *,
    actor_id: int | None,
    to: ChildStatus,
    effective_on: date,
    reason: str | None = None,
    other_tenant_id: int | None = None,
) -> ChildStatusChange:
    change = ChildStatusChange(
        child=child,
        kind=StatusKind.ENROLMENT,
        from_value=child.status,
        to_value=to,
        effective_on=effective_on,
        reason=reason,
        other_tenant_id=other_tenant_id,
        recorded_by_id=actor_id,
    )
    child.status = to
    session.add(change)
    audit.record(
        session,
        AuditAction.STATUS,
        actor_id=actor_id,
        subject="child",
        subject_id=child.id,
        child_id=child.id,
        fields=["status"],
        reason=reason,
    )
    if to in LEFT_SCHOOL:
        _end_pairings(session, child, status=to, on=effective_on, actor_id=actor_id)
    session.flush()
    return change


def _end_pairings(
    session: Session, child: Child, *, status: ChildStatus, on: date, actor_id: int | None
) -> None:
    """A child who leaves the roll leaves every pairing: their proxy parent, volunteer and
    study buddy, and the children they helped. The end reason is the status, shown in the
    reader's language (care.pairing_queries.end_reason_label)."""
    active = session.scalars(
        select(Pairing).where(
            or_(Pairing.child_id == child.id, Pairing.helper_child_id == child.id),
            Pairing.ended_on.is_(None),
        )
    )
    for pairing in active:
        pairing.ended_on = max(on, pairing.started_on)
        pairing.end_reason = status.value
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="pairing",
            subject_id=pairing.id,
            child_id=pairing.child_id,
            fields=["ended_on"],
        )


def record_disclosure(
    session: Session,
    child: Child,
    action: AuditAction,
    *,
    actor_id: int | None,
    field: str,
    subject: str = "child",
    subject_id: int | None = None,
    reason: str | None = None,
) -> None:
    """A reveal, a call, an export or a look at the card: logged before anything is shown."""
    audit.record(
        session,
        action,
        actor_id=actor_id,
        subject=subject,
        subject_id=subject_id if subject_id is not None else child.id,
        child_id=child.id,
        fields=[field] if field else [],
        reason=reason,
    )
    session.flush()
