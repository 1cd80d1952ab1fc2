"""What every report figure should be, counted straight from the database with queries of their
own (not through webapp.reports), and the small helpers that read figures off the pages."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, distinct, func, select, true
from sqlalchemy.orm import Session

from webapp.care.models import ActivityParticipant, CareActivity, CareKind, CareRecord, Pairing
from webapp.children.models import Child, ChildStatus, LeftBehindType
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.families.models import GuardianMeeting, MeetingAttendance
from webapp.incidents.models import Incident, IncidentChild
from webapp.room.models import SignIn

ROLL = ("active", "transfer_pending")
KIND_OF = {
    "talks": "talk",
    "home_visits": "home_visit",
    "parent_contacts": "parent_contact",
    "family_calls": "family_call",
    "letters_home": "letter_home",
}
GROWTH_OF = {
    "awards": "award",
    "deeds": "deed",
    "evaluations": "evaluation",
    "wishes": "wish",
    "case_analyses": "case_analysis",
}

_FIGURE = re.compile(r'data-figure="(\w+)">(?:<a href="[^"]*">)?(\d+)')


def figures_on(html: str) -> dict[str, int]:
    """Every figure a page shows, by its key (data-figure), as numbers."""
    found: dict[str, int] = {}
    for key, value in _FIGURE.findall(html):
        found.setdefault(key, int(value))
    return found


def expected_counts(
    session: Session,
    first: date,
    last: date,
    today: date,
    class_id: int | None = None,
    child_id: int | None = None,
) -> dict[str, int]:
    """Every figure of the reports over one period, for the school, a class or a child."""

    def of_scope(column):
        if child_id is not None:
            return column == child_id
        if class_id is not None:
            return column.in_(select(Child.id).where(Child.class_id == class_id))
        return true()

    on_roll = list(session.scalars(select(Child).where(Child.status.in_(ROLL), of_scope(Child.id))))
    left = [c for c in on_roll if c.left_behind_type != LeftBehindType.NONE]
    left_ids = {c.id for c in left}
    sixteen = today.replace(year=today.year - 16)
    counts = {
        "on_roll": len(on_roll),
        "left_behind": len(left),
        "both_parents": sum(c.left_behind_type == LeftBehindType.BOTH_PARENTS for c in on_roll),
        "one_parent": sum(c.left_behind_type == LeftBehindType.ONE_PARENT for c in on_roll),
        "civil": sum(c.civil_parent_condition and c.birth_date > sixteen for c in on_roll),
        "migrant": sum(c.is_migrant for c in on_roll),
        "boarder": sum(c.is_boarder for c in on_roll),
        "bus": sum(c.rides_bus for c in on_roll),
        "three_special": sum(bool(c.three_special) for c in on_roll),
    }
    for flag in ("needy", "gifted", "special_needs"):
        counts[flag] = sum(flag in {f.value for f in c.three_special} for c in on_roll)
    paired = set(
        session.scalars(
            select(Pairing.child_id).where(
                Pairing.ended_on.is_(None), Pairing.kind.in_(("proxy_parent", "volunteer"))
            )
        )
    )
    counts["paired"] = len(left_ids & paired)
    counts["unpaired"] = len(left_ids - paired)

    in_period = and_(
        CareRecord.happened_on >= first,
        CareRecord.happened_on <= last,
        CareRecord.amends_id.is_(None),
        of_scope(CareRecord.child_id),
    )
    for key, kind in KIND_OF.items():
        counts[key] = session.scalar(
            select(func.count(CareRecord.id)).where(in_period, CareRecord.kind == kind)
        )
    talked = set(
        session.scalars(select(CareRecord.child_id).where(in_period, CareRecord.kind == "talk"))
    )
    visited = set(
        session.scalars(
            select(CareRecord.child_id).where(in_period, CareRecord.kind == "home_visit")
        )
    )
    counts["talked_with"] = len(left_ids & talked)
    counts["visited"] = len(left_ids & visited)
    growth = list(
        session.scalars(select(CareRecord).where(in_period, CareRecord.kind == CareKind.GROWTH))
    )
    for key, kind in GROWTH_OF.items():
        counts[key] = sum(r.details.get("type") == kind for r in growth)
    fulfilled = session.scalars(
        select(CareRecord).where(
            CareRecord.kind == CareKind.GROWTH,
            CareRecord.amends_id.is_(None),
            CareRecord.follow_up_done_on >= first,
            CareRecord.follow_up_done_on <= last,
            of_scope(CareRecord.child_id),
        )
    )
    counts["wishes_fulfilled"] = sum(r.details.get("type") == "wish" for r in fulfilled)

    activity_in_period = and_(CareActivity.happened_on >= first, CareActivity.happened_on <= last)
    counts["activities"] = session.scalar(
        select(func.count(distinct(CareActivity.id)))
        .select_from(CareActivity)
        .join(
            ActivityParticipant,
            ActivityParticipant.activity_id == CareActivity.id,
            isouter=class_id is None and child_id is None,
        )
        .where(activity_in_period, of_scope(ActivityParticipant.child_id))
    )
    counts["class_activities"] = (
        session.scalar(
            select(func.count(CareActivity.id)).where(
                activity_in_period, CareActivity.class_id == class_id
            )
        )
        if class_id is not None
        else 0
    )
    took_part = set(
        session.scalars(
            select(ActivityParticipant.child_id)
            .join(CareActivity, CareActivity.id == ActivityParticipant.activity_id)
            .where(activity_in_period)
        )
    )
    counts["took_part"] = len({c.id for c in on_roll} & took_part)
    meetings = select(func.count(distinct(GuardianMeeting.id))).where(
        GuardianMeeting.held_on >= first, GuardianMeeting.held_on <= last
    )
    if class_id is not None or child_id is not None:
        meetings = meetings.join(
            MeetingAttendance, MeetingAttendance.meeting_id == GuardianMeeting.id
        ).where(of_scope(MeetingAttendance.child_id))
    counts["meetings"] = session.scalar(meetings)
    start = datetime.combine(first, time(), SCHOOL_TIMEZONE)
    end = datetime.combine(last + timedelta(days=1), time(), SCHOOL_TIMEZONE)
    incidents = select(func.count(distinct(Incident.id))).where(
        Incident.restricted.is_(False), Incident.happened_at >= start, Incident.happened_at < end
    )
    if class_id is not None or child_id is not None:
        incidents = incidents.join(IncidentChild, IncidentChild.incident_id == Incident.id).where(
            of_scope(IncidentChild.child_id)
        )
    counts["incidents"] = session.scalar(incidents)
    counts["room_visits"] = session.scalar(
        select(func.count(SignIn.id)).where(
            SignIn.signed_in_on >= first, SignIn.signed_in_on <= last, of_scope(SignIn.child_id)
        )
    )
    return counts


def left_behind_on_roll(session: Session, class_id: int) -> list[Child]:
    return list(
        session.scalars(
            select(Child).where(
                Child.class_id == class_id,
                Child.status.in_((ChildStatus.ACTIVE, ChildStatus.TRANSFER_PENDING)),
                Child.left_behind_type != LeftBehindType.NONE,
            )
        )
    )
