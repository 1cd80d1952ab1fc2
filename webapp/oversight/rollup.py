"""The rollup a unit's pages show: the tree below the unit, each node's figures, suppressed.

A node is a unit (township, county) or a school. A school's figures are counted
(``queries.school_figures``); a unit's are the sums of the nodes right below it. Suppression
(``suppression``) runs once over the whole tree below the viewer's unit, so every page of it
(county, township, school) hides the same cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from webapp.care import duties
from webapp.care.models import DutyKey
from webapp.core.org import OrgUnit, Tenant, tenants_below
from webapp.oversight import queries
from webapp.oversight.suppression import Equation, is_small, suppress

UNIT, SCHOOL = "unit", "school"


@dataclass
class Node:
    kind: str  # UNIT or SCHOOL
    id: int
    slug: str
    name: str
    kind_label: Any  # a lazy label
    children: list[Node] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.id

    def walk(self) -> list[Node]:
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found


@dataclass(frozen=True)
class Cell:
    """One figure as a page shows it."""

    value: int
    shown: str
    exact: bool


@dataclass(frozen=True)
class DutyCell:
    duty: DutyKey
    done: Cell
    total: Cell

    @property
    def period_now(self) -> Any:
        """The current period of the duty's default cadence ("this week", "this term")."""
        return duties.PERIOD_NOW[duties.DUTIES[self.duty].period]

    @property
    def percent(self) -> int | None:
        if not (self.done.exact and self.total.exact) or not self.total.value:
            return None
        return round(100 * self.done.value / self.total.value)


# The equations inside one node: a total and the parts it is made of.
ROW_EQUATIONS = [
    ("on_roll", ("left_behind", "not_left_behind")),
    ("left_behind", ("one_parent", "both_parents")),
    ("left_behind", ("paired", "unpaired")),
    ("on_roll", ("three_special", "not_three_special")),
] + [(total, (done, not_done)) for total, done, not_done in map(queries.duty_keys, DutyKey)]
NEVER_SHOWN = {"not_left_behind", "not_three_special", "unpaired"} | {
    queries.duty_keys(duty)[2] for duty in DutyKey
}


class Rollup:
    """Everything the pages of one unit show, suppressed."""

    def __init__(
        self, session: Session, unit: OrgUnit, today: date, duty_max_age: float = 0
    ) -> None:
        self.today = today
        self.tenants = tenants_below(session, unit)
        tenant_ids = [t.id for t in self.tenants]
        figures = queries.school_figures(session, tenant_ids, today, duty_max_age)
        self.root = _build(unit, queries.units_below(session, unit), self.tenants, figures)
        self.nodes = {node.key: node for node in self.root.walk()}
        self.hidden = _suppress(self.root)

    def unit(self, slug: str) -> Node | None:
        return next((n for n in self.nodes.values() if n.kind == UNIT and n.slug == slug), None)

    def school(self, slug: str) -> Node | None:
        return next((n for n in self.nodes.values() if n.kind == SCHOOL and n.slug == slug), None)

    def cell(self, node: Node, key: str) -> Cell:
        value = node.figures[key]
        if (node.key, key) not in self.hidden:
            return Cell(value, str(value), True)
        return Cell(value, "<5" if is_small(value) else "—", False)

    def paired_percent(self, node: Node) -> int | None:
        paired, left_behind = self.cell(node, "paired"), self.cell(node, "left_behind")
        if not (paired.exact and left_behind.exact) or not left_behind.value:
            return None
        return round(100 * paired.value / left_behind.value)

    def duty_cells(self, node: Node) -> list[DutyCell]:
        """Each duty some school below counts, with its coverage in its current period."""
        cells = []
        for duty in DutyKey:
            total, done, _ = queries.duty_keys(duty)
            if node.figures[total]:
                cells.append(DutyCell(duty, self.cell(node, done), self.cell(node, total)))
        return cells


def _build(
    unit: OrgUnit,
    units: dict[int | None, list[OrgUnit]],
    tenants: list[Tenant],
    figures: dict[int, dict[str, int]],
) -> Node:
    schools = queries.tenants_by_unit(tenants)
    node = Node(UNIT, unit.id, unit.slug, unit.name, unit.kind.lazy_label)
    for below in units.get(unit.id, []):
        child = _build(below, units, tenants, figures)
        if child.children:  # a unit with no school below has nothing to show
            node.children.append(child)
    for tenant in schools.get(unit.id, []):
        node.children.append(
            Node(
                SCHOOL,
                tenant.id,
                tenant.slug,
                tenant.name,
                tenant.kind.lazy_label,
                [],
                figures[tenant.id],
            )
        )
    node.figures = queries.empty_figures()
    for child in node.children:
        for key, value in child.figures.items():
            node.figures[key] += value
    return node


def _suppress(root: Node) -> set:
    values, equations, never_shown = {}, [], set()
    for node in root.walk():
        for key, value in node.figures.items():
            values[(node.key, key)] = value
            if key in NEVER_SHOWN:
                never_shown.add((node.key, key))
        for total, parts in ROW_EQUATIONS:
            equations.append(Equation((node.key, total), tuple((node.key, part) for part in parts)))
        if node.children:
            for key in node.figures:
                equations.append(
                    Equation((node.key, key), tuple((c.key, key) for c in node.children))
                )
    return suppress(values, equations, never_shown)
