"""Two answers that were a server error: a child's history after an archive Excel export (its
audit row names the table in three parts), and a new card saved without a class."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from webapp.children.models import Child, SchoolClass
from webapp.core.cn import id_check_digit
from webapp.reports.archive import Table

SCHOOL = "/s/yangguang"


def test_a_childs_history_shows_an_archive_export(app: Flask, principal: FlaskClient) -> None:
    with app_session(app, "yangguang") as session:
        school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == "三年级一班"))
        class_id = school_class.id
        child_ids = session.scalars(select(Child.id).where(Child.class_id == class_id)).all()
    url = f"{SCHOOL}/reports/classes/{class_id}/{next(iter(Table)).value}"
    token = csrf_token(principal, f"{SCHOOL}/")
    book = principal.post(url, data={"csrf_token": token, "format": "xlsx"})
    assert book.mimetype.endswith("spreadsheetml.sheet")

    histories = [principal.get(f"{SCHOOL}/children/{i}/history") for i in child_ids[:3]]
    assert [h.status_code for h in histories] == [200, 200, 200]


def test_a_new_card_without_a_class_is_saved(principal: FlaskClient) -> None:
    first17 = "52032220160304123"
    number = first17 + id_check_digit(first17)
    response = principal.post(
        f"{SCHOOL}/children/new",
        data={
            "csrf_token": csrf_token(principal, f"{SCHOOL}/children/new"),
            "name": "林小禾",
            "id_number": number,
            "gender": "male",
            "birth_date": "2016-03-04",
            "ethnicity": "汉族",
            "class_id": "",
        },
    )
    assert response.status_code == 303, text_of(response)[:2000]
    assert "林小禾" in text_of(principal.get(response.headers["Location"]))
