"""What the safety tests share: the demo's class and people, a roll call or headcount page read
the way a browser sends it, and the marks as the database holds them."""

from __future__ import annotations

from datetime import date, datetime, time
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.conftest import app_session
from webapp.auth.service import find_user_by_phone
from webapp.children.models import Child, LeftBehindType, SchoolClass
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.safety import queries
from webapp.safety.models import DayPart, RollCall, RollCallMark, SafetyAlert

SCHOOL = "yangguang"
CLASS = "三年级一班"  # 王丽's class
TEACHER = "13800000002"  # 王丽
PRINCIPAL = "13800000001"  # 李建国
SAFETY_LEAD = "13900000190"  # 何志刚
DORM_SUPERVISOR = "13900000191"  # 杨桂芳
HTMX_ROLL_CALL = {"HX-Request": "true", "HX-Target": "roll-call"}
HTMX_HEADCOUNT = {"HX-Request": "true", "HX-Target": "headcount"}


def beijing(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SCHOOL_TIMEZONE)


def user_id(app: Flask, phone: str) -> int:
    with app_session(app) as session:
        return find_user_by_phone(session, phone).id


def class_id(app: Flask, name: str = CLASS, slug: str = SCHOOL) -> int:
    with app_session(app, slug) as session:
        return session.scalar(select(SchoolClass.id).where(SchoolClass.name == name))


def children_of(app: Flask, name: str = CLASS, slug: str = SCHOOL) -> list[dict]:
    """The children of a class as the page lists them (plain facts copied out)."""
    with app_session(app, slug) as session:
        rows = session.scalars(
            select(Child)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.name == name)
            .order_by(Child.name_pinyin, Child.name, Child.id)
        )
        return [
            {
                "id": c.id,
                "name": c.name,
                "left_behind": c.left_behind_type != LeftBehindType.NONE,
                "boarder": c.is_boarder,
            }
            for c in rows
        ]


def roll_call_url(class_id: int, day: date | None = None, part: DayPart | None = None) -> str:
    query = []
    if day is not None:
        query.append(f"day={day.isoformat()}")
    if part is not None:
        query.append(f"part={part.value}")
    return f"/s/{SCHOOL}/safety/roll-calls/{class_id}" + ("?" + "&".join(query) if query else "")


class SheetFormReader(HTMLParser):
    """The values a browser sends from the page's sheet form: its hidden inputs and the
    radios that are checked, nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.action: str | None = None
        self.values: dict[str, str] = {}
        self.radios: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and "sheet-form" in (attributes.get("class") or ""):
            self.inside, self.action = True, attributes.get("action")
        elif tag == "input" and self.inside:
            name, kind = attributes.get("name"), attributes.get("type")
            if kind == "radio":
                self.radios.setdefault(name, []).append(attributes.get("value"))
                if "checked" in attributes:
                    self.values[name] = attributes.get("value") or ""
            elif name:
                self.values[name] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def read_sheet(html: str) -> SheetFormReader:
    reader = SheetFormReader()
    reader.feed(html)
    assert reader.action, "the page has no sheet form"
    return reader


def sheet_form(client: FlaskClient, url: str) -> tuple[str, dict[str, str]]:
    """(where the form goes, what it sends as it stands) of a roll call or headcount page."""
    reader = read_sheet(client.get(url).get_data(as_text=True))
    return reader.action, dict(reader.values)


def send(
    client: FlaskClient, url: str, taps: dict[int, str] | None = None, **kwargs
) -> TestResponse:
    """Open the page, tap the exceptions (child id → status), send the form."""
    action, values = sheet_form(client, url)
    for child_id, status in (taps or {}).items():
        values[f"s{child_id}"] = status
    return client.post(action, data=values, **kwargs)


def marks_of(app: Flask, class_id: int, day: date, part: DayPart = DayPart.MORNING) -> dict:
    """Child id → status of a class's roll call, as saved."""
    with app_session(app, SCHOOL) as session:
        rows = session.execute(
            select(RollCallMark.child_id, RollCallMark.status)
            .join(RollCall, RollCall.id == RollCallMark.roll_call_id)
            .where(RollCall.class_id == class_id, RollCall.day == day, RollCall.part == part)
        ).all()
        return {child_id: status for child_id, status in rows}


def on_leave(app: Flask, day: date, part: DayPart = DayPart.MORNING) -> set[int]:
    with app_session(app, SCHOOL) as session:
        return queries.on_leave(session, day, part)


def alerts_for(app: Flask, child_id: int, slug: str = SCHOOL) -> list[dict]:
    with app_session(app, slug) as session:
        return [
            {
                "kind": a.kind,
                "recipient_id": a.recipient_id,
                "open": a.closed_at is None,
                "roll_call_mark_id": a.roll_call_mark_id,
                "dorm_mark_id": a.dorm_mark_id,
            }
            for a in session.scalars(
                select(SafetyAlert).where(SafetyAlert.child_id == child_id).order_by(SafetyAlert.id)
            )
        ]
