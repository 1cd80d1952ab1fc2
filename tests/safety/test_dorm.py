"""The boarders' dorm: rooms and beds set up by the dorm supervisor, the nightly headcount by
room (exceptions first, then "the others are in the room"), and a boarder not accounted for
alerting the dorm supervisor, the class teacher and the safety lead at once."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.safety.sheet import (
    DORM_SUPERVISOR,
    HTMX_HEADCOUNT,
    SAFETY_LEAD,
    SCHOOL,
    TEACHER,
    alerts_for,
    children_of,
    read_sheet,
    send,
    user_id,
)
from webapp.children.models import Child
from webapp.safety import service
from webapp.safety.models import (
    BedAssignment,
    DayPart,
    DormMark,
    DormRoom,
    DormStatus,
    LeaveKind,
    SafetyAlertKind,
)

TODAY = "/s/yangguang/"
DORM = "/s/yangguang/safety/dorm/"


def new_room(client: FlaskClient, name: str = "女生203", beds: int = 2) -> tuple[int, dict]:
    """Add a room through its form; (the room's id, what was sent)."""
    data = {
        "csrf_token": csrf_token(client, DORM),
        "uid": str(uuid.uuid4()),
        "name": name,
        "building": "宿舍楼",
        "beds": str(beds),
    }
    response = client.post(f"{DORM}rooms/new", data=data)
    assert response.status_code == 303, text_of(response)
    return int(re.search(r"/dorm/(\d+)/beds", response.headers["Location"]).group(1)), data


def give_bed(client: FlaskClient, room_id: int, child_id: int, bed: str):
    return client.post(
        f"{DORM}{room_id}/beds",
        data={
            "csrf_token": csrf_token(client, DORM),
            "uid": str(uuid.uuid4()),
            "child_id": str(child_id),
            "bed": bed,
        },
    )


@pytest.fixture
def boarders(app: Flask, transaction: None) -> list[dict]:
    """Two children of 王丽's class who board from today (the demo's boarders are older)."""
    chosen = children_of(app)[:2]
    with app_session(app, SCHOOL) as session:
        for child in chosen:
            session.get(Child, child["id"]).is_boarder = True
    return chosen


@pytest.fixture
def room(app: Flask, client: FlaskClient, boarders: list[dict], on_demo_day: date) -> int:
    """女生203 with 王丽's two boarders in beds 1 and 2; the dorm supervisor is logged in."""
    switch_to(client, DORM_SUPERVISOR)
    room_id, _data = new_room(client)
    for bed, child in enumerate(boarders, start=1):
        assert give_bed(client, room_id, child["id"], str(bed)).status_code == 303
    return room_id


def test_the_dorm_supervisor_sets_up_a_room_and_its_beds(
    app: Flask, client: FlaskClient, boarders: list[dict], on_demo_day: date
) -> None:
    switch_to(client, DORM_SUPERVISOR)
    room_id, data = new_room(client)
    again = client.post(f"{DORM}rooms/new", data=data)  # a double tap
    assert again.headers["Location"].endswith(f"/dorm/{room_id}/beds")
    clash = client.post(f"{DORM}rooms/new", data={**data, "uid": str(uuid.uuid4())})
    assert clash.status_code == 422 and "已有同名寝室。" in text_of(clash)

    page = text_of(client.get(f"{DORM}{room_id}/beds"))
    assert all(child["name"] in page for child in boarders)  # boarders without a bed
    first, second = boarders
    assert give_bed(client, room_id, first["id"], "1").status_code == 303
    taken = give_bed(client, room_id, second["id"], "1")
    assert taken.status_code == 422 and "这张床已有其他住校生。" in text_of(taken)
    assert give_bed(client, room_id, second["id"], "2").status_code == 303

    with app_session(app, SCHOOL) as session:
        other = session.scalars(select(Child).where(Child.is_boarder.is_(False))).first()
        other.is_boarder = True
        other_id = other.id
    full = give_bed(client, room_id, other_id, "3")
    assert full.status_code == 422 and "这间寝室的床位已满。" in text_of(full)

    with app_session(app, SCHOOL) as session:
        bed_id = session.scalar(
            select(BedAssignment.id).where(BedAssignment.child_id == first["id"])
        )
    client.post(f"{DORM}beds/{bed_id}/end", data={"csrf_token": csrf_token(client, DORM)})
    with app_session(app, SCHOOL) as session:
        held = session.scalar(
            select(func.count())
            .select_from(BedAssignment)
            .where(BedAssignment.room_id == room_id, BedAssignment.ends_on.is_(None))
        )
        assert held == 1  # moved out; the history is kept


def test_a_headcount_takes_the_exceptions_then_the_rest(
    app: Flask, client: FlaskClient, boarders: list[dict], room: int, on_demo_day: date
) -> None:
    first, second = boarders
    page = text_of(client.get(f"{DORM}{room}"))
    assert "其余在寝" in page and "1号床" in page
    response = send(client, f"{DORM}{room}", {first["id"]: "missing"}, headers=HTMX_HEADCOUNT)
    assert response.status_code == 200 and len(response.get_data()) < 4096
    answer = text_of(response)
    assert "查寝已保存" in answer and "已通知宿管、班主任和安全负责人。" in answer
    with app_session(app, SCHOOL) as session:
        marks = dict(
            session.execute(
                select(DormMark.child_id, DormMark.status).where(
                    DormMark.child_id.in_([first["id"], second["id"]])
                )
            ).all()
        )
    assert marks == {first["id"]: DormStatus.MISSING, second["id"]: DormStatus.IN_ROOM}


def test_a_boarder_not_accounted_for_alerts_three_people_at_once(
    app: Flask, client: FlaskClient, boarders: list[dict], room: int, on_demo_day: date
) -> None:
    lost = boarders[0]
    send(client, f"{DORM}{room}", {lost["id"]: "missing"})
    alerts = [
        a for a in alerts_for(app, lost["id"]) if a["kind"] == SafetyAlertKind.MISSING_AT_NIGHT
    ]
    assert sorted(a["recipient_id"] for a in alerts) == sorted(
        user_id(app, phone) for phone in (DORM_SUPERVISOR, TEACHER, SAFETY_LEAD)
    )
    for phone in (DORM_SUPERVISOR, TEACHER, SAFETY_LEAD):
        switch_to(client, phone)
        page = text_of(client.get(TODAY))
        first_section = re.search(r"<section[^>]*>(.*?)</section>", page, re.S)
        assert 'id="safety-alerts"' in first_section.group(0)  # the top of the page
        top = first_section.group(1)
        assert lost["name"] in top and "查寝未归，去向不明" in top and "女生203" in top

    # 王丽 notes hers; the others still see theirs.
    switch_to(client, TEACHER)
    alert_id = re.search(r'id="safety-alert-(\d+)"', text_of(client.get(TODAY))).group(1)
    client.post(
        f"/s/yangguang/safety/alerts/{alert_id}/acknowledge",
        data={"csrf_token": csrf_token(client, TODAY)},
    )
    assert "查寝未归" not in text_of(client.get(TODAY))
    switch_to(client, SAFETY_LEAD)
    assert "查寝未归" in text_of(client.get(TODAY))
    assert (
        client.post(
            f"/s/yangguang/safety/alerts/{alert_id}/acknowledge",
            data={"csrf_token": csrf_token(client, TODAY)},
        ).status_code
        == 404
    )  # not hers to note


def test_a_boarder_found_shows_as_found_on_the_alert(
    app: Flask, client: FlaskClient, boarders: list[dict], room: int, on_demo_day: date
) -> None:
    lost = boarders[0]
    send(client, f"{DORM}{room}", {lost["id"]: "missing"})
    send(client, f"{DORM}{room}", {lost["id"]: "in_room"})  # back at 21:30
    top = text_of(client.get(TODAY)).split('id="safety"')[0]
    assert lost["name"] in top and "已找到" in top


def test_a_boarder_on_leave_tonight_is_preset(
    app: Flask, client: FlaskClient, boarders: list[dict], room: int, on_demo_day: date
) -> None:
    first, second = boarders
    with app_session(app, SCHOOL) as session:
        for child, part in ((first, DayPart.NIGHT), (second, DayPart.MORNING)):
            service.record_leave(
                session,
                uid=uuid.uuid4(),
                child=session.get(Child, child["id"]),
                kind=LeaveKind.PERSONAL,
                starts_on=on_demo_day,
                days=1,
                part=part,
                asked_by="爸爸（电话）",
                reason=None,
                actor_id=None,
            )
    form = read_sheet(text_of(client.get(f"{DORM}{room}")))
    assert form.values[f"s{first['id']}"] == "on_leave"
    assert f"s{second['id']}" not in form.values  # a morning leave: back for the night
    send(client, f"{DORM}{room}")
    assert not [
        a for a in alerts_for(app, first["id"]) if a["kind"] == SafetyAlertKind.MISSING_AT_NIGHT
    ]


def test_the_dorm_supervisor_sees_tonights_rooms_on_her_today_page(
    app: Flask, client: FlaskClient, room: int, on_demo_day: date
) -> None:
    page = text_of(client.get(TODAY))
    assert "查寝 · 女生203" in page and "尚未查寝" in page
    send(client, f"{DORM}{room}")
    assert "已查寝" in text_of(client.get(TODAY)).split("女生203")[1][:200]


def test_class_teachers_do_not_take_the_headcount(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    with app_session(app, SCHOOL) as session:
        room_id = session.scalar(select(DormRoom.id).order_by(DormRoom.id))
    assert teacher.get(f"{DORM}{room_id}").status_code == 404  # as if there were no room
    assert teacher.get(DORM).status_code == 403
