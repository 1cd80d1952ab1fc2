"""Writes of incidents and safety paperwork. Each takes plain values, flushes, writes its audit
row, never commits.

Reporting an incident makes its steps at once, each with its due time from when the school knew;
a mandatory report adds the police, due at once. Creating is idempotent by the form's UUID (also
under concurrent requests, see care.once). Every view of a mandatory report is logged, once per
child, like every change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.care.once import Made, create_once, find_by_uid
from webapp.children.models import Child, GuardianRelation, SchoolClass
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.db import utcnow
from webapp.core.files import store_sealed
from webapp.incidents.access import audit_subject
from webapp.incidents.clocks import due_at
from webapp.incidents.models import (
    MANDATORY_KINDS,
    PER_CHILD_STEPS,
    Agreement,
    AgreementKind,
    Incident,
    IncidentChild,
    IncidentKind,
    IncidentStep,
    NoticeChannel,
    SafetyLesson,
    SafetyTopic,
    StepKind,
)
from webapp.tenants.models import SchoolYear


class UidTaken(ValueError):
    """The form's uid already made something else (a form reused for other children)."""


class StepsPending(ValueError):
    """An incident closes only once every party is told, or signed as not needed."""


class IncidentClosed(ValueError):
    """A closed incident is kept as it was."""


def _log(
    session: Session,
    incident: Incident,
    action: AuditAction,
    *,
    actor_id: int | None,
    fields: Iterable[str] = (),
    child_ids: Iterable[int] | None = None,
) -> None:
    """One audit row per child involved: each child's access history shows the incident."""
    for child_id in child_ids if child_ids is not None else incident.child_ids:
        audit.record(
            session,
            action,
            actor_id=actor_id,
            subject=audit_subject(incident),
            subject_id=incident.id,
            child_id=child_id,
            fields=list(fields),
        )


def report_incident(
    session: Session,
    *,
    uid: uuid.UUID,
    kind: IncidentKind,
    children: list[Child],
    reporter_id: int | None,
    happened_at: datetime,
    known_at: datetime | None = None,
    place: str | None = None,
    what_happened: str | None = None,
    injuries: str | None = None,
    actions_taken: str | None = None,
    police: dict[str, Any] | None = None,
) -> Made:
    """An incident and its steps, once. A mandatory kind is restricted and adds the police."""
    if not children:
        raise ValueError("an incident involves at least one child")
    made = create_once(
        session,
        Incident,
        uid,
        lambda: Incident(
            uid=uid,
            kind=kind,
            restricted=kind in MANDATORY_KINDS,
            happened_at=happened_at,
            known_at=known_at if known_at and known_at > happened_at else None,
            place=place,
            what_happened=what_happened,
            injuries=injuries,
            actions_taken=actions_taken,
            reporter_id=reporter_id,
        ),
    )
    incident: Incident = made.row
    if not made.created:
        if incident.kind != kind or set(incident.child_ids) != {c.id for c in children}:
            raise UidTaken()
        return made
    for child in children:
        session.add(IncidentChild(incident_id=incident.id, child_id=child.id))
    start = incident.clocks_start
    kinds = [StepKind.POLICE] if incident.restricted else []
    kinds += [StepKind.GUARDIAN, StepKind.PARENTS, StepKind.AUTHORITY, StepKind.GOVERNMENT]
    for step_kind in kinds:
        for child_id in [c.id for c in children] if step_kind in PER_CHILD_STEPS else [None]:
            session.add(
                IncidentStep(
                    incident_id=incident.id,
                    kind=step_kind,
                    child_id=child_id,
                    due_at=due_at(step_kind, start),
                )
            )
    session.flush()
    session.expire(incident, ["involved", "steps"])
    _log(session, incident, AuditAction.CREATE, actor_id=reporter_id, fields=[kind.value])
    if police is not None:
        police_step = next(s for s in incident.steps if s.kind == StepKind.POLICE)
        sign_step(session, incident, police_step, actor_id=reporter_id, sign_uid=uid, **police)
    session.flush()
    return made


def sign_step(
    session: Session,
    incident: Incident,
    step: IncidentStep,
    *,
    actor_id: int | None,
    sign_uid: uuid.UUID,
    done_at: datetime | None,
    channel: NoticeChannel | None = None,
    whom: str | None = None,
    officer: str | None = None,
    receipt_no: str | None = None,
    note: str | None = None,
    not_needed: bool = False,
    now: datetime | None = None,
) -> bool:
    """Sign a step: told whom, how and when; or not needed and why. A step is signed once: the
    first signature stands, and False says this one came too late (or was the same one sent
    again)."""
    if step.incident_id != incident.id:
        raise ValueError("the step belongs to another incident")
    # Two people signing at the same moment: the second waits here and then sees the first.
    session.refresh(step, with_for_update=True)
    if step.is_signed:
        return False
    if not incident.is_open:
        raise IncidentClosed()
    step.signed_at = now or utcnow()
    step.done_at = done_at or step.signed_at
    step.done_by_id = actor_id
    step.sign_uid = sign_uid
    step.not_needed = not_needed
    step.channel = None if not_needed else channel
    step.whom = None if not_needed else whom
    step.officer = officer if step.kind == StepKind.POLICE and not not_needed else None
    step.receipt_no = receipt_no if step.kind == StepKind.POLICE and not not_needed else None
    step.note = note
    _log(
        session,
        incident,
        AuditAction.UPDATE,
        actor_id=actor_id,
        fields=[f"step:{step.kind.value}", *(["not_needed"] if not_needed else [])],
        child_ids=[step.child_id] if step.child_id is not None else None,
    )
    session.flush()
    return True


def edit_facts(session: Session, incident: Incident, *, actor_id: int, **values: Any) -> list[str]:
    """Correct the place and the narrative of an open incident; the changed fields are logged."""
    if not incident.is_open:
        raise IncidentClosed()
    unknown = set(values) - {"place", "what_happened", "injuries", "actions_taken"}
    if unknown:
        raise TypeError(f"not a fact of an incident: {sorted(unknown)}")
    for name, value in values.items():
        if getattr(incident, name) != value:
            setattr(incident, name, value)
    changed = audit.changed_fields(incident)
    if changed:
        _log(session, incident, AuditAction.UPDATE, actor_id=actor_id, fields=changed)
    session.flush()
    return changed


def close_incident(
    session: Session,
    incident: Incident,
    *,
    actor_id: int,
    outcome: str | None,
    now: datetime | None = None,
) -> bool:
    """Close an incident whose parties are all told; False if it was closed already."""
    if not incident.is_open:
        return False
    if not all(step.is_signed for step in incident.steps):
        raise StepsPending()
    incident.closed_at = now or utcnow()
    incident.closed_by_id = actor_id
    incident.outcome = outcome
    _log(session, incident, AuditAction.STATUS, actor_id=actor_id, fields=["closed_at"])
    session.flush()
    return True


def incident_opened(session: Session, incident: Incident, *, actor_id: int) -> None:
    """Opening a mandatory report is a disclosure: logged once per child it names."""
    _log(session, incident, AuditAction.VIEW, actor_id=actor_id)
    session.flush()


# The daily safety education --------------------------------------------------------------------


def record_lesson(
    session: Session,
    *,
    uid: uuid.UUID,
    school_class: SchoolClass,
    held_on: date,
    topics: Iterable[SafetyTopic],
    minutes: int,
    note: str | None,
    teacher_id: int | None,
) -> Made:
    """A class's safety education of a day, once however often the form is sent."""

    def make() -> SafetyLesson:
        lesson = SafetyLesson(
            uid=uid,
            class_id=school_class.id,
            held_on=held_on,
            minutes=minutes,
            note=note,
            teacher_id=teacher_id,
        )
        lesson.topics = topics
        return lesson

    made = create_once(session, SafetyLesson, uid, make)
    if not made.created and made.row.class_id != school_class.id:
        raise UidTaken()
    if made.created:
        audit.record(
            session,
            AuditAction.CREATE,
            actor_id=teacher_id,
            subject="safety_lesson",
            subject_id=made.row.id,
            fields=["safety_lesson"],
        )
        session.flush()
    return made


# Agreements ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlreadyRecorded(Exception):
    """The child's agreement of this kind for this year is recorded already: correct that one."""

    agreement: Agreement


def find_agreement(
    session: Session, child_id: int, school_year_id: int, kind: AgreementKind
) -> Agreement | None:
    return session.scalar(
        select(Agreement).where(
            Agreement.child_id == child_id,
            Agreement.school_year_id == school_year_id,
            Agreement.kind == kind,
        )
    )


def record_agreement(
    session: Session,
    *,
    uid: uuid.UUID,
    child: Child,
    school_year: SchoolYear,
    kind: AgreementKind,
    signer: str,
    relation: GuardianRelation | None,
    signed_on: date,
    scan: tuple[bytes, str] | None,
    actor_id: int | None,
) -> Made:
    """A child's agreement for a year, once. The scan is stored only when the row is made, so a
    replay never stores it twice."""
    existing = find_by_uid(session, Agreement, uid)
    if existing is not None:
        if (existing.child_id, existing.school_year_id, existing.kind) != (
            child.id,
            school_year.id,
            kind,
        ):
            raise UidTaken()
        return Made(existing, created=False)
    other = find_agreement(session, child.id, school_year.id, kind)
    if other is not None:
        raise AlreadyRecorded(other)
    try:
        made = create_once(
            session,
            Agreement,
            uid,
            lambda: Agreement(
                uid=uid,
                child_id=child.id,
                school_year_id=school_year.id,
                kind=kind,
                signer=signer,
                relation=relation,
                signed_on=signed_on,
                recorded_by_id=actor_id,
            ),
        )
    except IntegrityError:  # another form for the same child and year won the race
        other = find_agreement(session, child.id, school_year.id, kind)
        if other is None:
            raise
        raise AlreadyRecorded(other) from None
    if made.created:
        if scan is not None:
            _attach_scan(made.row, scan)
        audit.record(
            session,
            AuditAction.CREATE,
            actor_id=actor_id,
            subject="agreement",
            subject_id=made.row.id,
            child_id=child.id,
            fields=[kind.value],
        )
        session.flush()
    return made


def correct_agreement(
    session: Session,
    agreement: Agreement,
    *,
    signer: str,
    relation: GuardianRelation | None,
    signed_on: date,
    scan: tuple[bytes, str] | None,
    actor_id: int | None,
) -> list[str]:
    """Correct who signed and when, or put a better scan in place of the old one."""
    if agreement.signer != signer:  # sealing again would count as a change even if equal
        agreement.signer = signer
    agreement.relation, agreement.signed_on = relation, signed_on
    if scan is not None:
        _attach_scan(agreement, scan)
    changed = audit.changed_fields(agreement)
    if changed:
        agreement.recorded_by_id = actor_id
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="agreement",
            subject_id=agreement.id,
            child_id=agreement.child_id,
            fields=changed,
        )
    session.flush()
    return changed


def _attach_scan(agreement: Agreement, scan: tuple[bytes, str]) -> None:
    data, content_type = scan
    agreement.scan_uid = store_sealed(agreement.tenant_id, data)
    agreement.scan_type = content_type
