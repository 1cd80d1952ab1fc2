"""Reading the assessment: the ranking of the schools below a unit for a year, a school's
sheet as the unit scores it, and a school's own sheets.

How ties are handled (the page says it too): schools with equal totals share a rank (1, 1, 3);
among them the list goes by the school's name. Every school whose rank is three or better is
commended (表彰), so a tie at third place commends all of the tied; every school with three or
fewer schools at or below its total, counted from the bottom the same way, is marked for
improvement (待改进). A school is never both: commendation comes first. Only schools scored on
every criterion are ranked; the others are listed as not fully scored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.core.choices import Choice
from webapp.core.org import OrgUnit, Tenant
from webapp.core.tenancy import ALL_TENANTS
from webapp.oversight.assessment_models import AssessmentScheme, AssessmentScore

MARKED = 3


class Mark(Choice):
    COMMENDED = "commended", _l("Commended (表彰)")
    TO_IMPROVE = "to_improve", _l("To improve (待改进)")


@dataclass(frozen=True)
class RankRow:
    tenant: Tenant
    total: int
    scored: int  # criteria scored
    rank: int | None  # None: not every criterion scored yet
    mark: Mark | None


def scores_of(
    session: Session, scheme: AssessmentScheme, tenant_ids: list[int]
) -> dict[int, dict[int, AssessmentScore]]:
    """tenant id → criterion id → score, for the schools named."""
    if not tenant_ids:
        return {}
    found: dict[int, dict[int, AssessmentScore]] = defaultdict(dict)
    for score in session.scalars(
        select(AssessmentScore)
        .where(AssessmentScore.scheme_id == scheme.id, AssessmentScore.tenant_id.in_(tenant_ids))
        .execution_options(**{ALL_TENANTS: True})
    ):
        found[score.tenant_id][score.criterion_id] = score
    return found


def ranking(session: Session, scheme: AssessmentScheme, tenants: list[Tenant]) -> list[RankRow]:
    """The schools ranked by total points, top and bottom three marked; the schools not fully
    scored after them, by name."""
    scores = scores_of(session, scheme, [t.id for t in tenants])
    wanted = len(scheme.criteria)
    totals = {t.id: sum(s.points for s in scores.get(t.id, {}).values()) for t in tenants}
    scored = {t.id: len(scores.get(t.id, {})) for t in tenants}
    complete = [t for t in tenants if wanted and scored[t.id] == wanted]
    complete.sort(key=lambda t: (-totals[t.id], t.name, t.id))
    ranked_totals = [totals[t.id] for t in complete]
    rows = []
    for tenant in complete:
        total = totals[tenant.id]
        rank = 1 + sum(1 for other in ranked_totals if other > total)
        from_bottom = 1 + sum(1 for other in ranked_totals if other < total)
        mark = None
        if rank <= MARKED:
            mark = Mark.COMMENDED
        elif from_bottom <= MARKED:
            mark = Mark.TO_IMPROVE
        rows.append(RankRow(tenant, total, scored[tenant.id], rank, mark))
    rest = sorted((t for t in tenants if t not in complete), key=lambda t: (t.name, t.id))
    rows += [RankRow(t, totals[t.id], scored[t.id], None, None) for t in rest]
    return rows


def units_above(session: Session, tenant: Tenant) -> list[OrgUnit]:
    """The units a school hangs under, nearest first."""
    found, unit_id = [], tenant.org_unit_id
    while unit_id is not None:
        unit = session.get(OrgUnit, unit_id)
        if unit is None or unit in found:
            break
        found.append(unit)
        unit_id = unit.parent_id
    return found


@dataclass(frozen=True)
class OwnSheet:
    scheme: AssessmentScheme
    scores: dict[int, AssessmentScore]  # criterion id → score

    @property
    def total(self) -> int:
        return sum(s.points for s in self.scores.values())


def own_sheets(session: Session, tenant: Tenant) -> list[OwnSheet]:
    """The school's own score sheets (read under its own tenant filter), the latest year first,
    from the units above it."""
    unit_ids = [u.id for u in units_above(session, tenant)]
    by_scheme: dict[int, dict[int, AssessmentScore]] = defaultdict(dict)
    for score in session.scalars(select(AssessmentScore)):
        by_scheme[score.scheme_id][score.criterion_id] = score
    if not by_scheme:
        return []
    schemes = session.scalars(
        select(AssessmentScheme)
        .where(AssessmentScheme.id.in_(by_scheme), AssessmentScheme.org_unit_id.in_(unit_ids))
        .order_by(AssessmentScheme.year.desc(), AssessmentScheme.version.desc())
    )
    return [OwnSheet(scheme, by_scheme[scheme.id]) for scheme in schemes]
