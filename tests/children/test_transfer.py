"""Transfers: a card moves to another school of the deployment only when that school accepts;
the sending school keeps its record; nothing of the card shows before acceptance."""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.children.test_card import class_child, post
from tests.conftest import app_session
from tests.helpers import log_in, text_of
from webapp.care import service as care_service
from webapp.care.models import CareKind
from webapp.children import service
from webapp.children.models import (
    Child,
    ChildStatus,
    ChildTransfer,
    Guardian,
    LeftBehindType,
    ParentRelation,
    ParentSituation,
    SchoolClass,
    TransferStatus,
)
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.crypto import mask_id_number

HONGXING_PRINCIPAL = "13900000101"
TRANSFER_LINK = re.compile(r'href="/s/hongxing/transfers/(\d+)"')


def hongxing_principal(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, HONGXING_PRINCIPAL)
    return client


def send_to_hongxing(principal: FlaskClient, child_id: int, note: str = "随父母搬到镇上"):
    return post(
        principal,
        f"/s/yangguang/transfers/children/{child_id}/send",
        {"school": "hongxing", "note": note},
    )


def waiting_transfer_id(client: FlaskClient) -> int:
    links = TRANSFER_LINK.findall(text_of(client.get("/s/hongxing/transfers/")))
    assert links, "no transfer waiting at 红星小学"
    return int(links[-1])


def hongxing_class_id(app: Flask) -> int:
    with app_session(app, "hongxing") as session:
        return session.scalar(select(SchoolClass.id).order_by(SchoolClass.id).limit(1))


def cards_with_name(app: Flask, slug: str, name: str) -> list[tuple[int, ChildStatus]]:
    with app_session(app, slug) as session:
        rows = session.execute(select(Child.id, Child.status).where(Child.name == name)).all()
        return [(row.id, row.status) for row in rows]


def test_a_child_moves_to_another_school_only_when_it_accepts(
    app: Flask, principal: FlaskClient
) -> None:
    child = class_child(app)
    assert send_to_hongxing(principal, child["id"]).status_code == 303

    card = text_of(principal.get(f"/s/yangguang/children/{child['id']}"))
    assert "等待红星小学接收" in card
    other = hongxing_principal(app)
    assert "1名学生等待转入本校" in text_of(other.get("/s/hongxing/"))
    transfer_id = waiting_transfer_id(other)
    waiting = text_of(other.get(f"/s/hongxing/transfers/{transfer_id}"))
    assert child["name"] in waiting and "随父母搬到镇上" in waiting
    # Nothing of the card before acceptance: not even the masked ID number.
    assert mask_id_number(child["id_number"]) not in waiting
    assert cards_with_name(app, "hongxing", child["name"]) == []

    response = post(
        other,
        f"/s/hongxing/transfers/{transfer_id}/accept",
        {"class_id": hongxing_class_id(app), "effective_on": "2026-11-30"},
    )
    assert response.status_code == 303
    [(new_id, status)] = cards_with_name(app, "hongxing", child["name"])
    assert status == ChildStatus.ACTIVE
    with app_session(app, "hongxing") as session:
        received = session.get(Child, new_id)
        assert received.id_number == child["id_number"]
        assert received.parent(ParentRelation.FATHER).phone == child["father_phone"]
        assert received.class_id == hongxing_class_id(app)
        assert session.scalar(
            select(func.count()).select_from(Guardian).where(Guardian.child_id == new_id)
        )
    with app_session(app, "yangguang") as session:
        sent = session.get(Child, child["id"])
        assert sent.status == ChildStatus.TRANSFERRED
        assert sent.status_changes[0].other_tenant.slug == "hongxing"
    # The sending school keeps its record, among the children who left.
    left = text_of(principal.get("/s/yangguang/children/", query_string={"left": "1"}))
    assert f'href="/s/yangguang/children/{child["id"]}"' in left


def test_the_receiving_school_reads_the_earlier_history_masked_and_logged(
    app: Flask, principal: FlaskClient
) -> None:
    child = class_child(app, left_behind_type=LeftBehindType.BOTH_PARENTS)
    with app_session(app, "yangguang") as session:
        father = session.get(Child, child["id"]).parent(ParentRelation.FATHER)
        service.update_parent(session, father, actor_id=None, situation=ParentSituation.AT_HOME)
    send_to_hongxing(principal, child["id"])
    other = hongxing_principal(app)
    transfer_id = waiting_transfer_id(other)
    post(
        other,
        f"/s/hongxing/transfers/{transfer_id}/accept",
        {"class_id": hongxing_class_id(app), "effective_on": "2026-11-30"},
    )
    [(new_id, _status)] = cards_with_name(app, "hongxing", child["name"])
    card = text_of(other.get(f"/s/hongxing/children/{new_id}"))
    assert f'href="/s/hongxing/transfers/{transfer_id}"' in card
    assert "阳光小学" in card

    copy = text_of(other.get(f"/s/hongxing/transfers/{transfer_id}"))
    assert "原学校档案" in copy and "三年级一班" in copy
    assert mask_id_number(child["id_number"]) in copy
    assert child["id_number"] not in copy and child["father_phone"] not in copy
    assert "关爱类别：双亲外出 → 单亲外出" in copy  # the history as the first school kept it
    with app_session(app, "hongxing") as session:
        actions = set(
            session.scalars(select(AuditEvent.action).where(AuditEvent.child_id == new_id))
        )
    assert {AuditAction.TRANSFER_IN, AuditAction.VIEW} <= actions
    with app_session(app, "yangguang") as session:
        sent_out = session.scalars(
            select(AuditEvent.action).where(AuditEvent.child_id == child["id"])
        ).all()
    assert AuditAction.TRANSFER_OUT in sent_out


def test_a_double_tap_on_accept_makes_one_card(app: Flask, principal: FlaskClient) -> None:
    child = class_child(app)
    send_to_hongxing(principal, child["id"])
    other = hongxing_principal(app)
    transfer_id = waiting_transfer_id(other)
    for _ in range(2):
        post(
            other,
            f"/s/hongxing/transfers/{transfer_id}/accept",
            {"class_id": hongxing_class_id(app), "effective_on": "2026-11-30"},
        )
    assert len(cards_with_name(app, "hongxing", child["name"])) == 1


def test_a_declined_transfer_leaves_the_child_at_school_with_the_reason(
    app: Flask, principal: FlaskClient
) -> None:
    child = class_child(app)
    send_to_hongxing(principal, child["id"])
    other = hongxing_principal(app)
    transfer_id = waiting_transfer_id(other)

    refused = post(other, f"/s/hongxing/transfers/{transfer_id}/decline", {"reason": ""})
    assert refused.status_code == 422
    assert "请说明原因" in text_of(refused)

    declined = post(
        other, f"/s/hongxing/transfers/{transfer_id}/decline", {"reason": "本校该年级已满员"}
    )
    assert declined.status_code == 303
    with app_session(app, "yangguang") as session:
        assert session.get(Child, child["id"]).status == ChildStatus.ACTIVE
    card = text_of(principal.get(f"/s/yangguang/children/{child['id']}"))
    assert "本校该年级已满员" in card
    assert cards_with_name(app, "hongxing", child["name"]) == []


def test_the_sender_can_take_a_transfer_back_before_it_is_accepted(
    app: Flask, principal: FlaskClient
) -> None:
    child = class_child(app)
    send_to_hongxing(principal, child["id"])
    response = post(principal, f"/s/yangguang/transfers/children/{child['id']}/cancel", {})
    assert response.status_code == 303
    with app_session(app, "yangguang") as session:
        assert session.get(Child, child["id"]).status == ChildStatus.ACTIVE
    with app_session(app, "hongxing") as session:
        statuses = session.scalars(
            select(ChildTransfer.status).where(ChildTransfer.child_name == child["name"])
        ).all()
    assert statuses == [TransferStatus.CANCELLED]
    other = hongxing_principal(app)
    assert child["name"] not in text_of(other.get("/s/hongxing/transfers/"))


def test_a_school_that_already_has_the_child_is_told_so(app: Flask, principal: FlaskClient) -> None:
    child = class_child(app)
    send_to_hongxing(principal, child["id"])
    other = hongxing_principal(app)
    transfer_id = waiting_transfer_id(other)
    with app_session(app, "hongxing") as session:
        session.scalars(select(Child).limit(1)).first().id_number = child["id_number"]
    response = post(
        other,
        f"/s/hongxing/transfers/{transfer_id}/accept",
        {"class_id": hongxing_class_id(app), "effective_on": "2026-11-30"},
    )
    assert response.status_code == 422
    assert "本校已有使用该身份证号的档案" in text_of(response)
    assert cards_with_name(app, "hongxing", child["name"]) == []


def test_sending_needs_a_school_and_keeps_the_note(app: Flask, principal: FlaskClient) -> None:
    child = class_child(app)
    response = post(
        principal,
        f"/s/yangguang/transfers/children/{child['id']}/send",
        {"school": "yangguang", "note": "家长要求转学"},
    )
    assert response.status_code == 422
    html = text_of(response)
    assert "请选择本系统内的另一所学校" in html and "家长要求转学" in html
    with app_session(app, "yangguang") as session:
        assert session.get(Child, child["id"]).status == ChildStatus.ACTIVE


def test_the_school_search_answers_a_small_fragment(app: Flask, principal: FlaskClient) -> None:
    child = class_child(app)
    url = f"/s/yangguang/transfers/children/{child['id']}/send"
    fragment = principal.get(
        url,
        query_string={"q": "红星"},
        headers={"HX-Request": "true", "HX-Target": "school-choices"},
    )
    html = text_of(fragment)
    assert 'value="hongxing"' in html and "<html" not in html
    assert 'value="yangguang"' not in text_of(principal.get(url, query_string={"q": "阳光"}))


def test_a_class_teacher_cannot_transfer(app: Flask, teacher: FlaskClient) -> None:
    child = class_child(app)
    # refused on a child: the answer of a child that does not exist
    assert send_to_hongxing(teacher, child["id"]).status_code == 404
    with app_session(app, "yangguang") as session:
        assert session.get(Child, child["id"]).status == ChildStatus.ACTIVE


def test_a_child_who_comes_back_returns_to_the_card_kept_here(
    app: Flask, principal: FlaskClient
) -> None:
    child = class_child(app)
    send_to_hongxing(principal, child["id"])
    other = hongxing_principal(app)
    post(
        other,
        f"/s/hongxing/transfers/{waiting_transfer_id(other)}/accept",
        {"class_id": hongxing_class_id(app), "effective_on": "2026-11-30"},
    )
    [(hongxing_id, _status)] = cards_with_name(app, "hongxing", child["name"])
    post(other, f"/s/hongxing/transfers/children/{hongxing_id}/send", {"school": "yangguang"})
    back_link = re.search(
        rf'href="/s/yangguang/transfers/(\d+)">\s*'
        rf'<span class="main"><span class="title">{child["name"]}<',
        text_of(principal.get("/s/yangguang/transfers/")),
    )
    response = post(
        principal,
        f"/s/yangguang/transfers/{back_link.group(1)}/accept",
        {"class_id": child["class_id"], "effective_on": "2027-03-01"},
    )
    assert response.headers["Location"].endswith(f"/s/yangguang/children/{child['id']}")
    assert cards_with_name(app, "yangguang", child["name"]) == [(child["id"], ChildStatus.ACTIVE)]
    assert cards_with_name(app, "hongxing", child["name"]) == [
        (hongxing_id, ChildStatus.TRANSFERRED)
    ]


def test_another_schools_transfer_is_not_found(app: Flask) -> None:
    """The demo's transfers wait at 阳光小学; 红星小学, which sent them, cannot open or decide
    them under its own address."""
    with app_session(app, "yangguang") as session:
        transfer_ids = session.scalars(select(ChildTransfer.id)).all()
    assert transfer_ids
    other = hongxing_principal(app)
    for transfer_id in transfer_ids:
        assert other.get(f"/s/hongxing/transfers/{transfer_id}").status_code == 404
        response = post(
            other, f"/s/hongxing/transfers/{transfer_id}/decline", {"reason": "不是我们的"}
        )
        assert response.status_code == 404


def test_care_records_travel_with_the_card_but_counselling_stays(
    app: Flask, principal: FlaskClient
) -> None:
    child = class_child(app)
    with app_session(app, "yangguang") as session:
        card = session.get(Child, child["id"])
        for kind, notes in (
            (CareKind.TALK, "谈到想念妈妈"),
            (CareKind.COUNSELLING, "辅导内容保密"),
        ):
            care_service.record_care(
                session,
                uid=uuid.uuid4(),
                child=card,
                kind=kind,
                author_id=None,
                happened_on=date(2026, 11, 2),
                notes=notes,
            )
    send_to_hongxing(principal, child["id"])
    other = hongxing_principal(app)
    transfer_id = waiting_transfer_id(other)
    post(
        other,
        f"/s/hongxing/transfers/{transfer_id}/accept",
        {"class_id": hongxing_class_id(app), "effective_on": "2026-11-30"},
    )
    copy = text_of(other.get(f"/s/hongxing/transfers/{transfer_id}"))
    assert "谈到想念妈妈" in copy and "谈心" in copy
    assert "辅导内容保密" not in copy
