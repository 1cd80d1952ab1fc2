"""Step-up: reveals, exports, archive prints and restricted incidents need a password of the
last 10 minutes, and for principals and leads an authenticator code; the action goes on after
the prompt, a form with what it carried."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.auth.test_sessions import carried_fields, login_token, shift_login
from tests.children.test_disclosure import class_child, reveal_url
from tests.conftest import app_session
from tests.helpers import csrf_token, csrf_token_in, log_in, text_of, totp_code
from tests.incidents.conftest import class_children, incidents_in, views_of
from tests.incidents.test_mandatory import mandatory
from webapp.auth.service import find_user_by_phone
from webapp.children.models import SchoolClass
from webapp.core.org import Membership
from webapp.core.permissions import Role
from webapp.demo import DEMO_PASSWORD

PRINCIPAL, TEACHER = "13800000001", "13800000002"
SCHOOL = "/s/yangguang"
# Every action that opens children's data up or carries it out, by endpoint.
STEP_UP_ENDPOINTS = {
    "school.children.reveal",
    "school.roster.export",
    "school.reports.archive_table",
    "school.reports.growth_card",
}
# Paths that look like such an action and are not one, with the reason.
NOT_CHILDREN_DATA = {
    "/assets/write-offs/",  # a write-off of a broken chair: no child on it
    "/roster/template.xlsx",  # an empty import template
}


def test_every_reveal_export_and_print_route_asks_for_step_up(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        looks_like = re.search(r"reveal|export|\.xlsx|print|growth-card", rule.rule)
        if rule.endpoint in STEP_UP_ENDPOINTS or (
            looks_like and not any(part in rule.rule for part in NOT_CHILDREN_DATA)
        ):
            view = app.view_functions[rule.endpoint]
            assert getattr(view, "step_up", False), rule.rule
    for endpoint in STEP_UP_ENDPOINTS:
        assert getattr(app.view_functions[endpoint], "step_up", False), endpoint


def own_class_id(app: Flask) -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(select(SchoolClass.id).where(SchoolClass.name == "三年级一班"))


def test_a_reveal_after_ten_minutes_asks_the_password_then_goes_on(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_child(app)
    url = f"{reveal_url(child['id'])}?field=child.id_number"
    assert teacher.get(url).status_code == 200  # the login is fresh
    shift_login(app, login_token(teacher), password_at=timedelta(minutes=11))
    prompt = teacher.get(url)
    page = text_of(prompt)
    assert prompt.status_code == 401 and "确认是您本人" in page
    assert 'name="password"' in page and 'name="code"' not in page  # a class teacher: no code
    assert child["id_number"] not in page
    fields = carried_fields(page)
    fields.pop("csrf_token")
    wrong = teacher.post("/step-up", data={**fields, "csrf_token": csrf_token_in(page)})
    assert wrong.status_code == 422
    right = {**fields, "csrf_token": csrf_token_in(page), "password": DEMO_PASSWORD}
    back = teacher.post("/step-up", data=right)
    assert back.status_code == 303 and back.headers["Location"] == url
    assert teacher.get(url).status_code == 200


def test_an_htmx_reveal_turns_the_whole_page_into_the_prompt(app: Flask, teacher) -> None:
    child = class_child(app)
    shift_login(app, login_token(teacher), password_at=timedelta(minutes=30))
    prompt = teacher.get(
        reveal_url(child["id"]),
        query_string={"field": "child.id_number"},
        headers={"HX-Request": "true", "HX-Target": "reveal-child-id_number"},
    )
    assert prompt.status_code == 401 and prompt.headers["HX-Retarget"] == "body"


def export_url(class_id: int) -> str:
    return f"{SCHOOL}/roster/classes/{class_id}/export"


def test_a_principal_without_the_code_is_asked_for_it_and_the_export_follows(
    app: Flask, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL, with_code=False)
    url = export_url(own_class_id(app))
    prompt = client.post(
        url,
        data={"csrf_token": csrf_token(client, "/me"), "table": "basic_register", "unmasked": "y"},
    )
    page = text_of(prompt)
    assert prompt.status_code == 401
    assert 'name="code"' in page and 'name="password"' not in page  # the password is fresh
    fields = carried_fields(page)
    fields.pop("csrf_token")
    assert fields["carry:table"] == ["basic_register"] and fields["carry:unmasked"] == ["y"]
    token = csrf_token_in(page)
    refused = client.post("/step-up", data={**fields, "csrf_token": token, "code": "000000"})
    assert refused.status_code == 422 and "动态码不正确" in text_of(refused)
    resumed = client.post("/step-up", data={**fields, "csrf_token": token, "code": totp_code()})
    assert resumed.status_code == 200, re.findall(r"class=\"error\"[^<]*>([^<]*)", text_of(resumed))
    assert "data-resume" in text_of(resumed)
    replay = carried_fields(text_of(resumed))
    sent = client.post(url, data={k: v for k, v in replay.items()})
    assert sent.status_code == 200 and sent.mimetype.endswith("spreadsheetml.sheet")
    assert openpyxl.load_workbook(io.BytesIO(sent.data)).active.max_row > 1


def test_an_authenticator_code_opens_once(app: Flask, client: FlaskClient) -> None:
    code = totp_code()
    token = csrf_token(client, "/login")
    data = {"phone": PRINCIPAL, "password": DEMO_PASSWORD, "csrf_token": token, "code": code}
    assert client.post("/login", data=data).status_code == 303
    other = app.test_client()
    data["csrf_token"] = csrf_token(other, "/login")
    again = other.post("/login", data=data)
    assert again.status_code == 422 and "动态码不正确" in text_of(again)


def test_the_code_is_also_asked_again_after_ten_minutes(app: Flask, principal) -> None:
    url = export_url(own_class_id(app))
    assert principal.get(url).status_code == 200  # logged in with the code just now
    shift_login(app, login_token(principal), totp_at=timedelta(minutes=10, seconds=1))
    assert principal.get(url).status_code == 401


def test_opening_a_restricted_incident_asks_for_step_up(app: Flask, client) -> None:
    incident_id = mandatory(app, [class_children(app)[0]["id"]])
    log_in(client, PRINCIPAL, with_code=False)
    url = f"{SCHOOL}/incidents/{incident_id}"
    prompt = client.get(url)
    assert prompt.status_code == 401 and "疑似遭受家庭暴力" not in text_of(prompt)
    assert views_of(app, incident_id) == []  # nothing disclosed, nothing logged
    fields = carried_fields(text_of(prompt))
    fields["code"] = [totp_code()]
    back = client.post("/step-up", data=fields)
    assert back.status_code == 303 and back.headers["Location"] == url
    assert "疑似遭受家庭暴力" in text_of(client.get(url))
    assert views_of(app, incident_id)
    regular = next(i for i in incidents_in(app) if not i["restricted"])
    shift_login(app, login_token(client), totp_at=timedelta(hours=1))
    assert client.get(f"{SCHOOL}/incidents/{regular['id']}").status_code == 200


def test_a_lead_without_an_authenticator_sets_one_up_and_goes_on(
    app: Flask, client: FlaskClient
) -> None:
    with app_session(app) as session:
        user = find_user_by_phone(session, TEACHER)
        user_id = user.id
        tenant_id = session.scalar(
            select(Membership.tenant_id).where(Membership.user_id == user_id)
        )
        session.add(Membership(tenant_id=tenant_id, user_id=user_id, role=Role.ARCHIVIST))
    log_in(client, TEACHER)
    url = export_url(own_class_id(app))
    page = text_of(client.get(url))
    assert "设置身份验证器" in page and "/me/authenticator?next=" in page
    enrol = client.get("/me/authenticator", query_string={"next": url})
    html = text_of(enrol)
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>")[0]
    key = re.search(r'<p class="masked">([A-Z2-7 ]+)</p>', html).group(1).replace(" ", "")
    import pyotp

    fields = carried_fields(html)
    fields.pop("next", None)
    done = client.post(
        "/me/authenticator",
        data={**fields, "code": pyotp.TOTP(key).now(), "next": url},
    )
    assert done.status_code == 303 and done.headers["Location"] == url
    assert client.get(url).status_code == 200
    with app_session(app) as session:
        assert find_user_by_phone(session, TEACHER).totp_secret == key
