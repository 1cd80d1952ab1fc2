"""The red path: a person not on the list never takes a child. Whatever is posted — a guardian
who may not collect, one who has ended, another child's, another school's, yesterday's
collector — no release is recorded; the person is written down and the class teacher told."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.transport.people import (
    KG,
    PICKUPS,
    kids_of,
    new_uid,
    refusals_of,
    release_count,
    releases_of,
    switch_to,
    uid_in,
)
from webapp.children.models import Child, Guardian, GuardianRelation
from webapp.core.audit import AuditEvent
from webapp.transport.models import PickupRefusal, TodayCollector


def refuse_url(child_id: int) -> str:
    return f"{PICKUPS}/children/{child_id}/refusals/new"


def write_down(client: FlaskClient, child_id: int, **person) -> object:
    page = text_of(client.get(refuse_url(child_id)))
    values = {"name": "赵老四", "relation": "uncle", "phone": "13698765432", **person}
    return client.post(
        refuse_url(child_id),
        data={"csrf_token": csrf_token(client, "/me"), "uid": uid_in(page), **values},
    )


def test_the_red_path_hands_nobody_over_and_tells_the_class_teacher(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kid = kids_of(app)[0]
    releases_before = release_count(app)
    page = text_of(kg_teacher.get(refuse_url(kid.id)))
    assert f"不要放行{kid.name}。" in page and "给孩子的监护人打电话核实。" in page
    with app_session(app, KG) as session:
        child = session.get(Child, kid.id)
        phones = {p.phone for p in child.active_guardians + child.parents if p.phone}
    # each of the family once, called through the audited call flow
    assert page.count(f'action="/s/{KG}/children/{kid.id}/call"') == len(phones) > 0
    assert 'id="care-entry"' in page

    written = write_down(kg_teacher, kid.id)
    assert written.status_code == 303
    panel = text_of(kg_teacher.get(written.headers["Location"]))
    assert f"已记录：赵老四未获授权接{kid.name}，已通知班主任。" in panel
    assert "赵老四（叔伯/舅舅）未获授权，未放行" in panel
    assert "13698765432" not in panel
    assert release_count(app) == releases_before and releases_of(app, kid.id, on_demo_day) == []
    [(name, relation, phone, sealed)] = refusals_of(app, kid.id)
    assert (name, relation, phone) == ("赵老四", "uncle", "13698765432")
    assert "13698765432" not in sealed  # the phone is sealed in the database

    today = text_of(kg_teacher.get(f"/s/{KG}/"))  # the class teacher's today page, on top
    alert = today.split('id="pickup-alerts"')[1]
    assert kid.name in alert and "赵老四（叔伯/舅舅）来接孩子，未获授权，未放行。" in alert
    assert today.index("pickup-alerts") < today.index('id="duties"')
    with app_session(app, KG) as session:
        refusal_id = session.scalar(
            select(PickupRefusal.id).where(PickupRefusal.child_id == kid.id)
        )
        logged = session.scalar(
            select(AuditEvent).where(
                AuditEvent.subject == "pickup_refusal", AuditEvent.subject_id == refusal_id
            )
        )
        assert logged.child_id == kid.id and set(logged.fields) == {"name", "relation", "phone"}
    noted = kg_teacher.post(
        f"{PICKUPS}/refusals/{refusal_id}/noted",
        data={"csrf_token": csrf_token(kg_teacher, "/me")},
        headers={"HX-Request": "true", "HX-Target": f"refusal-{refusal_id}"},
    )
    assert noted.status_code == 200 and noted.data == b""
    assert "pickup-alerts" not in text_of(kg_teacher.get(f"/s/{KG}/"))


def test_the_red_path_is_taken_at_the_door_by_whoever_stands_there(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    """The safety lead at 阳光小学's gate refuses; the class teacher of 一年级一班 is told."""
    kid = kids_of(app, "yangguang", "一年级一班")[0]
    switch_to(client, "13900000190")
    page = text_of(client.get(f"/s/yangguang/pickups/children/{kid.id}/refusals/new"))
    assert "请班主任给监护人打电话核实。" in page  # a safety lead sees no family phone
    client.post(
        f"/s/yangguang/pickups/children/{kid.id}/refusals/new",
        data={
            "csrf_token": csrf_token(client, "/me"),
            "uid": uid_in(page),
            "name": "陌生人",
            "relation": "relative",
        },
    )
    with app_session(app, "yangguang") as session:
        refusal = session.scalar(select(PickupRefusal).where(PickupRefusal.child_id == kid.id))
        teacher = refusal.child.school_class.teacher
        assert refusal.teacher_id == teacher.id and refusal.phone is None
        phone = teacher.phone
    assert "pickup-alerts" not in text_of(client.get("/s/yangguang/"))  # the lead is not told
    switch_to(client, phone)
    assert "陌生人（其他亲属）来接孩子" in text_of(client.get("/s/yangguang/"))


def test_the_red_path_asks_for_a_name_and_relation_in_chinese(
    app: Flask, kg_teacher: FlaskClient
) -> None:
    kid = kids_of(app)[0]
    answer = write_down(kg_teacher, kid.id, name="", relation="", phone="12345")
    page = text_of(answer)
    assert answer.status_code == 422
    assert "请填写此人的姓名。" in page and "请选择此人与孩子的关系。" in page
    assert "请输入11位手机号码。" in page
    assert refusals_of(app, kid.id) == []


def test_once_the_guardian_confirms_the_class_teacher_allows_the_person_for_today(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kid = kids_of(app)[1]
    write_down(kg_teacher, kid.id)
    with app_session(app, KG) as session:
        refusal_id = session.scalar(
            select(PickupRefusal.id).where(PickupRefusal.child_id == kid.id)
        )
    token = csrf_token(kg_teacher, "/me")
    allowed = kg_teacher.post(f"{PICKUPS}/refusals/{refusal_id}/allow", data={"csrf_token": token})
    again = kg_teacher.post(f"{PICKUPS}/refusals/{refusal_id}/allow", data={"csrf_token": token})
    assert allowed.status_code == again.status_code == 303
    with app_session(app, KG) as session:
        collectors = session.scalars(
            select(TodayCollector).where(TodayCollector.child_id == kid.id)
        ).all()
        assert [(c.name, c.relation, c.phone, c.day) for c in collectors] == [
            ("赵老四", GuardianRelation.UNCLE, "13698765432", on_demo_day)
        ]
        collector_id = collectors[0].id
    panel = text_of(kg_teacher.get(allowed.headers["Location"]))
    assert f'value="collector.{collector_id}"' in panel and "赵老四今天可以接" in panel
    assert "pickup-alerts" not in text_of(kg_teacher.get(f"/s/{KG}/"))  # dealt with
    taken = kg_teacher.post(
        f"{PICKUPS}/children/{kid.id}/release",
        data={"csrf_token": token, "uid": new_uid(), "person": f"collector.{collector_id}"},
    )
    assert taken.status_code == 303
    assert releases_of(app, kid.id, on_demo_day) == [("collected", None, collector_id, False)]


def test_only_the_class_teacher_allows_a_refused_person(app: Flask, client: FlaskClient) -> None:
    kid = kids_of(app, "yangguang", "一年级一班")[0]
    switch_to(client, "13900000190")
    page = text_of(client.get(f"/s/yangguang/pickups/children/{kid.id}/refusals/new"))
    client.post(
        f"/s/yangguang/pickups/children/{kid.id}/refusals/new",
        data={
            "csrf_token": csrf_token(client, "/me"),
            "uid": uid_in(page),
            "name": "陌生人",
            "relation": "relative",
        },
    )
    with app_session(app, "yangguang") as session:
        refusal_id = session.scalar(
            select(PickupRefusal.id).where(PickupRefusal.child_id == kid.id)
        )
    token = csrf_token(client, "/me")
    assert (
        client.post(
            f"/s/yangguang/pickups/refusals/{refusal_id}/allow", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/s/yangguang/pickups/refusals/{refusal_id}/noted", data={"csrf_token": token}
        ).status_code
        == 404
    )


# Crafted requests: each names someone who is not on this child's list today.


def _someone_elses_guardian(session, child_id: int) -> Guardian:
    return session.scalar(
        select(Guardian)
        .where(Guardian.child_id != child_id, Guardian.may_pick_up, Guardian.ended_on.is_(None))
        .limit(1)
    )


def _another_childs_guardian(session, kid) -> str:
    return f"guardian.{_someone_elses_guardian(session, kid.id).id}"


def _not_allowed_guardian(session, kid) -> str:
    guardian = Guardian(
        child_id=kid.id, name="钱大伯", relation=GuardianRelation.UNCLE, may_pick_up=False
    )
    session.add(guardian)
    session.flush()
    return f"guardian.{guardian.id}"


def _ended_guardian(session, kid) -> str:
    guardian = session.get(Guardian, kid.guardian_ids[0])
    guardian.ended_on = date(2026, 11, 1)  # no longer cares for the child, still on file
    return f"guardian.{guardian.id}"


def _yesterdays_collector(session, kid) -> str:
    collector = TodayCollector(
        child_id=kid.id,
        day=date(2026, 11, 26),
        name="孙阿姨",
        relation=GuardianRelation.NEIGHBOUR,
    )
    session.add(collector)
    session.flush()
    return f"collector.{collector.id}"


def _another_childs_collector(session, kid) -> str:
    collector = TodayCollector(
        child_id=_someone_elses_guardian(session, kid.id).child_id,
        day=date(2026, 11, 27),
        name="孙阿姨",
        relation=GuardianRelation.NEIGHBOUR,
    )
    session.add(collector)
    session.flush()
    return f"collector.{collector.id}"


def _a_parent_not_a_guardian(session, kid) -> str:
    guardian = session.get(Guardian, kid.guardian_ids[0])
    return f"parent.{guardian.child.parents[0].id}"


CRAFTED = {
    "a guardian who may not collect": _not_allowed_guardian,
    "a guardian who has ended": _ended_guardian,
    "another child's guardian": _another_childs_guardian,
    "yesterday's collector": _yesterdays_collector,
    "another child's collector": _another_childs_collector,
    "a parent's id as a person": _a_parent_not_a_guardian,
}


@pytest.mark.parametrize("who", sorted(CRAFTED))
def test_a_crafted_post_naming_someone_not_on_the_list_records_no_release(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date, who: str
) -> None:
    kid = kids_of(app)[2]
    with app_session(app, KG) as session:
        person = CRAFTED[who](session, kid)
    before = release_count(app)
    answer = kg_teacher.post(
        f"{PICKUPS}/children/{kid.id}/release",
        data={"csrf_token": csrf_token(kg_teacher, "/me"), "uid": new_uid(), "person": person},
    )
    assert answer.status_code == 422
    assert "此人不在接送名单上" in text_of(answer) and "来人不在名单上" in text_of(answer)
    assert release_count(app) == before
    assert releases_of(app, kid.id, on_demo_day) == []


def test_another_schools_guardian_never_takes_a_child(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kid = kids_of(app)[3]
    foreign = kids_of(app, "hongxing", "一年级一班")
    foreign_guardian = next(k.guardian_ids[0] for k in foreign if k.guardian_ids)
    before = release_count(app)
    for person in (
        f"guardian.{foreign_guardian}",
        "guardian.999999",
        "guardian.",
        "guardian.x",
        "x",
    ):
        answer = kg_teacher.post(
            f"{PICKUPS}/children/{kid.id}/release",
            data={"csrf_token": csrf_token(kg_teacher, "/me"), "uid": new_uid(), "person": person},
        )
        assert answer.status_code == 422, person
    assert release_count(app) == before and release_count(app, "hongxing") == 0


def test_a_guardian_whose_permission_is_withdrawn_while_the_page_is_open_is_refused(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kid = kids_of(app)[5]
    panel = text_of(kg_teacher.get(f"{PICKUPS}/classes/{kid.class_id}?child_id={kid.id}"))
    person = f"guardian.{kid.guardian_ids[0]}"
    offered = f'value="{person}" class="person-pick"'
    assert offered in panel
    with app_session(app, KG) as session:
        session.get(Guardian, kid.guardian_ids[0]).may_pick_up = False
    answer = kg_teacher.post(
        f"{PICKUPS}/children/{kid.id}/release",
        data={"csrf_token": csrf_token(kg_teacher, "/me"), "uid": uid_in(panel), "person": person},
    )
    assert answer.status_code == 422 and releases_of(app, kid.id, on_demo_day) == []
    assert offered not in text_of(answer)  # and the list no longer offers them


def test_the_red_path_never_writes_a_release_whatever_is_added_to_it(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kid = kids_of(app)[6]
    before = release_count(app)
    write_down(kg_teacher, kid.id, person=f"guardian.{kid.guardian_ids[0]}", kind="collected")
    assert release_count(app) == before and len(refusals_of(app, kid.id)) == 1


def test_a_refusal_form_sent_twice_writes_the_person_down_once(
    app: Flask, kg_teacher: FlaskClient
) -> None:
    kid = kids_of(app)[7]
    page = text_of(kg_teacher.get(refuse_url(kid.id)))
    data = {
        "csrf_token": csrf_token(kg_teacher, "/me"),
        "uid": uid_in(page),
        "name": "赵老四",
        "relation": "uncle",
    }
    first = kg_teacher.post(refuse_url(kid.id), data=data)
    second = kg_teacher.post(refuse_url(kid.id), data=data)
    assert first.status_code == second.status_code == 303
    assert len(refusals_of(app, kid.id)) == 1


def test_yesterdays_refusal_is_not_allowed_today(
    app: Flask, kg_teacher: FlaskClient, on_demo_day: date
) -> None:
    kid = kids_of(app)[8]
    with app_session(app, KG) as session:
        refusal = PickupRefusal(
            child_id=kid.id,
            day=on_demo_day - timedelta(days=1),
            name="赵老四",
            relation=GuardianRelation.UNCLE,
        )
        session.add(refusal)
        session.flush()
        refusal_id = refusal.id
    allowed = kg_teacher.post(
        f"{PICKUPS}/refusals/{refusal_id}/allow", data={"csrf_token": csrf_token(kg_teacher, "/me")}
    )
    assert allowed.status_code == 404
