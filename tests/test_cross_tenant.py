"""A school never sees or changes another school's records, whatever URL or id is tried.

Walks every registered route under /s/ and /o/: new routes are covered the day they land. A
route with a path parameter this file does not know fails the walk until it is added below.
"""

from __future__ import annotations

import hashlib

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token
from tests.routes import ID_PARAMETERS, SCOPE_PARAMETERS, ids_of, school_rules, urls_for
from webapp.core.org import Tenant
from webapp.core.tenancy import ALL_TENANTS, tenant_tables


def fingerprint(app: Flask, slug: str) -> str:
    """Everything a school has in every tenant table, hashed."""
    digest = hashlib.sha256()
    with app_session(app) as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        for table in sorted(tenant_tables(), key=lambda t: t.name):
            rows = session.execute(
                select(table)
                .where(table.c.tenant_id == tenant_id)
                .order_by(table.c.id)
                .execution_options(**{ALL_TENANTS: True})
            ).all()
            digest.update(f"{table.name}:{rows!r}".encode())
    return digest.hexdigest()


def test_the_walk_covers_the_school_routes(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in school_rules(app)}
    assert {"school.home.today", "school.children.index", "school.children.card"} <= endpoints


@pytest.mark.parametrize(
    "slug_of_urls, ids_from", [("hongxing", "hongxing"), ("yangguang", "hongxing")]
)
def test_another_schools_pages_and_ids_answer_404_and_change_nothing(
    app: Flask, principal: FlaskClient, slug_of_urls: str, ids_from: str
) -> None:
    """阳光小学's principal tries 红星小学's URLs, then 红星小学's ids under 阳光小学."""
    foreign_ids = ids_of(app, ids_from)
    assert foreign_ids["child_id"] and foreign_ids["guardian_id"]
    before = fingerprint(app, "hongxing")
    token = csrf_token(principal, "/s/yangguang/")
    tried = 0
    for rule in school_rules(app):
        has_ids = bool(rule.arguments & set(ID_PARAMETERS))
        if slug_of_urls == "yangguang" and not has_ids:
            continue  # own pages without ids are the school's own business
        for url in urls_for(rule, slug_of_urls, foreign_ids):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = principal.open(
                    url, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token}
                )
                assert response.status_code == 404, (
                    f"{method} {url} answered {response.status_code}"
                )
                tried += 1
    assert tried > 0
    assert fingerprint(app, "hongxing") == before


def test_a_school_user_gets_404_for_an_oversight_unit(app: Flask, principal: FlaskClient) -> None:
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/o/<unit_slug>") and not (rule.arguments - SCOPE_PARAMETERS):
            assert principal.get(rule.rule.replace("<unit_slug>", "qinggang")).status_code == 404


def test_an_unknown_school_and_a_foreign_school_look_the_same(principal: FlaskClient) -> None:
    unknown = principal.get("/s/no-such-school/")
    foreign = principal.get("/s/hongxing/")
    assert unknown.status_code == foreign.status_code == 404
    assert unknown.get_data() == foreign.get_data()
