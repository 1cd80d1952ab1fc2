"""Consent records per child: given by a guardian (who, when, how), withdrawable, and gating
what they cover: photos on home visits and activities, what volunteers see."""

from __future__ import annotations

import io
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.care.entry import child_with_guardian, submit
from tests.care.test_activity import NEW, activity, class_id, saved
from tests.care.test_home_visit import visit
from tests.children.test_card import jpeg_with_gps
from tests.conftest import app_session
from tests.helpers import log_in, text_of
from tests.privacy.conftest import child_in, post
from webapp.care.models import CarePhoto
from webapp.children.models import Child, ParentRelation
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.i18n import local_today
from webapp.demo.data import VOLUNTEER_PHONE
from webapp.privacy import queries, service
from webapp.privacy.models import Consent, ConsentKind

PHOTO_REFUSED = "的监护人未同意拍照"


def consent_id(app: Flask, child_id: int, kind: ConsentKind) -> int | None:
    with app_session(app, "yangguang") as session:
        return session.scalar(
            select(Consent.id).where(
                Consent.child_id == child_id, Consent.kind == kind, Consent.withdrawn_on.is_(None)
            )
        )


def photo_count(app: Flask) -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(select(func.count()).select_from(CarePhoto))


def test_the_card_shows_the_consents_in_force(app: Flask, teacher: FlaskClient) -> None:
    child = child_in(app, "三年级一班")
    html = text_of(teacher.get(f"/s/yangguang/children/{child['id']}"))
    assert "监护人同意" in html
    assert "拍摄儿童照片 · 2026年9月1日 · 签署纸质同意书" in html
    assert f'href="/s/yangguang/privacy/children/{child["id"]}/consents"' in html
    page = text_of(teacher.get(f"/s/yangguang/privacy/children/{child['id']}/consents"))
    assert "2026秋-" in page  # the paper form's reference


def test_a_withdrawn_photo_consent_refuses_home_visit_photos_until_given_again(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    photos_consent = consent_id(app, child["id"], ConsentKind.PHOTOS)
    response = post(
        teacher,
        f"/s/yangguang/privacy/consents/{photos_consent}/withdraw",
        {"withdrawn_by": child["guardian_name"], "withdrawn_on": local_today().isoformat()},
    )
    assert response.status_code == 303
    card = text_of(teacher.get(f"/s/yangguang/children/{child['id']}"))
    assert "未同意拍照：不得拍摄或上传该儿童的照片" in card

    before = photo_count(app)
    with_photo = visit(app, child, photos=[(io.BytesIO(jpeg_with_gps()), "yard.jpg")])
    refused = submit(
        teacher, "home_visit", child["id"], with_photo, content_type="multipart/form-data"
    )
    assert refused.status_code == 422
    html = text_of(refused)
    assert child["name"] + PHOTO_REFUSED in html
    assert "两间平房，孩子和奶奶同睡，有书桌。" in html  # what was typed is kept
    assert photo_count(app) == before
    assert submit(teacher, "home_visit", child["id"], visit(app, child)).status_code == 303

    response = post(
        teacher,
        f"/s/yangguang/privacy/children/{child['id']}/consents",
        {
            "kind": "photos",
            "given_by": child["guardian_name"],
            "given_on": local_today().isoformat(),
            "method": "home_visit",
            "form_reference": "家访-001",
        },
    )
    assert response.status_code == 303
    with_photo = visit(app, child, photos=[(io.BytesIO(jpeg_with_gps()), "yard.jpg")])
    accepted = submit(
        teacher, "home_visit", child["id"], with_photo, content_type="multipart/form-data"
    )
    assert accepted.status_code == 303
    assert photo_count(app) == before + 1
    with app_session(app, "yangguang") as session:
        logged = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.subject == "consent", AuditEvent.child_id == child["id"]
            )
        ).all()
        assert AuditAction.WITHDRAW in logged and AuditAction.CREATE in logged


def test_an_activity_with_photos_names_the_children_without_photo_consent(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_in(app, "三年级一班", 2)
    with app_session(app, "yangguang") as session:
        consent = session.get(Consent, consent_id(app, child["id"], ConsentKind.PHOTOS))
        service.withdraw_consent(
            session, consent, withdrawn_by="奶奶", on=date.today(), actor_id=None
        )
    data = activity(whole_class="y", photos=[(io.BytesIO(jpeg_with_gps()), "a.jpg")])
    response = post(
        teacher, f"{NEW}?class_id={class_id(app)}", data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert child["name"] + PHOTO_REFUSED in text_of(response)
    assert saved(app, data["uid"]) is None
    data = activity(whole_class="y")
    assert post(teacher, f"{NEW}?class_id={class_id(app)}", data).status_code == 303


def test_a_volunteer_sees_the_family_only_with_consent_to_share(
    app: Flask, client: FlaskClient
) -> None:
    shared, withheld = child_in(app, "三年级二班", 0), child_in(app, "三年级二班", 1)
    with app_session(app, "yangguang") as session:
        assert queries.has_consent(session, shared["id"], ConsentKind.VOLUNTEERS)
        assert not queries.has_consent(session, withheld["id"], ConsentKind.VOLUNTEERS)
        father_id = session.get(Child, withheld["id"]).parent(ParentRelation.FATHER).id
    log_in(client, VOLUNTEER_PHONE)
    open_card = text_of(client.get(f"/s/yangguang/children/{shared['id']}"))
    assert 'id="guardians"' in open_card and 'id="parents"' in open_card
    closed = client.get(f"/s/yangguang/children/{withheld['id']}")
    assert closed.status_code == 200
    html = text_of(closed)
    assert withheld["name"] in html
    assert 'id="guardians"' not in html and 'id="parents"' not in html
    assert "监护人未同意向志愿者提供家庭信息" in html
    call = post(
        client, f"/s/yangguang/children/{withheld['id']}/call", {"person": f"parent.{father_id}"}
    )
    assert call.status_code == 404


def test_a_consent_needs_who_gave_it_and_only_carers_of_the_child_record_it(
    app: Flask, teacher: FlaskClient
) -> None:
    own, other = child_in(app, "三年级一班"), child_in(app, "四年级一班")
    form = {"kind": "publicity", "given_by": "", "given_on": "2026-11-20", "method": "paper_form"}
    response = post(teacher, f"/s/yangguang/privacy/children/{own['id']}/consents", form)
    assert response.status_code == 422
    assert "请填写同意人" in text_of(response)
    form["given_by"] = "李桂兰"
    url = f"/s/yangguang/privacy/children/{other['id']}/consents"
    assert post(teacher, url, form).status_code == 404
