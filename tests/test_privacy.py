"""Children's privacy: no ID number or phone in clear, in the database or on any page.

The database holds ciphertext only (the SQLite file and every row are searched for the demo's
values). Every page under /s/ is opened as every demo account and searched for an unmasked ID
number or phone; the only pages that may show one are the edit forms, to the roles that may
edit (opening them is an audited disclosure), and the answers to an explicit reveal or call.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from tests.conftest import app_session, migrated_app_with_demo
from tests.helpers import csrf_token, log_in, text_of
from tests.routes import FIXED_PARAMETERS, ID_PARAMETERS, ids_of, school_rules, urls_for
from webapp.auth.service import find_user_by_phone
from webapp.children.models import Child
from webapp.core.db import Base
from webapp.core.org import Tenant, roles_in_tenant
from webapp.core.permissions import can
from webapp.core.tenancy import ALL_TENANTS, tenant_context
from webapp.demo.care import COUNSELLOR_PHONE
from webapp.demo.data import VOLUNTEER_PHONE, build_plan
from webapp.extensions import db

# Pages that show plain values on purpose, to roles that may edit the card.
EDIT_FORMS = {
    "school.children.edit",
    "school.children.edit_parent",
    "school.children.edit_guardian",
}


def demo_secrets() -> set[str]:
    """Every ID number and phone number the demo data holds."""
    plan = build_plan()
    secrets = {person.phone for person in plan.staff}
    for children in plan.children.values():
        for child in children:
            secrets.add(child.id_number)
            secrets |= {p["phone"] for p in child.parents.values() if p.get("phone")}
            secrets |= {g["phone"] for g in child.guardians if g.get("phone")}
    return secrets


def test_the_sqlite_file_holds_no_id_number_or_phone(tmp_path: Path) -> None:
    database = tmp_path / "plain.sqlite3"
    app = migrated_app_with_demo(f"sqlite:///{database}")
    with app.app_context():
        db.engine.dispose()  # the last connection closing checkpoints the WAL into the file
    content = b"".join(p.read_bytes() for p in tmp_path.glob("plain.sqlite3*"))
    assert len(content) > 100_000
    leaked = [s for s in demo_secrets() if s.encode() in content]
    assert leaked == []


def test_no_row_of_any_table_holds_an_id_number_or_phone(app: Flask, transaction: None) -> None:
    secrets = demo_secrets()
    with app_session(app) as session:
        for table in Base.metadata.sorted_tables:
            rows = session.execute(select(table).execution_options(**{ALL_TENANTS: True})).all()
            dump = repr(rows)
            assert not [s for s in secrets if s in dump], f"plaintext in {table.name}"
        if session.bind.dialect.name == "postgresql":  # and as PostgreSQL itself renders them
            for table in Base.metadata.sorted_tables:
                dump = " ".join(
                    session.execute(text(f'SELECT CAST(t AS TEXT) FROM "{table.name}" t')).scalars()
                )
                assert not [s for s in secrets if s in dump], f"plaintext in {table.name}"


ACCOUNTS = [
    "13800000001",
    "13800000002",
    "13800000003",
    "13800000004",
    "13800000005",
    "13800000009",
    VOLUNTEER_PHONE,
    COUNSELLOR_PHONE,  # reads the talks whose concerns reached her, and no card
]


def school_secrets(app: Flask, slug: str) -> set[str]:
    """The plain ID numbers and phones of one school's children and families."""
    with app_session(app) as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        with tenant_context(session, tenant_id):
            found = set()
            for child in session.scalars(select(Child)):
                found.add(child.id_number)
                found |= {p.phone for p in child.parents if p.phone}
                found |= {g.phone for g in child.guardians if g.phone}
            return found - {None}


def reachable_ids(app: Flask, client: FlaskClient, slug: str) -> dict[str, list]:
    """A few ids of the school, including children this account can open."""
    ids = ids_of(app, slug, limit=2)
    listed = re.findall(
        rf'href="/s/{slug}/children/(\d+)"', text_of(client.get(f"/s/{slug}/children/"))
    )
    ids["child_id"] = sorted(set(ids["child_id"]) | {int(i) for i in listed[:3]})
    return ids


def roles_of(app: Flask, phone: str, slug: str) -> frozenset:
    with app_session(app) as session:
        user = find_user_by_phone(session, phone)
        return frozenset(roles_in_tenant(session, user.id, slug)[1])


def test_no_page_shows_an_unmasked_id_number_or_phone_to_a_role_that_may_not_see_it(
    app: Flask, client: FlaskClient
) -> None:
    walked = set(ID_PARAMETERS) | set(FIXED_PARAMETERS) | {"tenant_slug"}
    opened = 0
    for phone in ACCOUNTS:
        log_in(client, phone)
        for slug in re.findall(r'href="/s/([\w-]+)/"', text_of(client.get("/me"))):
            secrets = school_secrets(app, slug)
            ids = reachable_ids(app, client, slug)
            may_edit = can("children.edit", roles_of(app, phone, slug))
            for rule in school_rules(app):
                if "GET" not in rule.methods or not set(rule.arguments) <= walked:
                    continue
                for url in urls_for(rule, slug, ids):
                    response = client.get(url)
                    if response.status_code != 200 or not response.mimetype.startswith("text/"):
                        continue
                    opened += 1
                    shown = [s for s in secrets if s in text_of(response)]
                    if shown and not (may_edit and rule.endpoint in EDIT_FORMS):
                        raise AssertionError(f"{phone} sees {shown[:2]} on {url}")
        client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    assert opened > 50
