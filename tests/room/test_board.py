"""The sign-in board (签到板): one tap signs a child in, another signs them out, a child in
another room moves in one tap, "closing" signs everyone out in one tap, and every tap can be
undone from its toast. A tap sent twice is one tap; everything works without JavaScript."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.care.people import class_children, switch_to
from tests.helpers import forms_in, log_in, text_of
from tests.room.board import (
    HTMX_BOARD,
    KEEPER_PHONE,
    actions,
    board_uid,
    board_url,
    open_board,
    open_in,
    room_id,
    tap,
    undo,
    visits,
)
from webapp.demo.data import VOLUNTEER_PHONE


@pytest.fixture
def keeper(client: FlaskClient) -> FlaskClient:
    log_in(client, KEEPER_PHONE)
    return client


def test_one_tap_signs_a_child_in_and_another_signs_them_out(
    app: Flask, keeper: FlaskClient
) -> None:
    reading = room_id(app)
    child = class_children(app)[0]
    found = open_board(keeper, reading, q=child["name"])
    assert f'value="i{child["id"]}"' in found and "三年级一班" in found

    signed_in = tap(keeper, reading, f"i{child['id']}")
    assert signed_in.status_code == 303 and "done=" in signed_in.headers["Location"]
    board = text_of(keeper.get(signed_in.headers["Location"]))
    assert f"{child['name']} 已签到" in board and "撤销" in board
    assert f'value="o{child["id"]}"' in board  # now a tile of "here now"
    assert [v["open"] for v in visits(app, child["id"])][-1:] == [True]

    signed_out = tap(keeper, reading, f"o{child['id']}")
    assert signed_out.status_code == 303
    assert f"{child['name']} 已签退" in text_of(keeper.get(signed_out.headers["Location"]))
    assert child["id"] not in open_in(app, reading)


def test_the_board_answers_in_place_with_the_count_and_an_undo_toast(
    app: Flask, keeper: FlaskClient
) -> None:
    reading = room_id(app)
    first, second = class_children(app)[:2]
    tap(keeper, reading, f"i{first['id']}")
    response = tap(keeper, reading, f"i{second['id']}", htmx=True)
    page = text_of(response)
    assert response.status_code == 200 and "<html" not in page
    assert page.startswith('\n<div id="board">') or '<div id="board">' in page[:40]
    assert '<span class="count">2</span>' in page
    assert f"{second['name']} 已签到" in page and "撤销" in page


def test_a_tap_sent_twice_is_one_tap(app: Flask, keeper: FlaskClient) -> None:
    reading = room_id(app)
    child = class_children(app)[0]
    before_visits = len(visits(app, child["id"]))
    uid = board_uid(open_board(keeper, reading))
    first = tap(keeper, reading, f"i{child['id']}", uid=uid)
    again = tap(keeper, reading, f"i{child['id']}", uid=uid)
    assert first.headers["Location"] == again.headers["Location"]
    assert len(visits(app, child["id"])) == before_visits + 1
    assert open_in(app, reading) == [child["id"]]
    before = actions(app, reading)

    uid = board_uid(open_board(keeper, reading))
    tap(keeper, reading, f"o{child['id']}", uid=uid, htmx=True)
    tap(keeper, reading, f"o{child['id']}", uid=uid, htmx=True)
    assert actions(app, reading) == before + 1 and open_in(app, reading) == []

    for other in class_children(app)[1:3]:
        tap(keeper, reading, f"i{other['id']}")
    uid = board_uid(open_board(keeper, reading))
    tap(keeper, reading, "close", uid=uid)
    tap(keeper, reading, "close", uid=uid)
    assert actions(app, reading) == before + 4 and open_in(app, reading) == []


def test_the_same_tile_twice_on_one_board_is_still_one_visit(
    app: Flask, keeper: FlaskClient
) -> None:
    """A second tap with another board's uid finds the child already in: nothing new."""
    reading = room_id(app)
    child = class_children(app)[0]
    tap(keeper, reading, f"i{child['id']}")
    again = tap(keeper, reading, f"i{child['id']}", htmx=True)
    assert f"{child['name']} 已经在这里了" in text_of(again)
    assert len([v for v in visits(app, child["id"]) if v["open"]]) == 1


def test_signing_in_elsewhere_moves_the_child_in_one_tap(app: Flask, keeper: FlaskClient) -> None:
    reading, music = room_id(app), room_id(app, "音乐室")
    child = class_children(app)[0]
    tap(keeper, reading, f"i{child['id']}")
    found = open_board(keeper, music, q=child["name"])
    assert "阅览室" in found  # the tile says where the child is now
    moved = tap(keeper, music, f"i{child['id']}", htmx=True)
    assert f"{child['name']} 从阅览室来到这里" in text_of(moved)
    assert open_in(app, reading) == [] and open_in(app, music) == [child["id"]]
    assert [v["open"] for v in visits(app, child["id"]) if v["room_id"] == reading][-1] is False


def test_closing_signs_everyone_out_in_one_tap_and_undo_brings_them_back(
    app: Flask, keeper: FlaskClient
) -> None:
    reading = room_id(app)
    children = class_children(app)[:3]
    for child in children:
        tap(keeper, reading, f"i{child['id']}")
    closed = tap(keeper, reading, "close", htmx=True)
    page = text_of(closed)
    assert "3 名儿童已签退" in page and open_in(app, reading) == []
    back = undo(keeper, page, htmx=True)
    assert "已撤销" in text_of(back)
    assert open_in(app, reading) == sorted(c["id"] for c in children)


def test_undo_reverses_a_sign_in_a_sign_out_and_a_move(app: Flask, keeper: FlaskClient) -> None:
    reading, music = room_id(app), room_id(app, "音乐室")
    child = class_children(app)[0]
    before = len(visits(app, child["id"]))

    page = text_of(tap(keeper, reading, f"i{child['id']}", htmx=True))
    undo(keeper, page, htmx=True)
    assert len(visits(app, child["id"])) == before  # the tap by mistake never happened

    tap(keeper, reading, f"i{child['id']}")
    page = text_of(tap(keeper, reading, f"o{child['id']}", htmx=True))
    undo(keeper, page, htmx=True)
    assert open_in(app, reading) == [child["id"]]

    page = text_of(tap(keeper, music, f"i{child['id']}", htmx=True))
    undone = undo(keeper, page)  # without JavaScript: back to the board
    assert undone.status_code == 303
    assert open_in(app, reading) == [child["id"]] and open_in(app, music) == []
    again = undo(keeper, page)  # an undo sent twice changes nothing more
    assert again.status_code == 303 and open_in(app, reading) == [child["id"]]


def test_undo_is_refused_once_the_child_has_left(app: Flask, keeper: FlaskClient) -> None:
    reading = room_id(app)
    child = class_children(app)[0]
    signed_in = text_of(tap(keeper, reading, f"i{child['id']}", htmx=True))
    tap(keeper, reading, f"o{child['id']}")
    refused = undo(keeper, signed_in, htmx=True)
    assert "没有撤销" in text_of(refused)
    assert len([v for v in visits(app, child["id"]) if v["on"]]) >= 1


def test_the_board_is_plain_forms_without_javascript(app: Flask, keeper: FlaskClient) -> None:
    reading = room_id(app)
    child = class_children(app)[0]
    tap(keeper, reading, f"i{child['id']}")
    page = open_board(keeper, reading)
    board_form = next(f for f in forms_in(page) if f["action"].endswith("/tap"))
    assert board_form["method"] == "post"
    assert {"csrf_token", "uid", "tap"} <= set(board_form["inputs"])
    start = next(f for f in forms_in(page) if f["action"].endswith("/self-service"))
    assert start["method"] == "post" and "csrf_token" in start["inputs"]


def test_the_partials_stay_under_4_kb(app: Flask, keeper: FlaskClient) -> None:
    """A full after-school room and a search: what a weak signal carries in one answer."""
    reading = room_id(app)
    children = [
        child
        for name in ("三年级一班", "三年级二班", "四年级一班")
        for child in class_children(app, name)
    ]
    for child in children[:20]:
        tap(keeper, reading, f"i{child['id']}")
    answer = tap(keeper, reading, f"i{children[20]['id']}", htmx=True, q="z")
    assert answer.status_code == 200 and '<span class="count">21</span>' in text_of(answer)
    assert len(answer.data) < 4096, len(answer.data)
    search = keeper.get(board_url(reading), query_string={"q": "l"}, headers=HTMX_BOARD)
    assert len(search.data) < 4096, len(search.data)
    closed = tap(keeper, reading, "close", htmx=True)
    assert len(closed.data) < 4096
    assert len(undo(keeper, text_of(closed), htmx=True).data) < 4096


def test_a_teacher_runs_only_the_room_she_keeps(app: Flask, client: FlaskClient) -> None:
    from tests.care.people import user_id
    from tests.conftest import app_session
    from webapp.room.models import Room

    reading, music = room_id(app), room_id(app, "音乐室")
    log_in(client, "13800000002")  # 王丽, a class teacher
    assert client.get(board_url(reading)).status_code == 404
    assert "音乐室" not in text_of(client.get("/s/yangguang/room/"))
    with app_session(app, "yangguang") as session:
        session.get(Room, music).keeper_id = user_id(app, "13800000002")
    assert client.get(board_url(music)).status_code == 200
    assert client.get(board_url(reading)).status_code == 404
    rooms = text_of(client.get("/s/yangguang/room/"))
    assert "音乐室" in rooms and "阅览室" not in rooms
    child = class_children(app, "三年级二班")[0]  # not her class: the board finds every child
    assert f'value="i{child["id"]}"' in open_board(client, music, q=child["name"])


def test_who_has_no_board(app: Flask, client: FlaskClient) -> None:
    reading = room_id(app)
    switch_to(client, VOLUNTEER_PHONE)
    assert client.get(board_url(reading)).status_code == 404  # as if there were no room
    assert client.get("/s/yangguang/room/").status_code == 403
