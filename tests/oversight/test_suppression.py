"""Small cells: 1 to 4 is shown as "<5", 0 as 0, and no hidden cell can be worked out by
subtracting shown cells from a shown total, even by a reader who knows the rule. Checked by
trying every value a reader could put in the hidden cells."""

from __future__ import annotations

import random

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import app_session
from webapp.core.org import OrgUnit
from webapp.demo.care import DEMO_TODAY
from webapp.oversight.rollup import NEVER_SHOWN, ROW_EQUATIONS, Rollup
from webapp.oversight.suppression import Equation, suppress

CAP = 24  # no true value in these cases is larger


def reader_values(value: int, hidden: bool, never_shown: bool) -> range:
    """What a reader of the page may believe a cell holds."""
    if not hidden:
        return range(value, value + 1)
    if never_shown:
        return range(0, CAP + 1)
    return range(1, 5) if 1 <= value <= 4 else range(5, CAP + 1)


def possible_values(values, equations, never_shown, hidden) -> dict:
    """Every value of each hidden cell that some assignment a reader cannot rule out gives it:
    a search over the hidden cells, filling in a cell as soon as an equation fixes it."""
    allowed = {k: reader_values(values[k], True, k in never_shown) for k in hidden}
    seen: dict = {k: set() for k in hidden}

    def propagate(trial: dict) -> dict | None:
        trial = dict(trial)
        changed = True
        while changed:
            changed = False
            for equation in equations:
                cells = [equation.total, *equation.parts]
                unknown = [c for c in cells if c not in trial]
                if len(unknown) > 1:
                    continue
                parts = sum(trial.get(p, 0) for p in equation.parts)
                if not unknown:
                    if trial[equation.total] != parts:
                        return None
                    continue
                cell = unknown[0]
                value = parts if cell == equation.total else trial[equation.total] - parts
                if value not in allowed[cell]:
                    return None
                trial[cell] = value
                changed = True
        return trial

    def search(trial: dict) -> None:
        trial = propagate(trial)
        if trial is None:
            return
        open_cells = [k for k in hidden if k not in trial]
        if not open_cells:
            for key in hidden:
                seen[key].add(trial[key])
            return
        cell = min(open_cells, key=lambda k: len(allowed[k]))
        for value in allowed[cell]:
            search({**trial, cell: value})

    search({k: v for k, v in values.items() if k not in hidden})
    return seen


def test_a_small_part_hides_its_partner_not_the_total() -> None:
    values = {"total": 40, "one": 3, "both": 37}
    hidden = suppress(values, [Equation("total", ("one", "both"))], set())
    assert hidden == {"one", "both"}


def test_a_small_part_with_a_never_shown_remainder_needs_nothing_more() -> None:
    values = {"on_roll": 60, "left_behind": 3, "not_left_behind": 57}
    equation = Equation("on_roll", ("left_behind", "not_left_behind"))
    assert suppress(values, [equation], {"not_left_behind"}) == {"left_behind", "not_left_behind"}


def test_a_small_remainder_hides_the_part_shown() -> None:
    values = {"left_behind": 40, "paired": 38, "unpaired": 2}
    equation = Equation("left_behind", ("paired", "unpaired"))
    assert suppress(values, [equation], {"unpaired"}) == {"paired", "unpaired"}


def test_zero_is_shown_and_hides_nothing() -> None:
    values = {"total": 12, "one": 0, "both": 12}
    assert suppress(values, [Equation("total", ("one", "both"))], set()) == set()


def test_one_plus_five_is_not_given_away() -> None:
    """p + s = 6 with p < 5 and s ≥ 5 would pin p = 1: a third cell must go too."""
    values = {"total": 20, "a": 1, "b": 5, "c": 14}
    equations = [Equation("total", ("a", "b", "c"))]
    hidden = suppress(values, equations, set())
    assert len(possible_values(values, equations, set(), hidden)["a"]) > 1


@pytest.mark.parametrize("seed", range(30))
def test_no_hidden_cell_can_be_worked_out_in_a_table_of_two_schools(seed: int) -> None:
    """A unit over two schools, each a total of two parts, one part never shown: every hidden
    cell that is small keeps more than one possible value."""
    rng = random.Random(seed)
    values, equations, never_shown = {}, [], set()
    for school in ("s1", "s2"):
        a, b = rng.choice([0, 1, 2, 3, 4, 5, 6, 9]), rng.choice([0, 1, 3, 5, 7])
        values.update({(school, "t"): a + b, (school, "a"): a, (school, "b"): b})
        equations.append(Equation((school, "t"), ((school, "a"), (school, "b"))))
        never_shown.add((school, "b"))
    for key in ("t", "a", "b"):
        values[("unit", key)] = values[("s1", key)] + values[("s2", key)]
        equations.append(Equation(("unit", key), (("s1", key), ("s2", key))))
    equations.append(Equation(("unit", "t"), (("unit", "a"), ("unit", "b"))))
    never_shown.add(("unit", "b"))
    hidden = suppress(values, equations, never_shown)
    assert {k for k, v in values.items() if 1 <= v <= 4} <= hidden
    seen = possible_values(values, equations, never_shown, hidden)
    for key, value in values.items():
        if 1 <= value <= 4:
            assert len(seen[key]) > 1, (key, values, hidden)


@pytest.fixture
def county_rollup(app: Flask, demo_day: None) -> Rollup:
    with app_session(app) as session:
        county = session.scalar(select(OrgUnit).where(OrgUnit.slug == "bishan"))
        return Rollup(session, county, DEMO_TODAY)


def test_on_the_demo_no_equation_has_a_single_hidden_cell(county_rollup: Rollup) -> None:
    """Equations written out again here: each node's rows, and each unit's column sums. A
    cell alone hidden in its equation could be worked out, so it must be a remainder the page
    never shows, and not a small one."""
    rollup, hidden = county_rollup, county_rollup.hidden
    checked = 0
    for node in rollup.nodes.values():
        groups = [[total, *parts] for total, parts in ROW_EQUATIONS]
        cells = [[(node.key, key) for key in group] for group in groups]
        if node.children:
            cells += [[(node.key, k)] + [(c.key, k) for c in node.children] for k in node.figures]
        for group in cells:
            hidden_here = [cell for cell in group if cell in hidden]
            if len(hidden_here) == 1:  # worked out by subtraction: only a remainder never
                (node_key, key) = hidden_here[0]
                value = rollup.nodes[node_key].figures
                assert key in NEVER_SHOWN and not 1 <= value[key] <= 4, group  # shown, not small
            checked += 1
        for key, value in node.figures.items():
            cell = rollup.cell(node, key)
            if 1 <= value <= 4:
                assert cell.shown == "<5" if key not in NEVER_SHOWN else not cell.exact
            elif cell.exact:
                assert cell.shown == str(value)
            else:
                assert cell.shown == "—"
    assert checked > 50


def test_on_the_demo_something_is_suppressed(county_rollup: Rollup) -> None:
    """The demo's kindergarten has few children without a proxy parent: the test above is not
    vacuous."""
    shown_hidden = [(k, f) for k, f in county_rollup.hidden if f not in NEVER_SHOWN]
    assert shown_hidden
