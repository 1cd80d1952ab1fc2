"""A keeper of one school never lists, finds or signs in another school's children: every
picker, chip list and partial of the children's home and the meetings is tried with 红星小学's
names and ids by 阳光小学's staff, and nothing changes there."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from tests.room.board import HTMX_BOARD, KEEPER_PHONE, board_uid, board_url, open_board, room_id
from tests.test_cross_tenant import fingerprint
from webapp.children.models import Child, SchoolClass
from webapp.room.models import RoomAction


def stranger(app: Flask) -> dict:
    """A child of 红星小学 on the roll, with a name no 阳光小学 child has."""
    with app_session(app, "yangguang") as session:
        ours = set(session.scalars(select(Child.name)))
    with app_session(app, "hongxing") as session:
        child = next(
            c for c in session.scalars(select(Child).order_by(Child.id)) if c.name not in ours
        )
        return {
            "id": child.id,
            "name": child.name,
            "initials": child.name_initials,
            "class_id": child.class_id,
            "class_name": session.get(SchoolClass, child.class_id).name,
        }


def test_no_picker_chip_list_or_partial_shows_another_schools_child(
    app: Flask, client: FlaskClient
) -> None:
    other = stranger(app)
    reading, phone_room = room_id(app), room_id(app, "亲情电话室")
    log_in(client, KEEPER_PHONE)
    for text in (other["name"], other["initials"]):
        for response in (
            client.get(board_url(reading), query_string={"q": text}),
            client.get(board_url(reading), query_string={"q": text}, headers=HTMX_BOARD),
            client.get(f"{board_url(phone_room)}family-call", query_string={"q": text}),
            client.get(
                f"{board_url(phone_room)}family-call",
                query_string={"q": text},
                headers={"HX-Request": "true", "HX-Target": "call-pick"},
            ),
        ):
            page = text_of(response)
            assert response.status_code == 200 and "没有找到" in page  # the search's own echo
            assert f'i{other["id"]}"' not in page and f'child_id={other["id"]}"' not in page


def test_another_schools_ids_are_refused_by_every_quick_action(
    app: Flask, client: FlaskClient
) -> None:
    other = stranger(app)
    reading = room_id(app)
    before = fingerprint(app, "hongxing")
    log_in(client, KEEPER_PHONE)
    token = csrf_token(client, board_url(reading))
    uid = board_uid(open_board(client, reading))
    for value in (f"i{other['id']}", f"o{other['id']}"):
        for headers in (None, HTMX_BOARD):
            response = client.post(
                f"{board_url(reading)}tap",
                data={"csrf_token": token, "uid": uid, "tap": value},
                headers=headers,
            )
            assert response.status_code == 404
    call = f"{board_url(room_id(app, '亲情电话室'))}family-call?child_id={other['id']}"
    assert client.get(call).status_code == 404
    assert client.post(call, data={"csrf_token": token, "minutes_pick": "5"}).status_code == 404
    with app_session(app, "hongxing") as session:
        their_action = session.scalars(select(RoomAction.uid)).first()
    assert (
        client.post(
            f"/s/yangguang/room/actions/{their_action}/undo", data={"csrf_token": token}
        ).status_code
        == 404
    )

    client.post(f"{board_url(reading)}self-service", data={"csrf_token": token})
    assert (
        client.get(
            "/s/yangguang/room/self", query_string={"class_id": other["class_id"]}
        ).status_code
        == 404
    )
    self_uid = board_uid(
        text_of(client.get("/s/yangguang/room/self?class_id=" + str(_own_class(app))))
    )
    assert (
        client.post(
            "/s/yangguang/room/self/tap",
            data={"csrf_token": token, "uid": self_uid, "tap": f"i{other['id']}"},
        ).status_code
        == 404
    )
    assert fingerprint(app, "hongxing") == before


def _own_class(app: Flask) -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(select(SchoolClass.id).where(SchoolClass.name == "三年级一班"))


def test_meeting_chips_never_hold_another_schools_families(app: Flask, client: FlaskClient) -> None:
    other = stranger(app)
    before = fingerprint(app, "hongxing")
    switch_to(client, "13800000001")
    new = "/s/yangguang/families/meetings/new"
    assert client.get(new, query_string={"class_id": other["class_id"]}).status_code == 404
    page = text_of(client.get(new, query_string={"class_id": _own_class(app)}))
    assert other["name"] not in page
    token = csrf_token(client, "/me")
    slipped = client.post(
        f"{new}?class_id={_own_class(app)}",
        data={
            "csrf_token": token,
            "uid": "9a0c1a1e-3a3b-4a0e-9f0e-0e0e0e0e0e0e",
            "title": "家长会",
            "kind": "parent_meeting",
            "happened_on": "2026-11-20",
            "families": [str(other["id"])],
        },
    )
    assert slipped.status_code == 422  # not one of the chips offered
    assert fingerprint(app, "hongxing") == before
