"""Figures of the schools below an oversight unit: the only reads that leave the tenant filter.

Each cross-tenant statement opts out with ``all_tenants=True`` and names, in its WHERE clause,
the tenants it reads: the schools below the viewer's unit, which the caller takes from
``tenants_below``. The duty engine is tenant-scoped; it is run for each of those schools in
turn, with that school bound explicitly (``tenant_context``), never across schools.

Nothing here returns a child: only counts per school.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from webapp.care import duties
from webapp.care.models import DutyKey, Pairing
from webapp.children.access import ON_ROLL
from webapp.children.models import Child, LeftBehindType
from webapp.core.kept import Kept, database_key
from webapp.core.org import OrgUnit, Tenant
from webapp.core.tenancy import ALL_TENANTS, tenant_context
from webapp.incidents.models import Incident

NAMED_TENANTS = {ALL_TENANTS: True}

# The figures of one school, in the order a page lists them. Keys ending in a "not_…" part are
# never shown: they are the remainder of a total (see suppression).
CHILD_FIGURES = (
    "on_roll",
    "left_behind",
    "one_parent",
    "both_parents",
    "three_special",
    "paired",
)
NEVER_SHOWN_FIGURES = ("not_left_behind", "not_three_special", "unpaired")
WORK_FIGURES = ("overdue", "open_incidents")


def duty_keys(duty: DutyKey) -> tuple[str, str, str]:
    """The figures of one duty: children due or done in the current period, done, not done."""
    return f"{duty.value}.total", f"{duty.value}.done", f"{duty.value}.not_done"


def empty_figures() -> dict[str, int]:
    keys = [*CHILD_FIGURES, *NEVER_SHOWN_FIGURES, *WORK_FIGURES]
    for duty in DutyKey:
        keys.extend(duty_keys(duty))
    return dict.fromkeys(keys, 0)


def school_figures(
    session: Session, tenant_ids: list[int], today: date, duty_max_age: float = 0
) -> dict[int, dict]:
    """Every figure of each named school, counted by the database (and the duty engine).

    The duty figures cost most (the engine evaluates every child's duties): with
    ``duty_max_age`` a school's are reused for that many seconds, in this process."""
    figures = {tenant_id: empty_figures() for tenant_id in tenant_ids}
    if not tenant_ids:
        return figures
    _children(session, tenant_ids, figures)
    _paired(session, tenant_ids, figures)
    _open_incidents(session, tenant_ids, figures)
    for tenant_id in tenant_ids:
        figures[tenant_id].update(_duties_kept(session, tenant_id, today, duty_max_age))
    for found in figures.values():
        found["not_left_behind"] = found["on_roll"] - found["left_behind"]
        found["not_three_special"] = found["on_roll"] - found["three_special"]
        found["unpaired"] = found["left_behind"] - found["paired"]
    return figures


def _children(session: Session, tenant_ids: list[int], figures: dict[int, dict]) -> None:
    # A sealed 三特 set is stored only when it holds a flag (an empty set is NULL), so counting
    # the sealed column counts the children with one, without opening any.
    statement = (
        select(
            Child.tenant_id,
            Child.left_behind_type,
            func.count(Child.id),
            func.count(Child.three_special_sealed),
        )
        .where(Child.tenant_id.in_(tenant_ids), Child.status.in_(ON_ROLL))
        .group_by(Child.tenant_id, Child.left_behind_type)
        .execution_options(**NAMED_TENANTS)
    )
    for tenant_id, left_behind_type, children, three_special in session.execute(statement):
        found = figures[tenant_id]
        found["on_roll"] += children
        found["three_special"] += three_special
        if left_behind_type != LeftBehindType.NONE:
            found["left_behind"] += children
        if left_behind_type == LeftBehindType.ONE_PARENT:
            found["one_parent"] += children
        elif left_behind_type == LeftBehindType.BOTH_PARENTS:
            found["both_parents"] += children


def _paired(session: Session, tenant_ids: list[int], figures: dict[int, dict]) -> None:
    """Left-behind children on the roll with an active proxy parent (as the reports count)."""
    statement = (
        select(Child.tenant_id, func.count(distinct(Child.id)))
        .join(Pairing, (Pairing.tenant_id == Child.tenant_id) & (Pairing.child_id == Child.id))
        .where(
            Child.tenant_id.in_(tenant_ids),
            Child.status.in_(ON_ROLL),
            Child.left_behind_type != LeftBehindType.NONE,
            Pairing.kind.in_(duties.TALKING_PAIRINGS),
            Pairing.ended_on.is_(None),
        )
        .group_by(Child.tenant_id)
        .execution_options(**NAMED_TENANTS)
    )
    for tenant_id, paired in session.execute(statement):
        figures[tenant_id]["paired"] = paired


def _open_incidents(session: Session, tenant_ids: list[int], figures: dict[int, dict]) -> None:
    """Open incidents; a mandatory report (强制报告) is restricted to named roles at the school
    and is not counted here, as on the school's own reports."""
    statement = (
        select(Incident.tenant_id, func.count(Incident.id))
        .where(
            Incident.tenant_id.in_(tenant_ids),
            Incident.closed_at.is_(None),
            Incident.restricted.is_(False),
        )
        .group_by(Incident.tenant_id)
        .execution_options(**NAMED_TENANTS)
    )
    for tenant_id, count in session.execute(statement):
        figures[tenant_id]["open_incidents"] = count


# A school's duty figures by (database, school, day): the engine is the costly part of a rollup.
_kept_duties: Kept[dict[str, int]] = Kept()


def _duties_kept(session: Session, tenant_id: int, today: date, max_age: float) -> dict[str, int]:
    key = (database_key(session), tenant_id, today)
    return _kept_duties.get(key, max_age, lambda: _duties(session, tenant_id, today))


def _duties(session: Session, tenant_id: int, today: date) -> dict[str, int]:
    """Coverage of each duty in its current period and the overdue work, from the school's own
    duty board: the engine runs for this one school, bound explicitly."""
    with tenant_context(session, tenant_id):
        board = duties.duty_board(session, today)
    found: dict[str, int] = {}
    for duty, coverage in board.school_coverage().items():
        total, done, not_done = duty_keys(duty)
        found[total], found[done] = coverage.total, coverage.done
        found[not_done] = coverage.total - coverage.done
    found["overdue"] = sum(1 for status in board.statuses if status.state == duties.State.OVERDUE)
    return found


def units_below(session: Session, unit: OrgUnit) -> dict[int | None, list[OrgUnit]]:
    """parent id → child units, for the units at or below ``unit``."""
    children: dict[int | None, list[OrgUnit]] = defaultdict(list)
    for found in session.scalars(select(OrgUnit).order_by(OrgUnit.name)):
        children[found.parent_id].append(found)
    return children


def tenants_by_unit(tenants: list[Tenant]) -> dict[int | None, list[Tenant]]:
    grouped: dict[int | None, list[Tenant]] = defaultdict(list)
    for tenant in tenants:
        grouped[tenant.org_unit_id].append(tenant)
    return grouped
