"""A school names its children's-data protection officer before any child is entered."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import app_session
from tests.helpers import log_in, text_of
from tests.privacy.conftest import PRINCIPAL_PHONE, NewSchool, post, user_id
from webapp.children.models import Gender, ParentRelation, ParentSituation
from webapp.children.service import register_child
from webapp.core.tenancy import tenant_context
from webapp.privacy import queries
from webapp.privacy.queries import NoProtectionOfficer

NEW_CARD = {
    "name": "张小雨",
    "gender": "female",
    "birth_date": "2018-03-04",
    "ethnicity": "汉族",
}


def test_a_school_without_an_officer_shows_why_no_child_can_be_entered(
    app: Flask, client: FlaskClient, new_school: NewSchool
) -> None:
    log_in(client, PRINCIPAL_PHONE)
    for url in ("/s/xinjian/children/new", "/s/xinjian/roster/"):
        response = client.get(url)
        assert response.status_code == 409
        html = text_of(response)
        assert "学校指定儿童个人信息保护负责人之前，不能录入任何儿童信息" in html
        assert 'href="/s/xinjian/privacy/"' in html
    assert post(client, "/s/xinjian/children/new", NEW_CARD).status_code == 409
    today = text_of(client.get("/s/xinjian/"))
    assert "请指定本校的儿童个人信息保护负责人" in today


def test_the_service_refuses_a_child_in_a_school_without_an_officer(
    app: Flask, new_school: NewSchool
) -> None:
    with (
        app_session(app) as session,
        tenant_context(session, new_school.id),
        pytest.raises(NoProtectionOfficer),
    ):
        register_child(
            session,
            actor_id=None,
            name="张小雨",
            gender=Gender.FEMALE,
            birth_date=date(2018, 3, 4),
            school_class=None,
            parents={ParentRelation.FATHER: {"situation": ParentSituation.WORKING_AWAY}},
        )


def test_once_the_principal_names_an_officer_children_can_be_entered(
    app: Flask, client: FlaskClient, new_school: NewSchool
) -> None:
    log_in(client, PRINCIPAL_PHONE)
    principal_id = user_id(app, PRINCIPAL_PHONE)
    page = text_of(client.get("/s/xinjian/privacy/"))
    assert "本校尚未指定儿童个人信息保护负责人" in page
    response = post(client, "/s/xinjian/privacy/officer", {"user_id": principal_id})
    assert response.status_code == 303
    with app_session(app) as session, tenant_context(session, new_school.id):
        assert queries.officer(session).user_id == principal_id
    assert "是本校的儿童个人信息保护负责人" in text_of(client.get("/s/xinjian/privacy/"))
    assert client.get("/s/xinjian/children/new").status_code == 200


def test_only_a_member_of_the_school_can_be_named_and_only_by_the_principal(
    app: Flask, client: FlaskClient
) -> None:
    other_school_teacher = user_id(app, "13800000005")  # 红星小学
    log_in(client, PRINCIPAL_PHONE)
    post(client, "/s/yangguang/privacy/officer", {"user_id": other_school_teacher})
    with app_session(app, "yangguang") as session:
        assert queries.officer(session).user_id == user_id(app, PRINCIPAL_PHONE)
    teacher_client = app.test_client()
    log_in(teacher_client, "13800000002")
    teacher = user_id(app, "13800000002")
    response = post(teacher_client, "/s/yangguang/privacy/officer", {"user_id": teacher})
    assert response.status_code == 403


def test_every_demo_school_has_an_officer(app: Flask, transaction: None) -> None:
    for slug in ("yangguang", "yangguang-kg", "hongxing"):
        with app_session(app, slug) as session:
            assert queries.officer(session) is not None
