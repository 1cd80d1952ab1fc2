"""The school dashboard on the demo's day: every figure counted again here with queries of our
own, each linked to its list where the viewer may open one, and closed to a class teacher."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import app_session
from tests.helpers import log_in, text_of
from tests.reports.conftest import School
from tests.reports.expected import expected_counts, figures_on
from webapp.assets.models import Loan
from webapp.care import duties
from webapp.care.models import CareRecord
from webapp.children.models import Child, LeftBehindType, ParentSituation
from webapp.demo.care import DEMO_TODAY
from webapp.demo.data import SAFETY_LEAD_PHONE
from webapp.incidents.models import Incident
from webapp.room.models import SignIn

PAGE = "/s/yangguang/reports/dashboard/"
PRINCIPAL = "13800000001"
WANG_LI = "13800000002"
ROLL = ("active", "transfer_pending")


def first_left_behind(session) -> Child:
    return session.scalars(
        select(Child)
        .where(Child.status == "active", Child.left_behind_type != LeftBehindType.NONE)
        .order_by(Child.id)
    ).first()


def card_is_complete(child: Child) -> bool:
    """The rule the page states, written out again: ID number, class, address, where both
    parents are, a working-away parent's phone and city, and someone at home with a phone."""
    parents = list(child.parents)
    if not (child.id_number and child.class_id and child.address) or len(parents) < 2:
        return False
    if any(p.situation == ParentSituation.UNKNOWN for p in parents):
        return False
    if any(
        p.situation == ParentSituation.WORKING_AWAY and not (p.phone and p.work_city)
        for p in parents
    ):
        return False
    guardians = [g for g in child.guardians if g.ended_on is None and g.phone]
    at_home = [p for p in parents if p.situation == ParentSituation.AT_HOME and p.phone]
    return bool(guardians or at_home)


def expected_dashboard(session, today: date, first: date, last: date) -> dict[str, int]:
    counts = expected_counts(session, first, last, today)
    wanted = (
        "on_roll",
        "left_behind",
        "both_parents",
        "one_parent",
        "civil",
        "migrant",
        "needy",
        "gifted",
        "special_needs",
        "paired",
        "unpaired",
    )
    found = {key: counts[key] for key in wanted}
    on_roll = list(session.scalars(select(Child).where(Child.status.in_(ROLL))))
    found["in_difficulty"] = sum(bool(c.difficulty_types) for c in on_roll)
    left = [c for c in on_roll if c.left_behind_type != LeftBehindType.NONE]
    found["archive_complete"] = sum(card_is_complete(c) for c in left)
    found["follow_ups_overdue"] = session.scalar(
        select(func.count(CareRecord.id)).where(
            CareRecord.amends_id.is_(None),
            CareRecord.kind != "counselling",
            CareRecord.follow_up_sealed.is_not(None),
            CareRecord.follow_up_done_on.is_(None),
            CareRecord.follow_up_due < today,
        )
    )
    found["open_incidents"] = session.scalar(
        select(func.count(Incident.id)).where(Incident.closed_at.is_(None))
    )
    monday = today - timedelta(days=today.weekday())
    days = list(session.scalars(select(SignIn.signed_in_on).where(SignIn.signed_in_on <= today)))
    found["sign_ins_week"] = sum(monday <= d for d in days)
    found["sign_ins_month"] = sum(d.year == today.year and d.month == today.month for d in days)
    loans = list(session.scalars(select(Loan.due_on).where(Loan.returned_at.is_(None))))
    found["loans_out"] = len(loans)
    found["loans_overdue"] = sum(d < today for d in loans)
    board = duties.duty_board(session, today)  # the engine's own verdict, as on the board
    found["duties_overdue"] = sum(s.state == duties.State.OVERDUE for s in board.statuses)
    return found


def test_every_figure_on_the_dashboard_is_counted_again_here(
    app: Flask, school: School, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL)
    html = text_of(client.get(PAGE))
    with app_session(app, "yangguang") as session:
        expected = expected_dashboard(session, DEMO_TODAY, school.first, school.last)
    shown = figures_on(html)
    assert shown == expected
    # Something on each line to count: a figure that is always 0 could not fail.
    nonzero = ("left_behind", "paired", "unpaired", "follow_ups_overdue", "sign_ins_week")
    assert all(expected[key] > 0 for key in nonzero), expected
    assert expected["sign_ins_month"] >= expected["sign_ins_week"]


def test_the_figures_link_to_the_lists_behind_them(school: School, client: FlaskClient) -> None:
    log_in(client, PRINCIPAL)
    html = text_of(client.get(PAGE))
    for href in (
        f"/s/yangguang/reports/figures/left_behind?term_id={school.term_id}",
        f"/s/yangguang/reports/figures/paired?term_id={school.term_id}",
        f"/s/yangguang/reports/figures/unpaired?term_id={school.term_id}",
        f"/s/yangguang/reports/figures/civil?term_id={school.term_id}",
        "/s/yangguang/reports/figures/room_visits?month=2026-11",
        "/s/yangguang/care/coverage",
        "/s/yangguang/incidents/",
        "/s/yangguang/assets/loans/?overdue=1",
        "/s/yangguang/children/?care=left_behind&amp;incomplete=1",
        "/s/yangguang/reports/coverage/",
    ):
        assert f'href="{href}"' in html, href
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def test_an_incomplete_card_lowers_the_archive_rate_by_one(
    app: Flask, school: School, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL)
    before = figures_on(text_of(client.get(PAGE)))
    with app_session(app, "yangguang") as session:
        first_left_behind(session).address = None
    after = figures_on(text_of(client.get(PAGE)))
    assert after["archive_complete"] == before["archive_complete"] - 1
    assert after["left_behind"] == before["left_behind"]


def test_the_safety_lead_sees_the_figures_but_not_the_leaders_lists(
    school: School, client: FlaskClient
) -> None:
    log_in(client, SAFETY_LEAD_PHONE)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = text_of(response)
    assert "left_behind" in figures_on(html)
    assert "/reports/figures/" not in html  # the trace pages are the leaders' (reports.documents)
    assert 'href="/s/yangguang/incidents/"' in html


def test_a_class_teacher_cannot_open_the_dashboard(school: School, client: FlaskClient) -> None:
    log_in(client, WANG_LI)
    assert client.get(PAGE).status_code == 403
    assert "/reports/dashboard/" not in text_of(client.get("/s/yangguang/reports/"))


def test_the_dashboard_is_reachable_from_today_and_the_reports_index(
    school: School, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL)
    assert f'href="{PAGE}"' in text_of(client.get("/s/yangguang/"))
    assert f'href="{PAGE}"' in text_of(client.get("/s/yangguang/reports/"))
