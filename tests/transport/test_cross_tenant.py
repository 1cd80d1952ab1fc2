"""Another school's pickups and buses are never found: every id in a path, and every id a form
or a picker names, answers 404 (or names nobody) and changes nothing there."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.routes import ids_of, school_rules, urls_for
from tests.test_cross_tenant import fingerprint
from tests.transport.people import kids_of, new_uid, switch_to
from webapp.children.models import Child, GuardianRelation, SchoolClass
from webapp.demo.transport import ROUTE
from webapp.transport import service
from webapp.transport.models import (
    BusDirection,
    BusRider,
    BusRoute,
    ReleaseKind,
    TripPassenger,
)

DAY = date(2026, 11, 27)


def hongxing_rows(app: Flask) -> dict[str, int]:
    """红星小学's own pickups and bus, made the way the app makes them."""
    with app_session(app, "hongxing") as session:
        school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == "一年级一班"))
        children = session.scalars(
            select(Child).where(Child.class_id == school_class.id).order_by(Child.id)
        ).all()
        collected = next(c for c in children if c.guardians)
        release = service.release_child(
            session,
            uid=uuid.uuid4(),
            child=collected,
            day=DAY,
            kind=ReleaseKind.COLLECTED,
            person_key=f"guardian.{collected.guardians[0].id}",
            actor_id=None,
        ).row
        refusal = service.record_refusal(
            session,
            uid=uuid.uuid4(),
            child=children[1],
            day=DAY,
            name="某人",
            relation=GuardianRelation.RELATIVE,
            phone=None,
            actor_id=None,
        ).row
        collector = service.add_today_collector(
            session,
            uid=uuid.uuid4(),
            child=children[2],
            day=DAY,
            name="某人",
            relation=GuardianRelation.NEIGHBOUR,
            phone="13700001111",
            actor_id=None,
        ).row
        route = service.save_route(
            session,
            None,
            uid=uuid.uuid4(),
            name="红星线",
            direction=BusDirection.HOME,
            driver_name="李师傅",
            driver_phone="13700002222",
            plate="渝B·00001",
            seats=10,
            stop_names=["红岩村", "双河村"],
            actor_id=None,
        ).row
        stop = route.stops[0]
        service.assign_rider(session, route=route, child=children[3], stop=stop, actor_id=None)
        trip = service.start_trip(
            session, uid=uuid.uuid4(), route=route, day=DAY, actor_id=None
        ).row
        passenger = session.scalar(select(TripPassenger).where(TripPassenger.trip_id == trip.id))
        return {
            "class_id": school_class.id,
            "child_id": children[3].id,
            "guardian_id": collected.guardians[0].id,
            "release_id": release.id,
            "refusal_id": refusal.id,
            "collector_id": collector.id,
            "route_id": route.id,
            "stop_id": stop.id,
            "trip_id": trip.id,
            "passenger_id": passenger.id,
        }


def test_every_pickup_and_bus_url_with_another_schools_ids_is_not_found(
    app: Flask, client: FlaskClient
) -> None:
    foreign = hongxing_rows(app)
    ids = ids_of(app, "hongxing")
    assert ids["route_id"] and ids["trip_id"] and ids["release_id"] and ids["passenger_id"]
    before = fingerprint(app, "hongxing")
    for phone in ("13800000001", "13900000190"):  # who sees every pickup and every bus
        switch_to(client, phone)
        token = csrf_token(client, "/me")
        tried = 0
        for rule in school_rules(app):
            if not rule.endpoint.startswith(("school.pickups.", "school.bus.")):
                continue
            for slug in ("yangguang", "hongxing"):
                for url in urls_for(rule, slug, ids):
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                        if not rule.arguments - {"tenant_slug"} and slug == "yangguang":
                            continue  # the school's own index pages
                        answer = client.open(
                            url,
                            method=method,
                            data={"csrf_token": token, "uid": new_uid(), "state": "off"},
                        )
                        assert answer.status_code == 404, f"{phone} {method} {url}"
                        tried += 1
        assert tried > 40
    assert fingerprint(app, "hongxing") == before
    assert foreign["trip_id"] in ids["trip_id"]


def test_pickers_and_form_fields_naming_another_schools_rows_find_nothing(
    app: Flask, client: FlaskClient
) -> None:
    foreign = hongxing_rows(app)
    before = fingerprint(app, "hongxing")
    switch_to(client, "13900000190")
    token = csrf_token(client, "/me")
    own = kids_of(app, "yangguang", "一年级一班")[0]
    board = f"/s/yangguang/pickups/classes/{own.class_id}"
    assert client.get(f"{board}?child_id={foreign['child_id']}").status_code == 404
    for person in (f"guardian.{foreign['guardian_id']}", f"collector.{foreign['collector_id']}"):
        answer = client.post(
            f"/s/yangguang/pickups/children/{own.id}/release",
            data={"csrf_token": token, "uid": new_uid(), "person": person},
        )
        assert answer.status_code == 422 and "此人不在接送名单上" in text_of(answer)

    with app_session(app, "yangguang") as session:
        route = session.scalar(select(BusRoute).where(BusRoute.name == ROUTE["name"]))
        route_id = route.id
    started = client.post(
        f"/s/yangguang/bus/routes/{route_id}/trips", data={"csrf_token": token, "uid": new_uid()}
    )
    trip = started.headers["Location"]
    assert client.get(f"{trip}?passenger={foreign['passenger_id']}").status_code == 404
    stop_tap = client.post(
        f"{trip}/taps", data={"csrf_token": token, "uid": new_uid(), "stop_id": foreign["stop_id"]}
    )
    assert stop_tap.status_code == 404
    marked = client.post(
        f"{trip}/passengers/{foreign['passenger_id']}",
        data={"csrf_token": token, "uid": new_uid(), "state": "off"},
    )
    assert marked.status_code == 404
    rider = client.post(
        f"/s/yangguang/bus/routes/{route_id}/riders",
        data={"csrf_token": token, "child_id": foreign["child_id"], "stop_id": foreign["stop_id"]},
    )
    assert rider.status_code == 422  # neither child nor stop is on offer here
    assert "请选择学生。" in text_of(rider) and "请选择站点。" in text_of(rider)
    with app_session(app, "yangguang") as session:
        assert not session.scalar(select(BusRider).where(BusRider.child_id == foreign["child_id"]))
    assert fingerprint(app, "hongxing") == before


def test_a_uid_made_in_one_school_makes_nothing_in_another(app: Flask, client: FlaskClient) -> None:
    """A form's UUID is unique per school: the same UUID sent to another school is new there."""
    uid = new_uid()
    with app_session(app, "hongxing") as session:
        child = session.scalar(
            select(Child)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.name == "一年级一班")
            .limit(1)
        )
        service.release_child(
            session,
            uid=uuid.UUID(uid),
            child=child,
            day=DAY,
            kind=ReleaseKind.ABSENT,
            actor_id=None,
        )
    switch_to(client, "13800000004")
    kid = kids_of(app)[0]
    answer = client.post(
        f"/s/yangguang-kg/pickups/children/{kid.id}/release",
        data={"csrf_token": csrf_token(client, "/me"), "uid": uid, "kind": "after_care"},
    )
    assert answer.status_code == 303
