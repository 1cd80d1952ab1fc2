"""A family call (亲情电话/视频) from the children's home in two taps: the child in the room
now, then how long. The record is a care record of its kind, made once."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient

from tests.care.entry import child_with_guardian, records_of
from tests.helpers import log_in, text_of
from tests.room.board import KEEPER_PHONE, board_url, room_id, tap
from webapp.care.models import CareKind, Channel


class RenderedForm(HTMLParser):
    """The values a browser would send for the first form: hidden inputs and checked radios."""

    def __init__(self) -> None:
        super().__init__()
        self.action, self.values, self.buttons, self.done = None, {}, [], False

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if self.done:
            return
        if tag == "form" and self.action is None:
            self.action = a.get("action")
        elif tag == "input" and self.action is not None:
            if a.get("type") == "hidden" or (a.get("type") == "radio" and "checked" in a):
                self.values[a["name"]] = a.get("value", "")
        elif tag == "button" and a.get("name"):
            self.buttons.append((a["name"], a["value"]))

    def handle_endtag(self, tag) -> None:
        if tag == "form" and self.action is not None:
            self.done = True


def rendered(html: str) -> RenderedForm:
    form = RenderedForm()
    form.feed(html)
    return form


def test_a_family_call_in_two_taps_from_the_children_in_the_room(
    app: Flask, client: FlaskClient
) -> None:
    phone_room = room_id(app, "亲情电话室")
    child = child_with_guardian(app)
    log_in(client, KEEPER_PHONE)
    tap(client, phone_room, f"i{child['id']}")
    board = text_of(client.get(board_url(phone_room)))
    pick_url = re.search(r'href="([^"]+/family-call)"', board)[1]
    taps = 0

    pick = text_of(client.get(pick_url))
    child_link = re.search(rf'href="([^"]+child_id={child["id"]})"', pick)[1]
    entry = text_of(client.get(child_link.replace("&amp;", "&")))
    taps += 1
    form = rendered(entry)
    assert ("minutes_pick", "10") in form.buttons
    assert form.values["person"].startswith(("guardian.", "parent."))  # preset, changeable
    assert form.values["channel"] == "video"
    saved = client.post(form.action, data=form.values | {"minutes_pick": "10"})
    taps += 1

    assert taps == 2 and saved.status_code == 303
    (record,) = records_of(app, child["id"], CareKind.FAMILY_CALL)
    assert record["minutes"] == 10 and record["channel"] == Channel.VIDEO
    page = text_of(client.get(saved.headers["Location"]))
    assert "亲情电话" in page and "10 分钟" in page and "张秀英" in page


def test_the_same_call_sent_twice_is_one_record_and_answers_in_place(
    app: Flask, client: FlaskClient
) -> None:
    phone_room = room_id(app, "亲情电话室")
    child = child_with_guardian(app)
    log_in(client, KEEPER_PHONE)
    url = f"/s/yangguang/room/rooms/{phone_room}/family-call?child_id={child['id']}"
    form = rendered(text_of(client.get(url)))
    headers = {"HX-Request": "true", "HX-Target": "call-entry"}
    first = client.post(form.action, data=form.values | {"minutes_pick": "5"}, headers=headers)
    again = client.post(form.action, data=form.values | {"minutes_pick": "5"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert "已保存" in text_of(first) and "<html" not in text_of(first)
    assert len(first.data) < 4096
    assert len(records_of(app, child["id"], CareKind.FAMILY_CALL)) == 1


def test_the_call_picker_finds_a_child_by_pinyin_initials(app: Flask, client: FlaskClient) -> None:
    phone_room = room_id(app, "亲情电话室")
    child = child_with_guardian(app)
    log_in(client, KEEPER_PHONE)
    from tests.conftest import app_session
    from webapp.children.models import Child

    with app_session(app, "yangguang") as session:
        initials = session.get(Child, child["id"]).name_initials
    found = client.get(
        f"/s/yangguang/room/rooms/{phone_room}/family-call",
        query_string={"q": initials},
        headers={"HX-Request": "true", "HX-Target": "call-pick"},
    )
    assert f"child_id={child['id']}" in text_of(found) and len(found.data) < 4096
