"""The school dashboard (学校工作概览): the figures a principal, the coordinator and the safety
lead look at first, each with the list behind it where the app has one.

- Care types, in both classifications the archive keeps: the education system's left-behind
  types (both parents away, one parent away) and the civil-affairs definition (民政口径), with
  migrant, three-special and in-difficulty children beside them. Read through the report
  figures (``reports.figures``), so a number and its trace page never disagree.
- 建档率: left-behind children on the roll whose card is complete ÷ left-behind children on the
  roll. Complete means the card lacks nothing the survey asks for (``children.queries.
  archive_gaps``): the ID number, the class, the home address, where both parents are, the
  phone and place of work of a parent working away, and a guardian (or a parent at home)
  with a phone.
- Pairing coverage: left-behind children with an active proxy parent (the figure "paired").
- Overdue work: the duties the duty engine finds overdue today, and care follow-ups whose due
  day has passed and that are not done.
- Open incidents the viewer may see, room sign-ins this week and this month, loans out and
  overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from webapp.assets.models import Loan
from webapp.care import duties
from webapp.care.models import RESTRICTED_KINDS, CareRecord
from webapp.children.models import Child, DifficultyType, Guardian, Parent
from webapp.children.queries import archive_gaps
from webapp.core import kept
from webapp.incidents.models import Incident
from webapp.reports.figures import Figures, Period, Scope
from webapp.room.models import SignIn
from webapp.tenants.models import Term

# The report figures the dashboard shows as they are: the care types, both classifications.
CARE_TYPE_FIGURES = (
    "on_roll",
    "left_behind",
    "both_parents",
    "one_parent",
    "civil",
    "migrant",
    "needy",
    "gifted",
    "special_needs",
)


@dataclass
class Dashboard:
    today: date
    term: Term | None
    counts: dict[str, int] = field(default_factory=dict)
    difficulty: dict[DifficultyType, int] = field(default_factory=dict)

    def percent(self, part: str, whole: str) -> int | None:
        """Rounded down, so that 99.6 % never reads as done (as the survey's 建档率)."""
        total = self.counts.get(whole, 0)
        return self.counts.get(part, 0) * 100 // total if total else None


def build(
    session: Session,
    today: date,
    term: Term | None,
    visible_incidents: ColumnElement[bool],
    max_age: float = 0,
) -> Dashboard:
    """The board; the figures from children's records and the duty engine, the costly part,
    are kept ``max_age`` seconds until the school's next audited change (``core.kept``)."""
    board = Dashboard(today, term)
    key = (*kept.school_key(session, today), term.id if term is not None else None)
    counts, difficulty = _kept_counts.get(
        key, max_age, lambda: _record_counts(session, today, term)
    )
    board.counts.update(counts)
    board.difficulty.update(difficulty)
    board.counts["follow_ups_overdue"] = session.scalar(_overdue_follow_ups(today)) or 0
    board.counts["open_incidents"] = (
        session.scalar(
            select(func.count(Incident.id)).where(Incident.closed_at.is_(None), visible_incidents)
        )
        or 0
    )
    week, month = _sign_ins(session, today)
    board.counts["sign_ins_week"], board.counts["sign_ins_month"] = week, month
    out, overdue = session.execute(
        select(func.count(Loan.id), func.count(Loan.id).filter(Loan.due_on < today)).where(
            Loan.returned_at.is_(None)
        )
    ).one()
    board.counts["loans_out"], board.counts["loans_overdue"] = out, overdue
    return board


# A school's record counts by (database, school, day, audit chain head, term).
_kept_counts: kept.Kept[tuple[dict[str, int], dict[DifficultyType, int]]] = kept.Kept()


def _record_counts(
    session: Session, today: date, term: Term | None
) -> tuple[dict[str, int], dict[DifficultyType, int]]:
    """The counts read from the children's records and the duty engine: all audited."""
    counts: dict[str, int] = {}
    period = Period.of_term(term) if term is not None else Period(today, today)
    figures = Figures(session, period, Scope(), today)
    for key in (*CARE_TYPE_FIGURES, "paired", "unpaired"):
        counts[key] = figures.count(key)
    difficulty = {
        kind: sum(kind in c.difficulty_types for c in figures.children) for kind in DifficultyType
    }
    counts["in_difficulty"] = sum(bool(c.difficulty_types) for c in figures.children)
    counts["archive_complete"] = _complete_cards(session, figures.items("left_behind"))
    statuses = duties.duty_board(session, today).statuses
    counts["duties_overdue"] = sum(s.state == duties.State.OVERDUE for s in statuses)
    return counts, difficulty


def _complete_cards(session: Session, left_behind: list[Child]) -> int:
    """Left-behind children on the roll (the figure "left_behind", already loaded) whose card
    lacks nothing: their parents and guardians read in two statements and put in place."""
    ids = [child.id for child in left_behind]
    parents: dict[int, list[Parent]] = {child_id: [] for child_id in ids}
    guardians: dict[int, list[Guardian]] = {child_id: [] for child_id in ids}
    for parent in session.scalars(
        select(Parent).where(Parent.child_id.in_(ids)).order_by(Parent.relation, Parent.id)
    ):
        parents[parent.child_id].append(parent)
    for guardian in session.scalars(
        select(Guardian).where(Guardian.child_id.in_(ids)).order_by(Guardian.id)
    ):
        guardians[guardian.child_id].append(guardian)
    for child in left_behind:
        set_committed_value(child, "parents", parents[child.id])
        set_committed_value(child, "guardians", guardians[child.id])
    return sum(not archive_gaps(child) for child in left_behind)


def _overdue_follow_ups(today: date):
    """Follow-ups of care records due before today and not done; restricted kinds are not
    counted here, as in every report."""
    return select(func.count(CareRecord.id)).where(
        CareRecord.amends_id.is_(None),
        CareRecord.kind.not_in(RESTRICTED_KINDS),
        CareRecord.follow_up_sealed.is_not(None),
        CareRecord.follow_up_done_on.is_(None),
        CareRecord.follow_up_due < today,
    )


def _sign_ins(session: Session, today: date) -> tuple[int, int]:
    """Sign-ins to the children's home this week (from Monday) and this month, up to today."""
    monday = duties.monday_of(today)
    first = today.replace(day=1)
    week, month = session.execute(
        select(
            func.count(SignIn.id).filter(SignIn.signed_in_on >= monday),
            func.count(SignIn.id).filter(SignIn.signed_in_on >= first),
        ).where(SignIn.signed_in_on.between(min(monday, first), today))
    ).one()
    return week, month
