"""Pairings (结对): the coordinator sees who still lacks a proxy parent and pairs one person with
several children at once; a double tap makes one pairing; an ended pairing stays in the history;
only the principal and coordinator change pairings; a child who leaves leaves every pairing."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from tests.children.test_card import post
from tests.children.test_transfer import (
    hongxing_class_id,
    hongxing_principal,
    send_to_hongxing,
    waiting_transfer_id,
)
from tests.conftest import app_session
from tests.helpers import log_in, purge_audit, text_of
from webapp.auth.models import User
from webapp.auth.service import find_user_by_phone
from webapp.care import service
from webapp.care.models import Pairing, PairingKind
from webapp.children.models import Child, ChildStatus, LeftBehindType, SchoolClass
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.i18n import local_today
from webapp.demo.data import VOLUNTEER_PHONE

BOARD = "/s/yangguang/pairings/"
ASSIGN = "/s/yangguang/pairings/assign"
TEACHER_PHONE = "13800000002"  # 王丽, class teacher of 三年级一班, proxy parent of ten children
OTHER_TEACHER_PHONE = "13900000102"  # 谭红梅, class teacher of 一年级一班


def user_id(app: Flask, phone: str) -> int:
    with app_session(app) as session:
        return find_user_by_phone(session, phone).id


def active_pairings(app: Flask, child_id: int, kind: PairingKind = PairingKind.PROXY_PARENT):
    with app_session(app, "yangguang") as session:
        return session.execute(
            select(Pairing.id, Pairing.user_id, Pairing.helper_child_id).where(
                Pairing.child_id == child_id, Pairing.kind == kind, Pairing.ended_on.is_(None)
            )
        ).all()


def left_behind_of_class(app: Flask, class_name: str = "四年级一班") -> list[dict]:
    with app_session(app, "yangguang") as session:
        children = session.scalars(
            select(Child)
            .join(Child.school_class)
            .where(
                SchoolClass.name == class_name,
                Child.left_behind_type != LeftBehindType.NONE,
                Child.status == ChildStatus.ACTIVE,
            )
            .order_by(Child.id)
        ).all()
        return [{"id": c.id, "name": c.name, "class_id": c.class_id} for c in children]


def paired_child(app: Flask, class_name: str = "四年级一班") -> dict:
    """A left-behind child of the class who has a proxy parent."""
    return next(c for c in left_behind_of_class(app, class_name) if active_pairings(app, c["id"]))


def unpair(app: Flask, *children: dict) -> None:
    """End whatever proxy parent these children have, as if the teacher had left."""
    with app_session(app, "yangguang") as session:
        for pairing in session.scalars(
            select(Pairing).where(
                Pairing.child_id.in_([c["id"] for c in children]),
                Pairing.kind == PairingKind.PROXY_PARENT,
                Pairing.ended_on.is_(None),
            )
        ):
            pairing.ended_on = local_today()
            pairing.end_reason = "调离"


def own_children(app: Flask, phone: str) -> set[str]:
    """The names of the children on the roll a person is proxy parent or volunteer of."""
    me = user_id(app, phone)
    with app_session(app, "yangguang") as session:
        return set(
            session.scalars(
                select(Child.name)
                .join(Pairing, Pairing.child_id == Child.id)
                .where(
                    Pairing.user_id == me,
                    Pairing.ended_on.is_(None),
                    Child.status == ChildStatus.ACTIVE,
                )
            )
        )


def assign(client: FlaskClient, children: list[dict], person_id: int, kind: str = "proxy_parent"):
    return post(
        client,
        f"{ASSIGN}?kind={kind}&class_id={children[0]['class_id']}",
        {
            "user_id": person_id,
            "child_ids": [c["id"] for c in children],
            "started_on": local_today().isoformat(),
        },
    )


def unpaired_section(html: str) -> str:
    """The list at the top of the board: left-behind children without a proxy parent."""
    return (
        html.split('<ul class="list unpaired">', 1)[1].split("</ul>", 1)[0]
        if ('class="list unpaired"' in html)
        else ""
    )


def is_checked(html: str, value: int) -> bool:
    return any("checked" in tag for tag in re.findall(rf'<input[^>]*value="{value}"[^>]*>', html))


def coverage_figure(html: str) -> tuple[int, int]:
    paired, total = re.search(r'class="figure">(\d+)/(\d+)<', html).groups()
    return int(paired), int(total)


def test_unpaired_left_behind_children_come_first_and_leave_the_list_once_paired(
    app: Flask, principal: FlaskClient
) -> None:
    child = left_behind_of_class(app)[0]
    unpair(app, child)
    board = text_of(principal.get(BOARD))
    assert child["name"] in unpaired_section(board)
    assert board.index(child["name"]) < board.index("覆盖情况")  # before the coverage figures
    assert "四年级一班" in unpaired_section(board)
    paired_before, left_behind = coverage_figure(board)
    assert "代理家长覆盖" in board and paired_before < left_behind

    tapped = re.search(
        rf'href="(/s/yangguang/pairings/assign\?class_id=\d+&amp;child_id={child["id"]})"', board
    )
    assert tapped, "an unpaired child is one tap from being assigned"
    form = text_of(principal.get(tapped.group(1).replace("&amp;", "&")))
    assert is_checked(form, child["id"])  # the child comes chosen

    teacher_id = user_id(app, OTHER_TEACHER_PHONE)
    assert assign(principal, [child], teacher_id).status_code == 303
    board = text_of(principal.get(BOARD))
    assert child["name"] not in unpaired_section(board)
    assert coverage_figure(board) == (paired_before + 1, left_behind)


def test_the_board_filters_by_class_and_finds_children_by_pinyin(
    app: Flask, principal: FlaskClient
) -> None:
    fourth, third = left_behind_of_class(app), left_behind_of_class(app, "三年级一班")
    unpair(app, fourth[0], third[0])
    board = text_of(principal.get(BOARD, query_string={"class_id": fourth[0]["class_id"]}))
    assert fourth[0]["name"] in unpaired_section(board)
    assert third[0]["name"] not in unpaired_section(board)
    assert "本班留守儿童" in board

    with app_session(app, "yangguang") as session:
        initials = session.get(Child, third[0]["id"]).name_initials
    found = principal.get(
        BOARD,
        query_string={"q": initials},
        headers={"HX-Request": "true", "HX-Target": "pairing-board"},
    )
    html = text_of(found)
    assert found.status_code == 200 and "<html" not in html  # the board alone, for htmx
    assert "查找结果" in html and third[0]["name"] in html and "尚无代理家长" in html


def test_one_staff_member_takes_several_children_in_one_go(
    app: Flask, principal: FlaskClient
) -> None:
    children = left_behind_of_class(app)[:3]
    assert len(children) == 3
    unpair(app, *children)
    chips = text_of(
        principal.get(
            ASSIGN,
            query_string={"class_id": children[0]["class_id"]},
            headers={"HX-Request": "true", "HX-Target": "assign-form"},
        )
    )
    assert chips.lstrip().startswith('<div id="assign-form">')  # the class's chips alone, for htmx
    for child in children:
        assert f'value="{child["id"]}"' in chips  # each unpaired child is a chip
    load = int(re.search(r"王丽 · 已结对(\d+)人", chips).group(1))  # the load each carries
    assert load == len(own_children(app, TEACHER_PHONE))

    teacher_id = user_id(app, TEACHER_PHONE)
    response = assign(principal, children, teacher_id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/pairings/?class_id={children[0]['class_id']}")
    for child in children:
        assert [row.user_id for row in active_pairings(app, child["id"])] == [teacher_id]
    with app_session(app, "yangguang") as session:
        audited = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.subject == "pairing",
                AuditEvent.action == AuditAction.CREATE,
                AuditEvent.child_id.in_([c["id"] for c in children]),
            )
        )
    assert audited == 3
    page = text_of(principal.get(ASSIGN, query_string={"class_id": children[0]["class_id"]}))
    assert f"王丽 · 已结对{load + 3}人" in page


def test_a_double_submit_makes_one_pairing_and_both_answers_lead_to_it(
    app: Flask, principal: FlaskClient
) -> None:
    child = left_behind_of_class(app)[0]
    unpair(app, child)
    teacher_id = user_id(app, OTHER_TEACHER_PHONE)
    first = assign(principal, [child], teacher_id)
    second = assign(principal, [child], teacher_id)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert first.headers["Location"].endswith(f"/pairings/children/{child['id']}")
    assert len(active_pairings(app, child["id"])) == 1
    page = text_of(principal.get(second.headers["Location"]))
    assert "没有重复添加" in page and "代理家长：谭红梅" in page


def test_a_child_with_a_proxy_parent_is_not_given_a_second_one(
    app: Flask, principal: FlaskClient
) -> None:
    child = paired_child(app)
    [(_id, current, _helper)] = active_pairings(app, child["id"])
    other = next(
        uid
        for uid in (user_id(app, OTHER_TEACHER_PHONE), user_id(app, TEACHER_PHONE))
        if uid != current
    )
    response = assign(principal, [child], other)
    assert response.status_code == 303
    assert [row.user_id for row in active_pairings(app, child["id"])] == [current]
    assert "已有其他代理家长" in text_of(principal.get(response.headers["Location"]))


def test_assigning_without_a_person_answers_422_with_the_children_kept(
    app: Flask, principal: FlaskClient
) -> None:
    children = left_behind_of_class(app)[:2]
    unpair(app, *children)
    response = post(
        principal,
        f"{ASSIGN}?class_id={children[0]['class_id']}",
        {"child_ids": [children[1]["id"]], "started_on": local_today().isoformat()},
    )
    html = text_of(response)
    assert response.status_code == 422 and "请选择由谁照看这些孩子。" in html
    assert is_checked(html, children[1]["id"])
    assert not is_checked(html, children[0]["id"])
    assert active_pairings(app, children[1]["id"]) == []


def test_ending_a_pairing_keeps_it_in_the_childs_history(
    app: Flask, principal: FlaskClient
) -> None:
    child = paired_child(app)
    [(pairing_id, _user, _helper)] = active_pairings(app, child["id"])
    end_url = f"/s/yangguang/pairings/{pairing_id}/end"
    missing = post(principal, end_url, {"ended_on": local_today().isoformat(), "reason": ""})
    assert missing.status_code == 422 and "请简要说明结束的原因。" in text_of(missing)

    ended_on = local_today() - timedelta(days=1)
    response = post(
        principal, end_url, {"ended_on": ended_on.isoformat(), "reason": "教师调离本校"}
    )
    assert response.status_code == 303
    assert active_pairings(app, child["id"]) == []
    history = text_of(principal.get(response.headers["Location"]))
    earlier = history.split("此前", 1)[1]
    assert "结束原因：教师调离本校" in earlier
    assert f"{ended_on.year}年{ended_on.month}月{ended_on.day}日" in earlier
    assert "这名留守儿童还没有代理家长" in history
    assert child["name"] in unpaired_section(text_of(principal.get(BOARD)))
    again = post(principal, end_url, {"ended_on": local_today().isoformat(), "reason": "再次"})
    assert again.status_code == 303  # ended already: nothing changes
    with app_session(app, "yangguang") as session:
        pairing = session.get(Pairing, pairing_id)
        assert (pairing.ended_on, pairing.end_reason) == (ended_on, "教师调离本校")

    card = text_of(principal.get(f"/s/yangguang/children/{child['id']}"))
    assert f'href="/s/yangguang/pairings/children/{child["id"]}"' in card


def test_a_study_buddy_and_a_volunteer_are_paired_to_a_child(
    app: Flask, principal: FlaskClient
) -> None:
    child, classmate = left_behind_of_class(app)[:2]
    page = text_of(principal.get(f"/s/yangguang/pairings/children/{child['id']}/helper"))
    assert f'value="{classmate["id"]}"' in page and f'value="{child["id"]}"' not in page
    response = post(
        principal,
        f"/s/yangguang/pairings/children/{child['id']}/helper",
        {"helper_child_id": classmate["id"], "started_on": local_today().isoformat()},
    )
    assert response.status_code == 303
    [row] = active_pairings(app, child["id"], PairingKind.STUDENT_HELPER)
    assert row.helper_child_id == classmate["id"]
    helper_page = text_of(principal.get(f"/s/yangguang/pairings/children/{classmate['id']}"))
    assert "担任学习帮手" in helper_page and child["name"] in helper_page

    volunteer_id = user_id(app, VOLUNTEER_PHONE)
    form = text_of(
        principal.get(ASSIGN, query_string={"kind": "volunteer", "child_id": child["id"]})
    )
    assert "蒋秀兰 · 已结对2人" in form and "王丽" not in form  # volunteers only
    assert assign(principal, [child], volunteer_id, kind="volunteer").status_code == 303
    assert [r.user_id for r in active_pairings(app, child["id"], PairingKind.VOLUNTEER)] == [
        volunteer_id
    ]
    volunteer = app.test_client()
    log_in(volunteer, VOLUNTEER_PHONE)
    assert child["name"] in text_of(volunteer.get("/s/yangguang/pairings/mine"))


def test_a_teacher_cannot_change_pairings_and_sees_only_her_own(
    app: Flask, teacher: FlaskClient
) -> None:
    child = paired_child(app)
    [(pairing_id, _user, _helper)] = active_pairings(app, child["id"])
    assert teacher.get(BOARD).status_code == 403
    assert teacher.get(ASSIGN).status_code == 403
    assert assign(teacher, [child], user_id(app, TEACHER_PHONE)).status_code == 403
    ended = post(teacher, f"/s/yangguang/pairings/{pairing_id}/end", {"reason": "x"})
    assert ended.status_code == 404  # refused on a pairing: as if there were none
    assert len(active_pairings(app, child["id"])) == 1

    mine = text_of(teacher.get("/s/yangguang/pairings/mine"))
    own = own_children(app, TEACHER_PHONE)
    others = own_children(app, OTHER_TEACHER_PHONE)
    shown = set(re.findall(r'<span class="title">([^<]+)</span>', mine))
    assert own and shown == own
    assert not (others - own) & shown


def test_a_volunteer_sees_only_her_paired_children_and_no_pairing_history(
    app: Flask, client: FlaskClient
) -> None:
    log_in(client, VOLUNTEER_PHONE)
    mine = text_of(client.get("/s/yangguang/pairings/mine"))
    with app_session(app, "yangguang") as session:
        paired = session.execute(
            select(Child.id, Child.name)
            .join(Pairing, Pairing.child_id == Child.id)
            .where(Pairing.user_id == user_id(app, VOLUNTEER_PHONE))
        ).all()
    assert len(paired) == 2
    assert set(re.findall(r'<span class="title">([^<]+)</span>', mine)) == {n for _i, n in paired}
    assert "社区志愿者" in mine
    assert client.get(BOARD).status_code == 403
    # Her children's pairing history is for those who see the whole card.
    assert client.get(f"/s/yangguang/pairings/children/{paired[0].id}").status_code == 404


def test_another_schools_pairings_answer_404_and_change_nothing(
    app: Flask, principal: FlaskClient
) -> None:
    with app_session(app, "hongxing") as session:
        foreign = session.scalars(select(Pairing).where(Pairing.ended_on.is_(None))).first()
        foreign_id, foreign_child_id = foreign.id, foreign.child_id
    end_url = f"/s/yangguang/pairings/{foreign_id}/end"
    assert principal.get(end_url).status_code == 404
    response = post(principal, end_url, {"ended_on": local_today().isoformat(), "reason": "x"})
    assert response.status_code == 404
    assert principal.get(f"/s/yangguang/pairings/children/{foreign_child_id}").status_code == 404
    # A foreign child posted among the chips is no choice at all.
    sneaked = post(
        principal,
        ASSIGN,
        {
            "user_id": user_id(app, TEACHER_PHONE),
            "child_ids": [foreign_child_id],
            "started_on": local_today().isoformat(),
        },
    )
    assert sneaked.status_code == 422
    with app_session(app, "hongxing") as session:
        assert session.get(Pairing, foreign_id).ended_on is None
        assert (
            session.scalar(
                select(func.count())
                .select_from(Pairing)
                .where(Pairing.child_id == foreign_child_id, Pairing.ended_on.is_(None))
            )
            == 1
        )


def test_a_graduated_child_leaves_every_pairing_with_the_history_kept(
    app: Flask, principal: FlaskClient
) -> None:
    child = paired_child(app)
    classmate = next(c for c in left_behind_of_class(app) if c["id"] != child["id"])
    with app_session(app, "yangguang") as session:
        # The child also helps a classmate: that pairing ends too.
        session.add(
            Pairing(
                child_id=classmate["id"],
                helper_child_id=child["id"],
                kind=PairingKind.STUDENT_HELPER,
                started_on=local_today() - timedelta(days=30),
            )
        )
    [(pairing_id, proxy_id, _helper)] = active_pairings(app, child["id"])
    effective_on = local_today() - timedelta(days=2)
    response = post(
        principal,
        f"/s/yangguang/children/{child['id']}/status",
        {"status": "graduated", "effective_on": effective_on.isoformat(), "reason": "小学毕业"},
    )
    assert response.status_code == 303
    assert active_pairings(app, child["id"]) == []
    assert active_pairings(app, classmate["id"], PairingKind.STUDENT_HELPER) == []
    with app_session(app, "yangguang") as session:
        assert session.get(Pairing, pairing_id).ended_on == effective_on
        audited = session.scalars(
            select(AuditEvent.fields_json).where(
                AuditEvent.subject == "pairing", AuditEvent.subject_id == pairing_id
            )
        ).all()
        assert any("ended_on" in fields for fields in audited)
    history = text_of(principal.get(f"/s/yangguang/pairings/children/{child['id']}"))
    assert "结束原因：学生离校：毕业" in history
    assert "安排代理家长" not in history  # a child who left is not paired again

    # Nor is the child on anyone's list any more.
    proxy = app.test_client()
    with app_session(app) as session:
        proxy_phone = session.get(User, proxy_id).phone
    log_in(proxy, proxy_phone)
    assert child["name"] not in text_of(proxy.get("/s/yangguang/pairings/mine")).split("此前")[0]


def test_a_transferred_childs_pairings_end_when_the_other_school_accepts(
    app: Flask, principal: FlaskClient
) -> None:
    child = paired_child(app)
    assert len(active_pairings(app, child["id"])) == 1
    assert send_to_hongxing(principal, child["id"]).status_code == 303
    assert len(active_pairings(app, child["id"])) == 1  # still on the roll while it waits

    other = hongxing_principal(app)
    accepted = post(
        other,
        f"/s/hongxing/transfers/{waiting_transfer_id(other)}/accept",
        {"class_id": hongxing_class_id(app), "effective_on": local_today().isoformat()},
    )
    assert accepted.status_code == 303
    assert active_pairings(app, child["id"]) == []
    history = text_of(principal.get(f"/s/yangguang/pairings/children/{child['id']}"))
    assert "学生离校：转出" in history


def test_taps_at_the_same_moment_make_one_pairing(app: Flask) -> None:
    """Eight requests pair the same person at once, each on its own connection and committed
    (no rolled-back test transaction here): one pairing, the others refused. The rows are
    removed afterwards."""
    child = paired_child(app)
    volunteer_id = user_id(app, VOLUNTEER_PHONE)
    start = threading.Barrier(8, timeout=30)
    outcomes: list[str] = []

    def tap() -> None:
        start.wait()
        with app_session(app, "yangguang") as session:
            found = session.get(Child, child["id"])
            try:
                service.pair(
                    session,
                    found,
                    kind=PairingKind.VOLUNTEER,
                    user_id=volunteer_id,
                    started_on=local_today(),
                    actor_id=None,
                )
                outcomes.append("paired")
            except service.AlreadyPaired:
                outcomes.append("refused")

    taps = [threading.Thread(target=tap) for _ in range(8)]
    try:
        for thread in taps:
            thread.start()
        for thread in taps:
            thread.join()
        assert sorted(outcomes) == ["paired"] + ["refused"] * 7
        assert len(active_pairings(app, child["id"], PairingKind.VOLUNTEER)) == 1
    finally:
        with app_session(app, "yangguang") as session:
            made = session.scalars(
                select(Pairing).where(
                    Pairing.child_id == child["id"], Pairing.kind == PairingKind.VOLUNTEER
                )
            ).all()
            purge_audit(
                session,
                delete(AuditEvent).where(
                    AuditEvent.subject == "pairing",
                    AuditEvent.subject_id.in_([p.id for p in made]),
                ),
            )
            for pairing in made:
                session.delete(pairing)
