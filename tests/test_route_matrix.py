"""Every route × every demo role × own id / another school's id / an id that does not exist.

Another school's record never answers anything but 404, and that 404 is the very answer a
missing record gets: same status, same headers, same bytes once the per-request bits are taken
out. Whatever their role, nobody can tell "exists in another school" from "does not exist",
and nothing changes in the other school. Routes are read from the app, so a new one is covered
the day it lands (tests/routes.py names its path parameters).

One test per role: it logs in once, walks every route, and lists every failure at the end.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from itertools import product

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from tests.conftest import app_session
from tests.helpers import csrf_token, log_in
from tests.routes import ID_PARAMETERS, school_rules, urls_for
from tests.test_cross_tenant import fingerprint
from webapp.assets.models import Stocktake
from webapp.auth.service import find_user_by_phone
from webapp.care.models import CarePhoto, CareRecord
from webapp.children.models import Child, ChildTransfer, GuardianRelation, ImportBatch
from webapp.core.org import Membership, OrgUnit, Tenant, TenantKind, UnitKind, UnitMembership
from webapp.core.permissions import Role, can
from webapp.core.tenancy import ALL_TENANTS, tenant_context
from webapp.families.models import GuardianMeeting, MeetingPhoto
from webapp.oversight.models import OversightGrant
from webapp.oversight.snapshot_models import RosterSnapshot
from webapp.privacy.models import AccessGrant, AlertKind, GrantKind, PrivacyAlert
from webapp.tenants.models import Term
from webapp.transport.models import (
    BusDirection,
    BusRider,
    BusRoute,
    BusStop,
    BusTrip,
    PickupRefusal,
    Release,
    ReleaseKind,
    TripPassenger,
)


@dataclass(frozen=True)
class DemoRole:
    phone: str
    school: str  # where the account works
    other: str  # the school whose ids it tries
    unit: str = "qinggang"  # the oversight unit whose pages it tries


DEMO_ROLES = {
    "principal": DemoRole("13800000001", "yangguang", "hongxing"),
    "class teacher": DemoRole("13800000002", "yangguang", "hongxing"),
    "room keeper": DemoRole("13800000003", "yangguang", "hongxing"),
    "kindergarten teacher": DemoRole("13800000004", "yangguang-kg", "yangguang"),
    "volunteer": DemoRole("13900000150", "yangguang", "hongxing"),
    "counsellor": DemoRole("13900000160", "yangguang", "hongxing"),
    "department head": DemoRole("13900000180", "yangguang", "hongxing"),
    "safety lead": DemoRole("13900000190", "yangguang", "hongxing"),
    "dorm supervisor": DemoRole("13900000191", "yangguang", "hongxing"),
    "coordinator": DemoRole("13900000220", "yangguang", "hongxing"),
    # 周明 oversees 青杠镇 and teaches at 红星小学: a plain teacher, the other way round.
    "oversight officer": DemoRole("13800000009", "hongxing", "yangguang"),
    # 罗成刚 oversees the county and belongs to no school: only the /o/ pages are his.
    "county officer": DemoRole("13900000230", "", "yangguang", unit="bishan"),
}

# What differs between two answers to the same person for nothing they asked, taken out before
# comparing: the CSRF token the layout hands htmx (signed with the second it was made), and
# when the login ends (it moves on with every request), in the page and in a header; the
# session cookie is signed anew, and the length follows the page. Those headers must still be
# there in both answers, or missing in both.
PER_REQUEST_BODY = (
    (re.compile(rb"""hx-headers='\{"X-CSRFToken": "[^"']+"\}'"""), b"hx-headers=''"),
    (re.compile(rb'data-expires="[^"]+"'), b'data-expires=""'),
)
PER_REQUEST_HEADERS = {"X-Login-Expires", "Set-Cookie", "Content-Length"}

# Another school outside every demo unit, for the /o/ pages: a unit never sees it.
ELSEWHERE_UNIT, ELSEWHERE_TOWN, ELSEWHERE_SCHOOL = "elsewhere", "elsewhere-town", "elsewhere-xx"
# /o/ path parameters → (the unit's own, outside every demo unit, nobody's)
UNIT_PARAMETERS = {
    "school_slug": ("hongxing", ELSEWHERE_SCHOOL, "no-such-school"),
    "tenant_slug": ("hongxing", ELSEWHERE_SCHOOL, "no-such-school"),
    "unit_slug_below": ("qinggang", ELSEWHERE_TOWN, "no-such-unit"),
    "year": (2026, 2026, 2026),
}

UNIT_RECORDS = set(UNIT_PARAMETERS) - {"year"}


def without_per_request_bits(body: bytes) -> bytes:
    for pattern, replacement in PER_REQUEST_BODY:
        body = pattern.sub(replacement, body)
    return body


def first_difference(page: bytes, other_page: bytes) -> str:
    at = next(
        (i for i, (a, b) in enumerate(zip(page, other_page, strict=False)) if a != b),
        min(len(page), len(other_page)),
    )
    return f"{page[max(0, at - 60) : at + 60]!r} against {other_page[max(0, at - 60) : at + 60]!r}"


def comparable_headers(response: TestResponse) -> list[tuple[str, str]]:
    """Every header, with the value of those that vary per request left out."""
    return sorted(
        (name, "" if name in PER_REQUEST_HEADERS else value)
        for name, value in response.headers.items()
    )


def values_of(session: Session, slug: str, name: str) -> list:
    model, column = ID_PARAMETERS[name]
    attribute = getattr(model, column)
    return list(
        session.scalars(
            select(attribute)
            .join(Tenant, Tenant.id == model.tenant_id)
            .where(Tenant.slug == slug, attribute.is_not(None))
            .order_by(model.id)
            .execution_options(**{ALL_TENANTS: True})
        )
    )


def nobodys(session: Session, name: str) -> object:
    """A value no school has: past the highest id, a fresh uid, a code no school prints."""
    model, column = ID_PARAMETERS[name]
    attribute = getattr(model, column)
    if column.endswith("uid"):
        return uuid.uuid4()
    if column == "code":
        return "ZZ-Z-9999"
    highest = session.scalar(select(func.max(attribute)).execution_options(**{ALL_TENANTS: True}))
    return (highest or 0) + 1000


def give_one_of_everything(session: Session, slug: str) -> None:
    """The rows the demo leaves out in a school (no import, no photo, no bus at 红星小学 …),
    so every route has another school's id to try. Rolled back with the test."""

    def lacks(name: str) -> bool:
        return not values_of(session, slug, name)

    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    user_id = session.scalar(select(Membership.user_id).where(Membership.tenant_id == tenant.id))
    unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.slug == "qinggang"))
    with tenant_context(session, tenant.id):
        child = session.scalar(select(Child).order_by(Child.id))
        today = date(2026, 11, 27)
        if lacks("group_uid"):
            record = session.scalar(select(CareRecord).order_by(CareRecord.id))
            record.group_uid = uuid.uuid4()
        if lacks("batch_uid"):
            session.add(ImportBatch(filename="名单.xlsx"))
        if lacks("photo_id"):
            session.add(CarePhoto(photo_uid=uuid.uuid4()))
        if lacks("meeting_photo_id"):
            meeting_id = session.scalar(select(GuardianMeeting.id).order_by(GuardianMeeting.id))
            session.add(MeetingPhoto(meeting_id=meeting_id, photo_uid=uuid.uuid4()))
        if lacks("release_id"):
            session.add(Release(child_id=child.id, day=today, kind=next(iter(ReleaseKind))))
        if lacks("refusal_id"):
            session.add(
                PickupRefusal(
                    child_id=child.id, day=today, name="陌生人", relation=GuardianRelation.RELATIVE
                )
            )
        if lacks("stocktake_id"):
            session.add(Stocktake())
        if lacks("snapshot_id"):
            term_id = session.scalar(select(Term.id).order_by(Term.id))
            session.add(
                RosterSnapshot(
                    term_id=term_id,
                    term_key="2026-1",
                    term_label="2026学年第一学期",
                    version=1,
                    figures_json="{}",
                    children_json="[]",
                    content_hash="0" * 64,
                )
            )
        if lacks("oversight_grant_id"):
            session.add(OversightGrant(user_id=user_id, org_unit_id=unit_id, reason="核查", days=1))
        if lacks("grant_id"):
            session.add(
                AccessGrant(user_id=user_id, kind=next(iter(GrantKind)), reason="核查", days=1)
            )
        if lacks("privacy_alert_id"):
            session.add(PrivacyAlert(kind=next(iter(AlertKind)), user_id=user_id, day=today))
        if lacks("transfer_id"):
            session.add(
                ChildTransfer(
                    from_tenant_id=tenant.id,
                    source_child_id=child.id,
                    child_name="转学生",
                    snapshot="{}",
                )
            )
        if lacks("route_id"):
            route = BusRoute(
                name="一号线",
                direction=next(iter(BusDirection)),
                driver_name="司机",
                plate="渝A00000",
                seats=19,
            )
            session.add(route)
            session.flush()
            stop = BusStop(route_id=route.id, name="村口", position=1)
            trip = BusTrip(route_id=route.id, day=today)
            session.add_all([stop, trip])
            session.flush()
            session.add(BusRider(route_id=route.id, child_id=child.id, stop_id=stop.id))
            session.add(TripPassenger(trip_id=trip.id, child_id=child.id, stop_id=stop.id))
        session.flush()


def add_a_school_outside_every_unit(session: Session) -> None:
    county = OrgUnit(slug=ELSEWHERE_UNIT, name="别县教育委员会", kind=UnitKind.COUNTY)
    town = OrgUnit(slug=ELSEWHERE_TOWN, name="别镇中心校", kind=UnitKind.TOWNSHIP, parent=county)
    session.add_all([county, town])
    school = Tenant(slug=ELSEWHERE_SCHOOL, name="别处小学", kind=TenantKind.SCHOOL, org_unit=town)
    session.add(school)
    session.flush()


@dataclass
class Walk:
    client: FlaskClient
    token: str
    failures: list[str]
    compared: int = 0

    def ask(self, method: str, url: str) -> TestResponse:
        """A GET as a page; a POST as the phone's htmx sends a form (its 404 is a message)."""
        headers = {"X-CSRFToken": self.token} | ({"HX-Request": "true"} if method != "GET" else {})
        return self.client.open(
            url, method=method, data={"csrf_token": self.token}, headers=headers
        )

    def compare(self, method: str, other_url: str, missing_url: str) -> None:
        """Another school's record next to a missing one, asked one right after the other."""
        other, missing = self.ask(method, other_url), self.ask(method, missing_url)
        self.compared += 1
        wrong = [
            f"{method} {url} answered {response.status_code}, not 404"
            for url, response in ((other_url, other), (missing_url, missing))
            if response.status_code != 404
        ]
        if wrong:
            self.failures += wrong
        elif comparable_headers(other) != comparable_headers(missing):
            self.failures.append(
                f"{method} {other_url}: headers {comparable_headers(other)} differ from "
                f"a missing record's {comparable_headers(missing)}"
            )
        elif (page := without_per_request_bits(other.get_data())) != (
            missing_page := without_per_request_bits(missing.get_data())
        ):
            self.failures.append(
                f"{method} {other_url}: the 404 page differs from {missing_url}'s: "
                f"{first_difference(page, missing_page)}"
            )


def record_rules(app: Flask) -> list[Rule]:
    return [rule for rule in school_rules(app) if rule.arguments & set(ID_PARAMETERS)]


def unit_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/o/<unit_slug>") and rule.arguments & UNIT_RECORDS
    ]


def unit_url(rule: Rule, unit: str, which: int) -> str:
    url = rule.rule.replace("<unit_slug>", unit)
    for name in rule.arguments - {"unit_slug"}:
        url = re.sub(rf"<(?:\w+:)?{name}>", str(UNIT_PARAMETERS[name][which]), url)
    return url


def methods_of(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


# On PostgreSQL (where row security stands behind the tenant filter) the roles that reach the
# most records and the cross-school accounts: the walk is minutes per backend.
ROLES_ON_POSTGRESQL = {
    "principal",
    "class teacher",
    "kindergarten teacher",
    "oversight officer",
    "county officer",
}


@pytest.fixture(params=list(DEMO_ROLES), ids=lambda name: name.replace(" ", "-"))
def demo(request: pytest.FixtureRequest, app: Flask, client: FlaskClient) -> DemoRole:
    on_postgresql = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    if on_postgresql and request.param not in ROLES_ON_POSTGRESQL:
        pytest.skip("what a role may open is the same on either database; SQLite walks all")
    role = DEMO_ROLES[request.param]
    with app_session(app) as session:
        give_one_of_everything(session, role.other)
        add_a_school_outside_every_unit(session)
    log_in(client, role.phone)
    home = f"/s/{role.school}/" if role.school else f"/o/{role.unit}/"
    assert client.get(home).status_code == 200, "the demo account did not log in"
    return role


def test_the_matrix_has_every_demo_role(app: Flask) -> None:
    with app_session(app) as session:
        users = [find_user_by_phone(session, role.phone).id for role in DEMO_ROLES.values()]
        held = set(session.scalars(select(Membership.role).where(Membership.user_id.in_(users))))
        held |= set(
            session.scalars(select(UnitMembership.role).where(UnitMembership.user_id.in_(users)))
        )
    assert set(Role) - held == {Role.ARCHIVIST}  # the demo has no archivist


def test_every_id_route_has_another_schools_id_to_try(app: Flask, transaction: None) -> None:
    """Else the walk below would skip it silently."""
    for other in {role.other for role in DEMO_ROLES.values()}:
        with app_session(app) as session:
            give_one_of_everything(session, other)
            lacking = [name for name in ID_PARAMETERS if not values_of(session, other, name)]
        assert lacking == [], other


def test_another_schools_record_answers_exactly_like_a_missing_one(
    app: Flask, client: FlaskClient, demo: DemoRole
) -> None:
    with app_session(app) as session:
        mine = {name: values_of(session, demo.school, name) for name in ID_PARAMETERS}
        first = {name: values[:1] for name, values in mine.items()}
        other = {  # not one of the school's own too (asset codes are unique per school only)
            name: [value for value in values_of(session, demo.other, name) if value not in own][:1]
            for name, own in mine.items()
        }
        missing = {name: [nobodys(session, name)] for name in ID_PARAMETERS}
        roles = set(
            session.scalars(
                select(Membership.role)
                .join(Tenant, Tenant.id == Membership.tenant_id)
                .where(
                    Membership.user_id == find_user_by_phone(session, demo.phone).id,
                    Tenant.slug == demo.school,
                )
            )
        )
    before = fingerprint(app, demo.other)
    walk = Walk(client, csrf_token(client, "/me"), [])
    school = demo.school or demo.other  # the county officer tries a school he is not in
    for rule in record_rules(app):
        other_urls = urls_for(rule, school, other)
        missing_urls = urls_for(rule, school, missing)
        for method, (other_url, missing_url) in product(
            methods_of(rule), zip(other_urls, missing_urls, strict=True)
        ):
            walk.compare(method, other_url, missing_url)
    for rule in unit_rules(app):
        for method in methods_of(rule):
            walk.compare(method, unit_url(rule, demo.unit, 1), unit_url(rule, demo.unit, 2))
    # Own ids last: a page that flashes a message would show it on the next 404 compared.
    # Own records answer whatever the role allows (a refused one is the 404 compared above);
    # the matrix asks only that none fails.
    for rule in record_rules(app):
        permission = app.view_functions[rule.endpoint].required_permission
        if (
            "GET" in rule.methods
            and can(permission, roles)
            and all(first[name] for name in rule.arguments & set(first))
        ):
            for url in urls_for(rule, demo.school, first)[:1]:
                if (status := client.get(url).status_code) >= 500:
                    walk.failures.append(f"GET {url} answered {status}")
    assert not walk.failures, "\n".join(walk.failures)
    assert walk.compared > 170
    assert fingerprint(app, demo.other) == before
