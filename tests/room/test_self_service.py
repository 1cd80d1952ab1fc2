"""Self sign-in (自助签到): the keeper's phone on the table, each child taps their own name.
The mode shows names and classes and nothing else, and only the keeper's password ends it."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.care.people import class_children
from tests.helpers import csrf_token, log_in, text_of
from tests.room.board import KEEPER_PHONE, board_uid, board_url, open_in, room_id, visits
from webapp.demo import DEMO_PASSWORD

SELF = "/s/yangguang/room/self"
HTMX_SELF = {"HX-Request": "true", "HX-Target": "self-board"}


def start(app: Flask, client: FlaskClient, room: int) -> None:
    log_in(client, KEEPER_PHONE)
    token = csrf_token(client, board_url(room))
    response = client.post(f"{board_url(room)}self-service", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/room/self")


def class_id_of(page: str, name: str) -> int:
    return int(re.search(rf'href="/s/yangguang/room/self\?class_id=(\d+)"[^>]*>{name}<', page)[1])


def self_tap(client: FlaskClient, page: str, value: str, **kwargs):
    data = {"csrf_token": csrf_token(client, SELF), "uid": board_uid(page), "tap": value}
    return client.post(f"{SELF}/tap", data=data, **kwargs)


def test_a_child_taps_their_own_name_to_sign_in_and_again_to_leave(
    app: Flask, client: FlaskClient
) -> None:
    reading = room_id(app)
    start(app, client, reading)
    classes = text_of(client.get(SELF))
    assert "三年级一班" in classes and "欢迎来到阅览室" in classes
    child = class_children(app)[0]
    names = text_of(client.get(SELF, query_string={"class_id": class_id_of(classes, "三年级一班")}))
    assert f'value="i{child["id"]}"' in names and child["name"] in names

    signed_in = self_tap(client, names, f"i{child['id']}", headers=HTMX_SELF)
    assert f"{child['name']} 已签到" in text_of(signed_in)
    assert visits(app, child["id"])[-1] == {
        "room_id": reading,
        "open": True,
        "self_service": True,
        "on": visits(app, child["id"])[-1]["on"],
    }
    again = self_tap(client, text_of(signed_in), f"o{child['id']}")  # without JavaScript
    assert again.status_code == 303 and "/room/self?class_id=" in again.headers["Location"]
    assert open_in(app, reading) == []


def test_the_mode_shows_names_and_classes_and_nothing_else_of_the_card(
    app: Flask, client: FlaskClient
) -> None:
    start(app, client, room_id(app))
    classes = text_of(client.get(SELF))
    page = text_of(client.get(SELF, query_string={"class_id": class_id_of(classes, "三年级一班")}))
    links = set(re.findall(r'href="([^"]+)"', page))
    assert not [link for link in links if "/children/" in link or "/care/" in link]
    for hidden in ("身份证", "留守", "监护人", "电话", "岁", 'class="tabbar"', "退出登录"):
        assert hidden not in page, hidden
    assert "*" not in re.sub(r"<[^>]+>", "", page)  # no masked number either


def test_every_other_page_leads_back_to_the_names_until_the_keeper_ends_the_mode(
    app: Flask, client: FlaskClient
) -> None:
    reading = room_id(app)
    start(app, client, reading)
    for url in ("/s/yangguang/", "/s/yangguang/children/", board_url(reading), "/me"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(SELF), url
    classes = text_of(client.get(SELF))
    names = text_of(client.get(SELF, query_string={"class_id": class_id_of(classes, "三年级一班")}))
    child = class_children(app)[0]
    self_tap(client, names, f"i{child['id']}")
    assert self_tap(client, names, "close").status_code == 400  # a child signs out only themselves
    assert open_in(app, reading) == [child["id"]]
    token = csrf_token(client, SELF)

    wrong = client.post(f"{SELF}/leave", data={"csrf_token": token, "password": "1234"})
    assert wrong.status_code == 422 and "这不是管理员的密码。" in text_of(wrong)
    assert client.get("/s/yangguang/").status_code == 302
    right = client.post(f"{SELF}/leave", data={"csrf_token": token, "password": DEMO_PASSWORD})
    assert right.status_code == 303 and right.headers["Location"].endswith(board_url(reading))
    assert client.get("/s/yangguang/").status_code == 200
