"""Writing the report documents: a new version of a term plan or summary, the monthly report's
narrative, its submission (which locks it), and the audit rows of a printed table.

Each takes plain values, flushes, writes its audit row and returns; the caller commits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.care.once import find_by_uid
from webapp.children.exports import record_export
from webapp.children.models import Child
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.reports.models import DocumentKind, MonthlyReport, ReportStatus, TermDocument


class StaleVersion(Exception):
    """Someone saved a newer version since this form was opened."""

    def __init__(self, latest: TermDocument | None) -> None:
        super().__init__("a newer version exists")
        self.latest = latest


class ReportLocked(Exception):
    """The monthly report was submitted: it no longer changes."""


@dataclass(frozen=True)
class Saved:
    document: TermDocument
    created: bool


def latest_version(session: Session, term_id: int, kind: DocumentKind) -> int:
    return (
        session.scalar(
            select(func.max(TermDocument.version)).where(
                TermDocument.term_id == term_id, TermDocument.kind == kind
            )
        )
        or 0
    )


def save_document(
    session: Session,
    *,
    uid: uuid.UUID,
    term_id: int,
    kind: DocumentKind,
    narrative: str,
    base_version: int,
    author_id: int,
) -> Saved:
    """Add the next version of a term's plan or summary. The same form sent again finds the
    version it made; a form opened on an older version than the latest is refused (StaleVersion),
    also when two saves race: the unique (term, kind, version) lets one through."""
    existing = find_by_uid(session, TermDocument, uid)
    if existing is not None:
        return Saved(existing, created=False)
    latest = latest_version(session, term_id, kind)
    if latest != base_version:
        raise StaleVersion(_version(session, term_id, kind, latest))
    document = TermDocument(
        uid=uid,
        term_id=term_id,
        kind=kind,
        version=latest + 1,
        narrative=narrative,
        author_id=author_id,
    )
    try:
        with session.begin_nested():
            session.add(document)
            session.flush()
    except IntegrityError:
        existing = find_by_uid(session, TermDocument, uid)
        if existing is not None:
            return Saved(existing, created=False)
        raise StaleVersion(
            _version(session, term_id, kind, latest_version(session, term_id, kind))
        ) from None
    audit.record(
        session,
        AuditAction.CREATE if document.version == 1 else AuditAction.UPDATE,
        actor_id=author_id,
        subject=kind.value,
        subject_id=document.id,
        fields=["narrative"],
        reason=f"v{document.version}",
    )
    session.flush()
    return Saved(document, created=True)


def _version(
    session: Session, term_id: int, kind: DocumentKind, version: int
) -> TermDocument | None:
    return session.scalar(
        select(TermDocument).where(
            TermDocument.term_id == term_id,
            TermDocument.kind == kind,
            TermDocument.version == version,
        )
    )


def _month_report(session: Session, month: date, *, lock: bool) -> MonthlyReport | None:
    statement = select(MonthlyReport).where(MonthlyReport.month == month)
    if lock:  # a save and a submission at the same moment: one waits for the other
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalar(statement)


def save_monthly(
    session: Session, *, uid: uuid.UUID, month: date, narrative: str, actor_id: int
) -> MonthlyReport:
    """Keep the month's narrative (the report is made on its first save). A submitted report
    refuses (ReportLocked)."""
    report = _month_report(session, month, lock=True)
    if report is None:
        report = MonthlyReport(uid=uid, month=month, narrative="")
        try:
            with session.begin_nested():
                session.add(report)
                session.flush()
        except IntegrityError:  # made by another request at the same moment
            report = _month_report(session, month, lock=True)
            if report is None:
                raise
    if report.is_submitted:
        raise ReportLocked()
    if report.narrative != narrative:
        report.narrative = narrative
        report.edited_by_id = actor_id
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="monthly_report",
            subject_id=report.id,
            fields=["narrative"],
            reason=f"{month:%Y-%m}",
        )
    session.flush()
    return report


def submit_monthly(
    session: Session,
    *,
    uid: uuid.UUID,
    month: date,
    figures: dict[str, int],
    activity_ids: list[int],
    actor_id: int,
    now: datetime,
) -> tuple[MonthlyReport, bool]:
    """Submit the month's report with the figures and activities it goes with, and lock it.
    Submitting again changes nothing (False)."""
    report = _month_report(session, month, lock=True)
    if report is None:
        report = save_monthly(session, uid=uid, month=month, narrative="", actor_id=actor_id)
    if report.is_submitted:
        return report, False
    report.status = ReportStatus.SUBMITTED
    report.figures_json = json.dumps(figures, sort_keys=True)
    report.activity_ids_json = json.dumps(activity_ids)
    report.submitted_at = now
    report.submitted_by_id = actor_id
    audit.record(
        session,
        AuditAction.STATUS,
        actor_id=actor_id,
        subject="monthly_report",
        subject_id=report.id,
        fields=["status"],
        reason=f"{month:%Y-%m}",
    )
    session.flush()
    return report, True


def record_print(
    session: Session, children: Iterable[Child], *, table: str, unmasked: bool, actor_id: int
) -> None:
    """A printed table is a disclosure like an exported one: one audit row per child on it."""
    record_export(
        session, children, table=table, unmasked=unmasked, actor_id=actor_id, channel="print"
    )
