"""Pickups at dismissal: a tap on the child, a tap on the person; who comes most often first;
someone allowed for one day; after-school care and a day at home; the live count; and a
dismissal that does not close while a child is unaccounted for."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import delete, select

from tests.care.demo_day import freeze_today
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from tests.transport.people import (
    KG,
    PANEL,
    PICKUPS,
    class_id_of,
    kid_with_grandparent,
    kids_of,
    new_uid,
    releases_of,
    switch_to,
    uid_in,
)
from webapp.children.models import Guardian, GuardianKind, GuardianRelation, SchoolClass
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.files import store_photo
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.safety.models import DayPart, Leave, LeaveKind
from webapp.transport.models import Dismissal, Release, ReleaseKind

GRANDPARENTS = {
    "grandmother": "奶奶",
    "grandfather": "爷爷",
    "maternal_grandmother": "外婆",
    "maternal_grandfather": "外公",
}


def panel_url(class_id: int, child_id: int) -> str:
    return f"{PICKUPS}/classes/{class_id}?child_id={child_id}"


def release(client: FlaskClient, child_id: int, uid: str | None = None, **choice) -> object:
    return client.post(
        f"{PICKUPS}/children/{child_id}/release",
        data={"csrf_token": csrf_token(client, "/me"), "uid": uid or new_uid(), **choice},
    )


def account_for_everyone(client: FlaskClient, app: Flask, but: set[int] = frozenset()) -> None:
    for kid in kids_of(app):
        if kid.id not in but:
            assert release(client, kid.id, kind="after_care").status_code == 303


def test_the_teacher_finds_her_class_board_from_the_today_page(
    app: Flask, kg_teacher: FlaskClient
) -> None:
    class_id = class_id_of(app)
    today = text_of(kg_teacher.get(f"/s/{KG}/"))
    assert f"/pickups/classes/{class_id}" in today
    assert "接送 · 大班 · 22 人未接" in today
    board = kg_teacher.get(f"{PICKUPS}/")  # her only class: straight to its board
    assert board.status_code == 302 and board.headers["Location"].endswith(f"/classes/{class_id}")
    page = text_of(kg_teacher.get(f"{PICKUPS}/classes/{class_id}"))
    assert "<strong>22</strong> 人未接（共 22 人）" in page
    assert page.count('form="pick" name="child_id"') == 22


def test_a_grandparent_on_the_list_collects_the_child_in_two_taps(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kid = kid_with_grandparent(app)
    with app_session(app, KG) as session:
        grandparent = next(
            g
            for g in (session.get(Guardian, i) for i in kid.guardian_ids)
            if g.relation.value.endswith(("grandmother", "grandfather"))
        )
        name, phone = grandparent.name, grandparent.phone
        relation = GRANDPARENTS[grandparent.relation.value]
        grandparent_id = grandparent.id
    panel = kg_teacher.get(panel_url(kid.class_id, kid.id), headers=PANEL)  # tap 1: the child
    html = text_of(panel)
    assert panel.status_code == 200 and html.startswith('<div id="pickup"')
    assert name in html and relation in html
    assert phone not in html and f"{phone[:3]}****{phone[-4:]}" in html  # masked

    answer = kg_teacher.post(  # tap 2: the grandparent
        f"{PICKUPS}/children/{kid.id}/release",
        data={
            "csrf_token": csrf_token(kg_teacher, "/me"),
            "uid": uid_in(html),
            "person": f"guardian.{grandparent_id}",
        },
        headers=PANEL,
    )
    board = text_of(answer)
    assert answer.status_code == 200 and board.startswith('<div id="pickup"')
    assert answer.headers["HX-Push-Url"] == f"{PICKUPS}/classes/{kid.class_id}"
    assert f"{kid.name}已由{name}（{relation}）接走。" in board
    assert "<strong>21</strong> 人未接（共 22 人）" in board
    assert re.search(rf'value="{kid.id}">{kid.name}<small>{relation} \d\d:\d\d</small>', board)
    assert releases_of(app, kid.id, on_demo_day) == [("collected", grandparent_id, None, False)]
    with app_session(app, KG) as session:
        logged = session.scalars(
            select(AuditEvent).where(
                AuditEvent.subject == "pickup_release", AuditEvent.child_id == kid.id
            )
        ).all()
        assert [(e.action, e.fields) for e in logged] == [(AuditAction.CREATE, ["collected"])]


def test_without_javascript_the_same_taps_are_forms_and_redirects(
    app: Flask, kg_teacher: FlaskClient
) -> None:
    kid = kids_of(app)[0]
    page = text_of(kg_teacher.get(f"{PICKUPS}/classes/{kid.class_id}"))
    assert f'<form id="pick" method="get" action="{PICKUPS}/classes/{kid.class_id}"' in page
    panel = text_of(kg_teacher.get(panel_url(kid.class_id, kid.id)))
    assert (
        "<html" in panel and f'method="post" action="{PICKUPS}/children/{kid.id}/release"' in panel
    )
    answer = release(
        kg_teacher, kid.id, uid=uid_in(panel), person=f"guardian.{kid.guardian_ids[0]}"
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/pickups/classes/{kid.class_id}")
    assert "已由" in text_of(kg_teacher.get(answer.headers["Location"]))


def test_the_person_who_comes_most_often_is_offered_first(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kid = next(k for k in kids_of(app) if len(k.guardian_ids) >= 2)
    first, second = kid.guardian_ids[0], kid.guardian_ids[1]
    with app_session(app, KG) as session:
        session.execute(delete(Release).where(Release.child_id == kid.id))
        for days in range(1, 6):  # the second comes five times, the first once
            day = on_demo_day - timedelta(days=days)
            session.add(
                Release(child_id=kid.id, day=day, kind=ReleaseKind.COLLECTED, guardian_id=second)
            )
        session.add(
            Release(
                child_id=kid.id,
                day=on_demo_day - timedelta(days=8),
                kind=ReleaseKind.COLLECTED,
                guardian_id=first,
            )
        )
    html = text_of(kg_teacher.get(panel_url(kid.class_id, kid.id)))
    offered = re.findall(r'name="person" value="guardian\.(\d+)"', html)
    assert offered[:2] == [str(second), str(first)]


def test_a_guardian_added_with_permission_to_collect_is_offered_at_once(
    app: Flask, kg_teacher: FlaskClient
) -> None:
    kid = kids_of(app)[1]
    with app_session(app, KG) as session:
        uncle = Guardian(
            child_id=kid.id,
            kind=GuardianKind.CARETAKER,
            name="周大勇",
            relation=GuardianRelation.UNCLE,
            may_pick_up=True,
        )
        session.add(uncle)
        session.flush()
        uncle_id = uncle.id
    html = text_of(kg_teacher.get(panel_url(kid.class_id, kid.id)))
    assert f'value="guardian.{uncle_id}"' in html and "周大勇" in html and "无电话" in html


def test_someone_allowed_for_today_collects_today_and_never_again(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = freeze_today(monkeypatch, date(2026, 11, 27))
    log_in(client, "13800000004")
    kid = kids_of(app)[2]
    form = text_of(client.get(f"{PICKUPS}/children/{kid.id}/collectors/new"))
    saved = client.post(
        f"{PICKUPS}/children/{kid.id}/collectors/new",
        data={
            "csrf_token": csrf_token(client, "/me"),
            "uid": uid_in(form),
            "name": "王桂香",
            "relation": "neighbour",
            "phone": "13912345678",
        },
    )
    assert saved.status_code == 303
    panel = text_of(client.get(saved.headers["Location"]))
    assert "王桂香今天可以接" in panel and "仅限今天" in panel
    assert "13912345678" not in panel and "139****5678" in panel
    collector = re.search(r'name="person" value="(collector\.\d+)"', panel).group(1)
    assert panel.index(collector) < panel.index('value="guardian.')  # expected today: first

    freeze_today(monkeypatch, day + timedelta(days=1))  # the next day she is nobody
    tomorrow = text_of(client.get(panel_url(kid.class_id, kid.id)))
    assert collector not in tomorrow and "王桂香" not in tomorrow
    refused = release(client, kid.id, person=collector)
    assert refused.status_code == 422 and "此人不在接送名单上" in text_of(refused)
    assert releases_of(app, kid.id, day + timedelta(days=1)) == []

    freeze_today(monkeypatch, day)
    assert release(client, kid.id, person=collector).status_code == 303
    assert releases_of(app, kid.id, day)[0][0:3] == ("collected", None, int(collector[10:]))


def test_a_today_collector_needs_a_name_relation_and_phone_in_chinese(
    app: Flask, kg_teacher: FlaskClient
) -> None:
    kid = kids_of(app)[0]
    url = f"{PICKUPS}/children/{kid.id}/collectors/new"
    form = text_of(kg_teacher.get(url))
    answer = kg_teacher.post(
        url, data={"csrf_token": csrf_token(kg_teacher, "/me"), "uid": uid_in(form), "name": "李"}
    )
    page = text_of(answer)
    assert answer.status_code == 422
    assert "请选择此人与孩子的关系。" in page and "请填写此人的手机号码。" in page
    assert 'value="李"' in page


def test_only_the_class_teacher_allows_someone_for_today(app: Flask, client: FlaskClient) -> None:
    kid = kids_of(app, "yangguang", "一年级一班")[0]
    log_in(client, "13800000001")  # the principal hands children over, but allows nobody
    assert client.get(f"/s/yangguang/pickups/classes/{kid.class_id}").status_code == 200
    assert client.get(f"/s/yangguang/pickups/children/{kid.id}/collectors/new").status_code == 404


def test_after_school_care_and_a_day_at_home_account_for_a_child(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    first, second = kids_of(app)[:2]
    assert release(kg_teacher, first.id, kind="after_care").status_code == 303
    assert release(kg_teacher, second.id, kind="absent").status_code == 303
    board = text_of(kg_teacher.get(f"{PICKUPS}/classes/{first.class_id}"))
    assert f"{first.name}<small>交课后托管</small>" in board
    assert f"{second.name}<small>今天没来</small>" in board
    assert "<strong>20</strong>" in board
    assert releases_of(app, first.id, on_demo_day) == [("after_care", None, None, False)]


def test_a_tap_with_neither_person_nor_way_is_answered_in_chinese(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kid = kids_of(app)[0]
    answer = release(kg_teacher, kid.id, kind="collected")
    assert answer.status_code == 422 and "请点选来接孩子的人。" in text_of(answer)
    assert releases_of(app, kid.id, on_demo_day) == []


def test_a_child_on_leave_is_accounted_for(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    away, morning_only = kids_of(app)[:2]
    with app_session(app, KG) as session:
        session.add(
            Leave(child_id=away.id, kind=LeaveKind.SICK, starts_on=on_demo_day, ends_on=on_demo_day)
        )
        session.add(
            Leave(
                child_id=morning_only.id,
                kind=LeaveKind.PERSONAL,
                starts_on=on_demo_day,
                ends_on=on_demo_day,
                part=DayPart.MORNING,
            )
        )
        cancelled = Leave(
            child_id=morning_only.id,
            kind=LeaveKind.SICK,
            starts_on=on_demo_day,
            ends_on=on_demo_day,
        )
        cancelled.cancelled_at = datetime.now(SCHOOL_TIMEZONE)
        session.add(cancelled)
    board = text_of(kg_teacher.get(f"{PICKUPS}/classes/{away.class_id}"))
    assert f"{away.name}<small>请假</small>" in board
    assert "<strong>21</strong>" in board  # back in the afternoon, or cancelled: still waits
    account_for_everyone(kg_teacher, app, but={away.id})
    assert (
        kg_teacher.post(
            f"{PICKUPS}/classes/{away.class_id}/close",
            data={"csrf_token": csrf_token(kg_teacher, "/me")},
        ).status_code
        == 303
    )


def test_dismissal_does_not_close_while_a_child_is_unaccounted_for(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kids = kids_of(app)
    class_id = kids[0].class_id
    close = f"{PICKUPS}/classes/{class_id}/close"
    account_for_everyone(kg_teacher, app, but={kids[3].id, kids[7].id})
    refused = kg_teacher.post(
        close, data={"csrf_token": csrf_token(kg_teacher, "/me")}, headers=PANEL
    )
    message = text_of(refused)
    assert refused.status_code == 422
    assert (
        "还有 2 名幼儿去向未落实：" in message
        and kids[3].name in message
        and kids[7].name in message
    )
    assert "暂不能结束放学" in message
    with app_session(app, KG) as session:
        assert not session.scalar(
            select(Dismissal).where(Dismissal.class_id == class_id, Dismissal.day == on_demo_day)
        )

    release(kg_teacher, kids[3].id, kind="absent")
    release(kg_teacher, kids[7].id, person=f"guardian.{kids[7].guardian_ids[0]}")
    closed = kg_teacher.post(close, data={"csrf_token": csrf_token(kg_teacher, "/me")})
    assert closed.status_code == 303
    board = text_of(kg_teacher.get(closed.headers["Location"]))
    assert "大班放学已结束。" in board and "刘芳 于" in board and "结束放学。" in board
    assert "every 20s" not in board  # a closed dismissal stops asking for news
    again = kg_teacher.post(close, data={"csrf_token": csrf_token(kg_teacher, "/me")})
    assert again.status_code == 303  # closed twice: once

    with app_session(app, KG) as session:
        standing = session.scalar(
            select(Release).where(Release.child_id == kids[7].id, Release.day == on_demo_day)
        )
        release_id = standing.id
    undo = kg_teacher.post(
        f"{PICKUPS}/releases/{release_id}/undo", data={"csrf_token": csrf_token(kg_teacher, "/me")}
    )
    assert undo.status_code == 422 and "今天的放学已结束" in text_of(undo)
    assert releases_of(app, kids[7].id, on_demo_day)[-1][3] is False


def test_the_not_yet_collected_list_counts_down_as_children_leave(
    app: Flask, kg_teacher: FlaskClient
) -> None:
    kids = kids_of(app)
    url = f"{PICKUPS}/classes/{kids[0].class_id}"
    for done, kid in enumerate(kids[:5], start=1):
        release(kg_teacher, kid.id, kind="after_care")
        live = kg_teacher.get(url, headers=PANEL)  # what the board's poll gets every 20 s
        html = text_of(live)
        assert f"<strong>{22 - done}</strong>" in html
        waiting = html.split("未接</h2>")[1].split("</div>")[0]
        assert kid.name not in waiting and kids[-1].name in waiting
        assert "HX-Push-Url" not in live.headers  # polling leaves the history alone
    assert "接送 · 大班 · 17 人未接" in text_of(kg_teacher.get(f"/s/{KG}/"))


def test_a_wrong_tap_is_taken_back_and_the_child_waits_again(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kid = next(k for k in kids_of(app) if len(k.guardian_ids) >= 2)
    release(kg_teacher, kid.id, person=f"guardian.{kid.guardian_ids[0]}")
    with app_session(app, KG) as session:
        wrong = session.scalar(
            select(Release.id).where(Release.child_id == kid.id, Release.day == on_demo_day)
        )
    back = kg_teacher.post(
        f"{PICKUPS}/releases/{wrong}/undo",
        data={"csrf_token": csrf_token(kg_teacher, "/me")},
        headers=PANEL,
    )
    assert back.status_code == 200 and 'name="person"' in text_of(back)  # the child's panel again
    assert release(kg_teacher, kid.id, person=f"guardian.{kid.guardian_ids[1]}").status_code == 303
    assert releases_of(app, kid.id, on_demo_day) == [
        ("collected", kid.guardian_ids[0], None, True),  # kept, marked taken back
        ("collected", kid.guardian_ids[1], None, False),
    ]


def test_the_same_tap_twice_makes_one_release_and_another_tap_is_told_who_came(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kid = kids_of(app)[4]
    uid = new_uid()
    person = f"guardian.{kid.guardian_ids[0]}"
    first = release(kg_teacher, kid.id, uid=uid, person=person)
    replay = release(kg_teacher, kid.id, uid=uid, person=person)
    assert first.status_code == replay.status_code == 303
    assert first.headers["Location"] == replay.headers["Location"]
    other = release(kg_teacher, kid.id, kind="after_care")  # a colleague, a second later
    assert other.status_code == 422 and re.search(r"已于 \d\d:\d\d 由.+接走。", text_of(other))
    assert len(releases_of(app, kid.id, on_demo_day)) == 1
    taken = release(kg_teacher, kids_of(app)[5].id, uid=uid, kind="after_care")
    assert taken.status_code == 400  # a form reused for another child finds nothing


def test_the_answers_to_taps_stay_under_4_kb(app: Flask, kg_teacher: FlaskClient) -> None:
    kids = kids_of(app)
    url = f"{PICKUPS}/classes/{kids[0].class_id}"
    sizes = [len(kg_teacher.get(url, headers=PANEL).data)]
    sizes.append(len(kg_teacher.get(panel_url(kids[0].class_id, kids[0].id), headers=PANEL).data))
    for kid in kids[:-1]:  # the board when nearly everyone is gone is the longest
        answer = kg_teacher.post(
            f"{PICKUPS}/children/{kid.id}/release",
            data={
                "csrf_token": csrf_token(kg_teacher, "/me"),
                "uid": new_uid(),
                "kind": "after_care",
            },
            headers=PANEL,
        )
        sizes.append(len(answer.data))
    assert max(sizes) < 4096, sizes


def test_another_teachers_class_is_not_found(app: Flask, client: FlaskClient) -> None:
    """中班's teacher, and 王丽 (三年级一班, no pickups) at 阳光小学."""
    kid = kids_of(app)[0]
    with app_session(app, KG) as session:
        teacher = session.scalar(select(SchoolClass).where(SchoolClass.name == "中班")).teacher
        phone = teacher.phone
    log_in(client, phone)
    token = csrf_token(client, "/me")
    assert client.get(f"{PICKUPS}/classes/{kid.class_id}").status_code == 404
    assert client.get(panel_url(kid.class_id, kid.id)).status_code == 404
    posted = client.post(
        f"{PICKUPS}/children/{kid.id}/release",
        data={"csrf_token": token, "uid": new_uid(), "person": f"guardian.{kid.guardian_ids[0]}"},
    )
    assert posted.status_code == 404 and releases_of(app, kid.id, date(2026, 11, 27)) == []
    switch_to(client, "13800000002")
    third = class_id_of(app, "yangguang", "三年级一班")
    assert client.get(f"/s/yangguang/pickups/classes/{third}").status_code == 404
    assert "没有需要家长接送的" in text_of(client.get("/s/yangguang/pickups/"))


def test_the_safety_lead_watches_every_pickup_class_of_the_school(
    app: Flask, safety_lead: FlaskClient
) -> None:
    page = text_of(safety_lead.get("/s/yangguang/pickups/"))
    assert "一年级一班" in page and "二年级一班" in page and "三年级一班" not in page
    assert "10 人未接" in page


def test_a_child_of_another_class_is_not_opened_on_this_board(
    app: Flask, kg_teacher: FlaskClient
) -> None:
    kid = kids_of(app)[0]
    other = kids_of(app, KG, "中班")[0]
    assert kg_teacher.get(panel_url(kid.class_id, other.id)).status_code == 404


def test_yesterdays_release_cannot_be_taken_back_today(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    with app_session(app, KG) as session:
        old = session.scalar(
            select(Release.id).where(Release.day == on_demo_day - timedelta(days=1)).limit(1)
        )
    undo = kg_teacher.post(
        f"{PICKUPS}/releases/{old}/undo", data={"csrf_token": csrf_token(kg_teacher, "/me")}
    )
    assert undo.status_code == 404


def test_the_demo_class_has_two_weeks_of_closed_dismissals(app: Flask, transaction: None) -> None:
    class_id = class_id_of(app)
    with app_session(app, KG) as session:
        closed = session.scalars(select(Dismissal).where(Dismissal.class_id == class_id)).all()
        assert len(closed) == 10 and all(d.closed_at for d in closed)
        assert max(d.day for d in closed) == date(2026, 11, 26)
        assert all(
            datetime.combine(d.day, time(16, 40), SCHOOL_TIMEZONE) == d.closed_at for d in closed
        )


def test_the_photo_of_a_person_on_the_list_is_shown_to_compare_with_the_face_at_the_door(
    app: Flask, kg_teacher: FlaskClient
) -> None:
    kid = kids_of(app)[0]
    picture = io.BytesIO()
    Image.new("RGB", (300, 400), "orange").save(picture, "JPEG")
    with app_session(app, KG) as session:
        guardian = session.get(Guardian, kid.guardian_ids[0])
        guardian.photo_uid = store_photo(guardian.tenant_id, picture.getvalue())
        barred = Guardian(
            child_id=kid.id,
            name="钱大伯",
            relation=GuardianRelation.UNCLE,
            may_pick_up=False,
            photo_uid=guardian.photo_uid,
        )
        session.add(barred)
        session.flush()
        barred_id = barred.id
    photo = f"{PICKUPS}/children/{kid.id}/guardians/{kid.guardian_ids[0]}/photo"
    assert f'src="{photo}"' in text_of(kg_teacher.get(panel_url(kid.class_id, kid.id)))
    served = kg_teacher.get(photo)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "no-store"
    barred_photo = f"{PICKUPS}/children/{kid.id}/guardians/{barred_id}/photo"
    assert kg_teacher.get(barred_photo).status_code == 404  # not on the list: not shown here
