"""A write-off is asked by the keeper, signed by a department head and approved by the
principal; until the principal approves, the item stays in the ledger. Nothing is deleted."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient

from tests.assets.conftest import BASE, HX, codes_on, flashed, head, item_by_code, item_of
from tests.care.people import post, switch_to
from tests.helpers import text_of


def ask(client: FlaskClient, app: Flask, name: str, reason: str) -> str:
    found = item_of(app, name)
    form = text_of(client.get(f"{BASE}/write-offs/new", query_string={"code": found["code"]}))
    assert f'<input checked id="take_{found["id"]}"' in form  # the item asked for is ticked
    response = post(
        client,
        f"{BASE}/write-offs/new",
        {
            "uid": str(uuid.uuid4()),
            "code": found["code"],
            f"take_{found['id']}": "y",
            f"pieces_{found['id']}": "1",
            f"reason_{found['id']}": reason,
        },
    )
    assert response.status_code == 303, text_of(response)
    return response.headers["Location"]


def demo_write_off(client: FlaskClient) -> str:
    """The accordion's write-off, signed by the head and waiting for the principal."""
    listed = text_of(client.get(f"{BASE}/write-offs/"))
    return re.search(rf'"({BASE}/write-offs/\d+)"', listed).group(1)


def in_active_ledger(client: FlaskClient, code: str) -> bool:
    listed = client.get(
        f"{BASE}/", query_string={"q": code}, headers=HX | {"HX-Target": "ledger-list"}
    )
    return code in codes_on(text_of(listed))


def test_a_write_off_leaves_the_ledger_only_when_the_principal_approves(
    app: Flask, client: FlaskClient
) -> None:
    switch_to(client, "13800000003")
    projector = item_of(app, "投影仪")
    url = ask(client, app, "投影仪", "灯泡烧坏，维修费高于原值")
    assert in_active_ledger(client, projector["code"])
    assert client.get(f"{url}").status_code == 200
    refused = post(client, f"{url}/sign", {})  # the keeper cannot countersign her own request
    assert refused.status_code == 403
    head(client)
    assert "已签字" in flashed(client, post(client, f"{url}/sign", {"step": "requested"}))
    again = post(client, f"{url}/sign", {"step": "requested"})  # a double tap: nothing more
    assert again.status_code == 303 and "待校长审批" in flashed(client, again)
    assert in_active_ledger(client, projector["code"])  # signed, not approved: still there
    switch_to(client, "13800000001")
    approve = {"decision": "approve", "step": "signed"}
    assert "已批准" in flashed(client, post(client, f"{url}/sign", approve))
    assert post(client, f"{url}/sign", approve).status_code == 303
    item = item_by_code(app, projector["code"])
    assert not item.in_ledger
    assert not in_active_ledger(client, projector["code"])
    written_off = text_of(client.get(f"{BASE}/", query_string={"state": "written_off"}))
    assert projector["code"] in written_off
    history = text_of(client.get(f"{BASE}/i/{projector['code']}"))
    assert "已报废" in history and "已申请报废" in history and "登记入账" in history


def test_the_demo_write_off_waits_for_the_principal_and_the_accordion_stays(
    app: Flask, client: FlaskClient
) -> None:
    switch_to(client, "13800000003")
    accordion = item_of(app, "手风琴（48贝司）")
    assert in_active_ledger(client, accordion["code"])
    page = text_of(client.get(f"{BASE}/write-offs/"))
    assert "待校长审批" in page
    switch_to(client, "13800000001")
    assert "1 张报废单等您审批" in text_of(client.get("/s/yangguang/"))


def test_a_rejected_write_off_keeps_the_item(app: Flask, client: FlaskClient) -> None:
    switch_to(client, "13800000001")
    accordion = item_of(app, "手风琴（48贝司）")
    url = demo_write_off(client)
    page = flashed(client, post(client, f"{url}/sign", {"decision": "reject", "note": "先送修"}))
    assert "已驳回：物品仍在台账中。" in page and "先送修" in page
    assert item_by_code(app, accordion["code"]).in_ledger


def test_a_drafted_write_off_is_sent_by_the_keeper_with_its_reasons(
    app: Flask, keeper: FlaskClient
) -> None:
    book = item_of(app, "爱的教育")
    url = ask(keeper, app, "爱的教育", "封面破损严重")
    page = text_of(keeper.get(url))
    assert "封面破损严重" in page and "待部门负责人签字" in page
    again = text_of(keeper.get(f"{BASE}/write-offs/new", query_string={"code": book["code"]}))
    assert book["code"] not in codes_on(again)  # already on a write-off waiting for a decision


def test_the_printable_form_has_signature_lines(app: Flask, keeper: FlaskClient) -> None:
    url = demo_write_off(keeper)
    page = text_of(keeper.get(f"{url}/print"))
    assert "资产报废申请表" in page and "手风琴（48贝司）" in page
    assert page.count('class="signature"') == 3
    assert "张秀英" in page and "陈德明" in page and "¥1200.00" in page
