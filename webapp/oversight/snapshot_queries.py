"""Reading snapshots: a school its own (every version, the named list included), a unit the
schools below it (which submitted for a term and their figures, never the list).

The unit's reads are the only ones here that leave the tenant filter, and each names the
tenants it reads: the schools below the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.children.exports import summary_counts
from webapp.children.models import Gender, GuardianRelation, LeftBehindType
from webapp.core.org import Tenant
from webapp.core.tenancy import ALL_TENANTS
from webapp.oversight.snapshot_models import RosterSnapshot
from webapp.tenants.models import Term

SMALL_CELL = 5
# The figures a unit sees per school: counts, never a name.
UNIT_KEYS = ("on_roll", "one_parent", "both_parents", "civil", "migrant", "boarder")


def small(count: int) -> str:
    """A count of 1 to 4 could point at a child: shown as "<5". Nought stays 0."""
    return f"<{SMALL_CELL}" if 0 < count < SMALL_CELL else str(count)


def figure_labels() -> dict[str, str]:
    """key → the label the 信息汇总表 gives the figure."""
    return {count.key: str(count.label) for count in summary_counts([], date.today())}


def ordered_keys(totals: dict[str, Any]) -> list[str]:
    """The figures' keys in the 信息汇总表's order (JSON keeps them sorted by name)."""
    known = [key for key in figure_labels() if key in totals]
    return known + sorted(key for key in totals if key not in known)


def child_labels(entry: dict[str, Any]) -> dict[str, str]:
    """A listed child's fields as a reader sees them (labels in the reader's language)."""
    relation = entry.get("guardian_relation")
    return {
        "name": entry["name"],
        "sex": Gender(entry["sex"]).label,
        "birth_date": entry["birth_date"],
        "class": entry["class"],
        "care_type": LeftBehindType(entry["care_type"]).label,
        "guardian_relation": GuardianRelation(relation).label if relation else "",
        "father_work_place": entry.get("father_work_place") or "",
        "mother_work_place": entry.get("mother_work_place") or "",
    }


def child_headers() -> dict[str, str]:
    return {
        "name": _("Name"),
        "sex": _("Sex"),
        "birth_date": _("Date of birth"),
        "class": _("Class"),
        "care_type": _("Left-behind type"),
        "guardian_relation": _("Guardian's relation"),
        "father_work_place": _("Father works in"),
        "mother_work_place": _("Mother works in"),
    }


# A school's own ------------------------------------------------------------------------------


def school_snapshots(session: Session) -> list[RosterSnapshot]:
    """Every version the school submitted, the latest term and version first."""
    return list(
        session.scalars(
            select(RosterSnapshot).order_by(
                RosterSnapshot.term_key.desc(), RosterSnapshot.version.desc()
            )
        )
    )


# A unit's view of the schools below it --------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    tenant: Tenant
    snapshot: RosterSnapshot | None  # the latest version for the term, if any
    versions: int


def _across(tenant_ids: list[int]) -> Any:
    return (
        select(RosterSnapshot)
        .where(RosterSnapshot.tenant_id.in_(tenant_ids))
        .execution_options(**{ALL_TENANTS: True})
    )


def term_keys(session: Session, tenant_ids: list[int]) -> list[tuple[str, str]]:
    """(key, label) of every term a school below has submitted for, the latest first."""
    if not tenant_ids:
        return []
    rows = session.execute(
        select(RosterSnapshot.term_key, RosterSnapshot.term_label)
        .where(RosterSnapshot.tenant_id.in_(tenant_ids))
        .distinct()
        .execution_options(**{ALL_TENANTS: True})
    ).all()
    labels: dict[str, str] = {}
    for key, label in sorted(rows):
        labels.setdefault(key, label)
    return sorted(labels.items(), reverse=True)


def current_term_keys(
    session: Session, tenant_ids: list[int], today: date
) -> list[tuple[str, str]]:
    """(key, label) of the terms the schools below are in today (or last began), so that a
    unit sees who has not submitted yet before anyone has."""
    if not tenant_ids:
        return []
    terms = session.scalars(
        select(Term)
        .where(Term.tenant_id.in_(tenant_ids), Term.starts_on <= today)
        .options(selectinload(Term.school_year))
        .order_by(Term.starts_on.desc())
        .execution_options(**{ALL_TENANTS: True})
    ).all()
    latest: dict[int, Term] = {}
    for term in terms:
        latest.setdefault(term.tenant_id, term)
    keys = {f"{t.school_year.starts_on.year}-{t.number}": t.full_name for t in latest.values()}
    return sorted(keys.items(), reverse=True)


def submissions(session: Session, tenants: list[Tenant], key: str) -> list[Submission]:
    """For each school below, its latest snapshot for the term and how many versions it sent."""
    found = session.scalars(
        _across([t.id for t in tenants])
        .where(RosterSnapshot.term_key == key)
        .order_by(RosterSnapshot.version)
    ).all()
    latest: dict[int, RosterSnapshot] = {}
    count: dict[int, int] = {}
    for snapshot in found:
        latest[snapshot.tenant_id] = snapshot
        count[snapshot.tenant_id] = count.get(snapshot.tenant_id, 0) + 1
    return [Submission(t, latest.get(t.id), count.get(t.id, 0)) for t in tenants]


def versions_of(session: Session, tenant: Tenant) -> list[RosterSnapshot]:
    """One school's snapshots (a school the caller has checked is below its unit)."""
    return list(
        session.scalars(
            _across([tenant.id]).order_by(
                RosterSnapshot.term_key.desc(), RosterSnapshot.version.desc()
            )
        )
    )


def unit_figures(snapshot: RosterSnapshot) -> dict[str, str]:
    """What a unit may see of a snapshot: the school's totals, small cells suppressed.

    Not the classes: a class's cell beside the school's total would give a suppressed cell away
    by subtraction (and so would the length of the list beside its two parts). The named list
    stays with the school.
    """
    totals = snapshot.figures["totals"]
    return {key: small(totals.get(key, 0)) for key in UNIT_KEYS}
