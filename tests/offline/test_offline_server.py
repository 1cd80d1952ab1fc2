"""What the phone's outbox relies on from the server: a fresh CSRF token (401 once the login
has ended), the time an entry was filled in kept apart from when it arrived and checked, the
service worker served at the root with only the shell to keep, and the home-visit pack."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.test_talk import child_of, talk, talk_url
from tests.conftest import app_session
from tests.helpers import text_of
from webapp.care.models import CareKind, CareRecord
from webapp.children.models import Child
from webapp.core.audit import AuditEvent
from webapp.core.i18n import SCHOOL_TIMEZONE

pytestmark = pytest.mark.usefixtures("without_demo_care")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def records_of(app: Flask, child_id: int) -> list[tuple[datetime, datetime]]:
    """The child's talks as (happened_at, created_at)."""
    with app_session(app, "yangguang") as session:
        return list(
            session.execute(
                select(CareRecord.happened_at, CareRecord.created_at).where(
                    CareRecord.child_id == child_id, CareRecord.kind == CareKind.TALK
                )
            )
        )


def test_the_csrf_token_is_fresh_for_the_user_and_refused_once_logged_out(
    client: FlaskClient, teacher: FlaskClient
) -> None:
    answer = teacher.get("/csrf")
    assert answer.status_code == 200
    token = answer.get_json()["token"]
    assert token and answer.get_json()["user"]
    assert answer.headers["Cache-Control"] == "no-store"
    teacher.post("/logout", data={"csrf_token": token})
    assert teacher.get("/csrf").status_code == 401


def test_a_talk_kept_offline_keeps_the_time_it_was_filled_in(
    app: Flask, teacher: FlaskClient
) -> None:
    child_id, _name = child_of(app)
    today = datetime.now(SCHOOL_TIMEZONE).date()
    captured = datetime.combine(today, datetime.min.time(), tzinfo=SCHOOL_TIMEZONE).replace(
        hour=0, minute=30
    )
    if captured > datetime.now(UTC):  # pragma: no cover - the first half hour of the day
        captured -= timedelta(days=1)
    form = talk(teacher, child_id, captured_at=iso(captured), happened_on=captured.date())
    answer = teacher.post(talk_url(child_id), data=form)
    assert answer.status_code == 303
    [(happened_at, created_at)] = records_of(app, child_id)
    assert happened_at == captured  # when it happened: on the phone
    assert created_at > captured  # when it was recorded: on arrival
    # Sent again (the replay was cut off before its answer came back): still one record.
    assert teacher.post(talk_url(child_id), data=form).status_code == 303
    assert len(records_of(app, child_id)) == 1


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (timedelta(hours=1), "手机时钟"),
        (-timedelta(hours=73), "72"),
        (None, "表单已损坏"),
    ],
)
def test_a_captured_time_in_the_future_too_old_or_garbled_is_refused_with_the_values_kept(
    app: Flask, teacher: FlaskClient, offset: timedelta | None, message: str
) -> None:
    child_id, _name = child_of(app)
    captured = "yesterday-ish" if offset is None else iso(datetime.now(UTC) + offset)
    form = talk(teacher, child_id, captured_at=captured, notes="奶奶说他最近睡得晚。")
    answer = teacher.post(
        talk_url(child_id), data=form, headers={"HX-Request": "true", "HX-Target": "care-entry"}
    )
    assert answer.status_code == 422
    page = text_of(answer)
    errors = " ".join(re.findall(r'<p class="error">([^<]*)</p>', page))
    assert message in errors
    assert "奶奶说他最近睡得晚。" in page
    assert records_of(app, child_id) == []


def test_the_service_worker_keeps_only_the_shell_and_is_served_at_the_root(
    client: FlaskClient,
) -> None:
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert answer.headers["Service-Worker-Allowed"] == "/"
    assert answer.headers["Cache-Control"] == "no-cache"
    source = text_of(answer)
    shell = json.loads(re.search(r"var SHELL = (\[.*?\]);", source).group(1))
    assert shell[-1] == "/offline"
    assert all(url.startswith("/static/") for url in shell[:-1])
    assert not any("/s/" in url for url in shell)  # no school page, so no child, is kept
    assert "__VERSION__" not in source


def test_the_offline_page_names_nobody(app: Flask, teacher: FlaskClient) -> None:
    page = text_of(teacher.get("/offline"))
    assert "王丽" not in page and "阳光小学" not in page
    assert 'data-user=""' in page
    assert "立即同步" in page


def test_the_pack_carries_the_minimal_card_and_the_quick_forms_and_is_logged(
    app: Flask, teacher: FlaskClient
) -> None:
    child_id, name = child_of(app)
    assert name in text_of(teacher.get("/s/yangguang/offline/pack"))
    answer = teacher.get(f"/s/yangguang/offline/pack.json?child_id={child_id}")
    assert answer.status_code == 200
    pack = answer.get_json()
    [card] = pack["children"]
    assert set(card) == {"id", "name", "class", "phone", "forms"}
    assert card["name"] == name
    assert "*" in card["phone"]
    # The visit, a talk, a parent contact and a family call, each sent like any kept form.
    actions = re.findall(r'<form[^>]*action="([^"]+)"[^>]*data-offline', card["forms"])
    assert actions == [
        f"/s/yangguang/care/records/new/{kind}?child_id={child_id}"
        for kind in ("home_visit", "talk", "parent_contact", "family_call")
    ]
    with app_session(app, "yangguang") as session:
        child = session.get(Child, child_id)
        adults = [p.name for p in child.parents] + [g.name for g in child.guardians]
        phones = [p.phone for p in child.parents if p.phone]
    assert adults and not any(adult in card["forms"] for adult in adults)  # relations only
    assert not any(phone in json.dumps(pack) for phone in phones)
    made = datetime.fromisoformat(pack["made"])
    assert datetime.fromisoformat(pack["expires"]) - made == timedelta(days=7)
    with app_session(app, "yangguang") as session:
        logged = session.scalars(
            select(AuditEvent).where(AuditEvent.subject == "home_visit_pack")
        ).all()
        assert [event.child_id for event in logged] == [child_id]


def test_the_pack_holds_only_the_teachers_own_children(app: Flask, teacher: FlaskClient) -> None:
    other_id, _name = child_of(app, "一年级一班")
    answer = teacher.get(f"/s/yangguang/offline/pack.json?child_id={other_id}")
    assert answer.status_code == 400


def test_only_the_quick_entries_may_be_kept_on_the_phone(app: Flask, teacher: FlaskClient) -> None:
    child_id, _name = child_of(app)
    for kind, kept in (("talk", True), ("home_visit", True), ("growth", False)):
        page = text_of(teacher.get(f"/s/yangguang/care/records/new/{kind}?child_id={child_id}"))
        assert ("data-offline" in page) is kept, kind


def test_counselling_incidents_and_plans_are_never_kept_on_the_phone(
    app: Flask, principal: FlaskClient
) -> None:
    """Their forms are never offline forms, so nothing of them goes into the outbox, and their
    pages (and the child's card, which lists them) are never kept on the phone: only a page
    marked data-keep is (the pack holds the quick forms only: see the pack's test above)."""
    child_id, _name = child_of(app)
    pages = {
        "counselling": f"/s/yangguang/care/records/new/counselling?child_id={child_id}",
        "incident": "/s/yangguang/incidents/new",
        "plan": f"/s/yangguang/plans/children/{child_id}/new",
    }
    for what, url in pages.items():
        answer = principal.get(url)
        assert answer.status_code == 200, what
        assert "data-offline" not in text_of(answer), what
        assert "data-keep" not in text_of(answer), what
    card = text_of(principal.get(f"/s/yangguang/children/{child_id}"))
    assert "data-keep" not in card
    talk = text_of(principal.get(f"/s/yangguang/care/records/new/talk?child_id={child_id}"))
    assert "data-keep" in talk and "data-offline" in talk  # a quick form's own page is kept
