"""The rollup's figures equal counts made here, school by school, from the demo's records; the
pages show them; a unit's figures are the sums of the schools below it."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import text_of
from tests.oversight.conftest import SCHOOLS
from webapp.care import duties
from webapp.care.models import Pairing, PairingKind
from webapp.children.models import Child, ChildStatus, LeftBehindType
from webapp.core.org import OrgUnit
from webapp.demo.care import DEMO_TODAY
from webapp.incidents.models import Incident
from webapp.oversight.rollup import Rollup

ON_ROLL = {ChildStatus.ACTIVE, ChildStatus.TRANSFER_PENDING}


def counted_here(app: Flask, slug: str) -> dict[str, int]:
    """One school's figures counted from its records, in Python, through its own session."""
    with app_session(app, slug) as session:
        children = [c for c in session.scalars(select(Child)) if c.status in ON_ROLL]
        left_behind = [c for c in children if c.left_behind_type != LeftBehindType.NONE]
        talking = {PairingKind.PROXY_PARENT, PairingKind.VOLUNTEER}
        paired_ids = {
            p.child_id
            for p in session.scalars(select(Pairing))
            if p.kind in talking and p.ended_on is None
        }
        incidents = [
            i for i in session.scalars(select(Incident)) if i.closed_at is None and not i.restricted
        ]
        board = duties.duty_board(session, DEMO_TODAY)
        found = {
            "on_roll": len(children),
            "left_behind": len(left_behind),
            "one_parent": sum(c.left_behind_type == LeftBehindType.ONE_PARENT for c in children),
            "both_parents": sum(
                c.left_behind_type == LeftBehindType.BOTH_PARENTS for c in children
            ),
            "three_special": sum(bool(c.three_special) for c in children),  # opened here
            "paired": sum(c.id in paired_ids for c in left_behind),
            "open_incidents": len(incidents),
            "overdue": sum(s.state == duties.State.OVERDUE for s in board.statuses),
        }
        due, done = Counter(), Counter()
        for status in board.statuses:
            due[status.duty] += 1
            done[status.duty] += status.state == duties.State.DONE
        for duty in due:
            found[f"{duty.value}.total"] = due[duty]
            found[f"{duty.value}.done"] = done[duty]
    return found


@pytest.fixture
def rollup(app: Flask, demo_day: None) -> Rollup:
    with app_session(app) as session:
        county = session.scalar(select(OrgUnit).where(OrgUnit.slug == "bishan"))
        return Rollup(session, county, DEMO_TODAY)


def test_every_school_figure_equals_the_count_made_from_its_records(
    app: Flask, rollup: Rollup
) -> None:
    for slug in SCHOOLS:
        expected = counted_here(app, slug)
        figures = rollup.school(slug).figures
        assert {key: figures[key] for key in expected} == expected, slug
        assert expected["on_roll"] > 50 and expected["left_behind"] > 20  # the demo is real


def test_a_unit_adds_up_the_schools_below_it(app: Flask, rollup: Rollup) -> None:
    counts = [counted_here(app, slug) for slug in SCHOOLS]
    township = rollup.unit("qinggang")
    for key in ("on_roll", "left_behind", "paired", "overdue", "home_visit.done"):
        total = sum(c.get(key, 0) for c in counts)
        assert township.figures[key] == total
        assert rollup.root.figures[key] == total  # the county has this one township


def test_the_page_shows_each_figure_or_hides_it(officer: FlaskClient, app: Flask) -> None:
    expected = counted_here(app, "yangguang")
    page = text_of(officer.get("/o/qinggang/schools/yangguang"))
    # The stats grid, in its order (the labels are in the reader's language).
    figures = re.findall(r'<div class="figure">([^<]+)</div>', page)
    order = ("on_roll", "left_behind", "one_parent", "both_parents", "three_special", "paired")
    shown = dict(zip((*order, "overdue", "open_incidents"), figures, strict=True))
    for key, text in shown.items():
        value = expected[key]
        if text == "&lt;5":
            assert 1 <= value <= 4, key
        elif text != "—":
            assert int(text) == value, key
    assert shown["on_roll"] == str(expected["on_roll"])
    home_visits = f"{expected['home_visit.done']} / {expected['home_visit.total']}"
    assert home_visits in page


def test_the_township_lists_its_schools_and_the_county_its_township(
    officer: FlaskClient, county: FlaskClient
) -> None:
    township = text_of(officer.get("/o/qinggang/"))
    names = {"yangguang": "阳光小学", "yangguang-kg": "阳光幼儿园", "hongxing": "红星小学"}
    for slug, name in names.items():
        assert f'href="/o/qinggang/schools/{slug}"' in township
        assert name in township
    top = text_of(county.get("/o/bishan/"))
    assert 'href="/o/bishan/units/qinggang"' in top and "青杠镇中心校" in top
    assert "/schools/" not in top  # the county lists townships, not their schools
    below = text_of(county.get("/o/bishan/units/qinggang"))
    for slug in SCHOOLS:
        assert f'href="/o/bishan/schools/{slug}"' in below
    school = county.get("/o/bishan/schools/hongxing")
    assert school.status_code == 200
    assert 'href="/o/bishan/units/qinggang"' in text_of(school)  # the way back up


def test_the_county_and_township_pages_agree_on_the_township(
    officer: FlaskClient, county: FlaskClient
) -> None:
    figures = re.compile(r'<div class="figure">([^<]+)</div>')
    from_county = figures.findall(text_of(county.get("/o/bishan/units/qinggang")))
    on_township = figures.findall(text_of(officer.get("/o/qinggang/")))
    assert from_county[0] == on_township[0]  # children on the roll, never small here


def test_duty_figures_are_kept_for_a_while_when_asked(
    app: Flask, demo_day: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = []
    real_board = duties.duty_board

    def counted_board(*args, **kwargs):
        runs.append(1)
        return real_board(*args, **kwargs)

    monkeypatch.setattr(duties, "duty_board", counted_board)
    with app_session(app) as session:
        township = session.scalar(select(OrgUnit).where(OrgUnit.slug == "qinggang"))
        first = Rollup(session, township, DEMO_TODAY, duty_max_age=60)
        again = Rollup(session, township, DEMO_TODAY, duty_max_age=60)
        assert len(runs) == 3  # once per school, then kept
        assert again.root.figures == first.root.figures
        Rollup(session, township, DEMO_TODAY)  # not kept: counted afresh
        assert len(runs) == 6
