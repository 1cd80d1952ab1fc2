"""Retention: cards of children who left more than three years ago are anonymised by a
command, unless on hold; a second run changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select

from tests.conftest import app_session
from tests.privacy.conftest import child_in
from webapp.children.models import Child, ChildStatus, ChildStatusChange, StatusKind
from webapp.core.audit import AuditEvent
from webapp.core.i18n import local_today
from webapp.privacy import retention


def leave(app: Flask, child_id: int, on: date) -> None:
    with app_session(app, "yangguang") as session:
        child = session.get(Child, child_id)
        session.add(
            ChildStatusChange(
                child_id=child_id,
                kind=StatusKind.ENROLMENT,
                from_value=child.status.value,
                to_value=ChildStatus.GRADUATED.value,
                effective_on=on,
            )
        )
        child.status = ChildStatus.GRADUATED


def run(app: Flask, *args: str):
    with app.app_context():
        return app.test_cli_runner().invoke(
            args=["retention-anonymise", "--tenant", "yangguang", *args]
        )


def test_cards_of_children_gone_three_years_are_anonymised_unless_held(
    app: Flask, transaction: None
) -> None:
    long_gone, held, recent = (child_in(app, "六年级一班", n) for n in (0, 1, 2))
    years_ago = local_today() - timedelta(days=3 * 365 + 10)
    leave(app, long_gone["id"], years_ago)
    leave(app, held["id"], years_ago)
    leave(app, recent["id"], local_today() - timedelta(days=2 * 365))
    with app.app_context():
        hold = app.test_cli_runner().invoke(
            args=["retention-hold", "yangguang", str(held["id"]), "监护权纠纷未结"]
        )
    assert hold.exit_code == 0, hold.output

    dry = run(app, "--dry-run")
    assert "yangguang: 1 cards due" in dry.output
    with app_session(app, "yangguang") as session:
        assert session.get(Child, long_gone["id"]).name == long_gone["name"]

    result = run(app)
    assert result.exit_code == 0, result.output
    assert "yangguang: 1 cards anonymised" in result.output
    with app_session(app, "yangguang") as session:
        gone = session.get(Child, long_gone["id"])
        assert gone.name == "已匿名"
        assert gone.id_number is None and gone.address is None and gone.allergies is None
        assert gone.birth_date.month == 1 and gone.birth_date.day == 1
        assert all(p.name is None and p.phone is None for p in gone.parents)
        assert all(g.name == "已匿名" and g.phone is None for g in gone.guardians)
        assert session.get(Child, held["id"]).name == held["name"]
        assert session.get(Child, recent["id"]).name == recent["name"]
        logged = session.scalar(
            select(AuditEvent.fields_json).where(
                AuditEvent.child_id == long_gone["id"], AuditEvent.reason.like("retention%")
            )
        )
        assert logged == '["anonymised"]'
    assert "yangguang: 0 cards anonymised" in run(app).output


def test_the_cutoff_is_three_years_to_the_day() -> None:
    assert retention.cutoff(date(2026, 11, 27)) == date(2023, 11, 27)
    assert retention.cutoff(date(2028, 2, 29)) == date(2025, 2, 28)
