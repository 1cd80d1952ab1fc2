"""What the term plan, the term summary and the monthly report say in figures, and finding the
term or month a report is about."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.care.models import CareActivity, CarePhoto
from webapp.reports.figures import FIGURES, Figure, Figures
from webapp.reports.models import DocumentKind, MonthlyReport, TermDocument

# The children the plan is written for: the roll as the term begins.
SITUATION = (
    "on_roll",
    "left_behind",
    "both_parents",
    "one_parent",
    "civil",
    "migrant",
    "boarder",
    "three_special",
    "paired",
    "unpaired",
)
# The work done: what the summary and the monthly report account for.
WORK = (
    "talks",
    "talked_with",
    "home_visits",
    "visited",
    "parent_contacts",
    "family_calls",
    "letters_home",
    "activities",
    "took_part",
    "meetings",
    "incidents",
    "room_visits",
    "awards",
    "deeds",
    "wishes_fulfilled",
)
MONTHLY_SITUATION = ("left_behind", "paired", "unpaired")

SECTIONS: dict[str, list[tuple[Any, tuple[str, ...]]]] = {
    DocumentKind.TERM_PLAN.value: [(_l("The children"), SITUATION)],
    DocumentKind.TERM_SUMMARY.value: [
        (_l("The children"), SITUATION),
        (_l("Work done this term"), WORK),
    ],
    "monthly": [(_l("The children"), MONTHLY_SITUATION), (_l("Work done this month"), WORK)],
}


@dataclass(frozen=True)
class Line:
    figure: Figure
    value: int


def lines(figures: Figures, keys: tuple[str, ...]) -> list[Line]:
    return [Line(FIGURES[key], figures.count(key)) for key in keys]


def frozen_lines(values: dict[str, int], keys: tuple[str, ...]) -> list[Line]:
    """A submitted report's figures as they were sent."""
    return [Line(FIGURES[key], values[key]) for key in keys if key in values]


def monthly_keys() -> tuple[str, ...]:
    return tuple(key for _title, keys in SECTIONS["monthly"] for key in keys)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | None) -> date | None:
    """2026-11 → 1 November 2026; anything else → None."""
    match = _MONTH.match(text or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def versions(session: Session, term_id: int, kind: DocumentKind) -> list[TermDocument]:
    """Every saved version of a term's plan or summary, the latest first."""
    return list(
        session.scalars(
            select(TermDocument)
            .where(TermDocument.term_id == term_id, TermDocument.kind == kind)
            .order_by(TermDocument.version.desc())
        )
    )


def monthly_report(session: Session, month: date) -> MonthlyReport | None:
    return session.scalar(select(MonthlyReport).where(MonthlyReport.month == month))


def monthly_reports(session: Session) -> dict[date, MonthlyReport]:
    return {r.month: r for r in session.scalars(select(MonthlyReport))}


@dataclass(frozen=True)
class ActivityPhotos:
    activity: CareActivity
    photo_ids: list[int]


def activities_with_photos(
    session: Session, activities: list[CareActivity], per_activity: int = 3
) -> list[ActivityPhotos]:
    """The month's activities, each with the first few of its photos."""
    ids = [a.id for a in activities]
    photos: dict[int, list[int]] = {}
    if ids:
        for activity_id, photo_id in session.execute(
            select(CarePhoto.activity_id, CarePhoto.id)
            .where(CarePhoto.activity_id.in_(ids))
            .order_by(CarePhoto.id)
        ):
            photos.setdefault(activity_id, []).append(photo_id)
    return [ActivityPhotos(a, photos.get(a.id, [])[:per_activity]) for a in activities]


def activities_by_ids(session: Session, ids: list[int]) -> list[CareActivity]:
    if not ids:
        return []
    return list(
        session.scalars(
            select(CareActivity)
            .where(CareActivity.id.in_(ids))
            .order_by(CareActivity.happened_on, CareActivity.id)
        )
    )
