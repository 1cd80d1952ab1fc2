"""The school bus: routes with their stops in order, riders up to the seats, a manifest with
"all aboard" in one tap and the exceptions after, getting off stop by stop, and a trip that
closes only once the bus was checked empty."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.care.demo_day import freeze_today
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.transport.people import new_uid, switch_to, uid_in
from webapp.children.models import Child, SchoolClass
from webapp.core.audit import AuditAction, AuditEvent
from webapp.demo.transport import ROUTE
from webapp.safety.models import DayPart, Leave, LeaveKind
from webapp.transport.models import (
    BusRider,
    BusRoute,
    BusStop,
    BusTrip,
    PassengerState,
    TripEvent,
    TripPassenger,
)

BUS = "/s/yangguang/bus"
MANIFEST = {"HX-Request": "true", "HX-Target": "trip"}


def demo_route(app: Flask) -> tuple[int, int, list[int]]:
    """(route id, seats, rider child ids) of the demo's bus home."""
    with app_session(app, "yangguang") as session:
        route = session.scalar(select(BusRoute).where(BusRoute.name == ROUTE["name"]))
        riders = session.scalars(
            select(BusRider.child_id).where(
                BusRider.route_id == route.id, BusRider.ended_on.is_(None)
            )
        ).all()
        return route.id, route.seats, list(riders)


def start(client: FlaskClient, route_id: int) -> tuple[int, str]:
    index = text_of(client.get(f"{BUS}/"))
    form = re.search(rf'/routes/{route_id}/trips".*?name="uid" value="([0-9a-f-]{{36}})"', index)
    started = client.post(
        f"{BUS}/routes/{route_id}/trips",
        data={"csrf_token": csrf_token(client, "/me"), "uid": form[1] if form else new_uid()},
    )
    assert started.status_code == 303
    trip_id = int(started.headers["Location"].rsplit("/", 1)[1])
    return trip_id, f"{BUS}/trips/{trip_id}"


def tap(client: FlaskClient, trip_id: int, uid: str | None = None, **choice) -> object:
    return client.post(
        f"{BUS}/trips/{trip_id}/taps",
        data={"csrf_token": csrf_token(client, "/me"), "uid": uid or new_uid(), **choice},
        headers=MANIFEST,
    )


def mark(client: FlaskClient, trip_id: int, passenger_id: int, state: str, uid=None) -> object:
    return client.post(
        f"{BUS}/trips/{trip_id}/passengers/{passenger_id}",
        data={"csrf_token": csrf_token(client, "/me"), "uid": uid or new_uid(), "state": state},
        headers=MANIFEST,
    )


def states(app: Flask, trip_id: int) -> dict[int, str]:
    """child id → where the child is on this trip."""
    with app_session(app, "yangguang") as session:
        return {
            p.child_id: p.state.value
            for p in session.scalars(select(TripPassenger).where(TripPassenger.trip_id == trip_id))
        }


def passenger_ids(app: Flask, trip_id: int) -> dict[int, int]:
    """child id → passenger id."""
    with app_session(app, "yangguang") as session:
        return {
            p.child_id: p.id
            for p in session.scalars(select(TripPassenger).where(TripPassenger.trip_id == trip_id))
        }


def stops_of(app: Flask, route_id: int) -> list[tuple[int, str, list[int]]]:
    """(stop id, name, rider child ids) in the bus's order."""
    with app_session(app, "yangguang") as session:
        stops = session.scalars(
            select(BusStop)
            .where(BusStop.route_id == route_id, BusStop.is_active)
            .order_by(BusStop.position)
        ).all()
        return [
            (
                stop.id,
                stop.name,
                list(
                    session.scalars(
                        select(BusRider.child_id).where(
                            BusRider.stop_id == stop.id, BusRider.ended_on.is_(None)
                        )
                    )
                ),
            )
            for stop in stops
        ]


def new_route(client: FlaskClient, **changes) -> object:
    page = text_of(client.get(f"{BUS}/routes/new"))
    values = {
        "name": "白云线（上学）",
        "direction": "to_school",
        "driver_name": "王师傅",
        "driver_phone": "13611112222",
        "plate": "渝B·12345",
        "seats": "3",
        "stops": "白云村\n龙凤村\n石桥村",
        **changes,
    }
    return client.post(
        f"{BUS}/routes/new",
        data={"csrf_token": csrf_token(client, "/me"), "uid": uid_in(page), **values},
    )


def children_of_class(app: Flask, class_name: str, count: int) -> list[int]:
    with app_session(app, "yangguang") as session:
        return list(
            session.scalars(
                select(Child.id)
                .join(SchoolClass, SchoolClass.id == Child.class_id)
                .where(SchoolClass.name == class_name)
                .order_by(Child.id)
                .limit(count)
            )
        )


def test_the_safety_lead_sets_up_a_route_with_its_stops_in_order(
    app: Flask, safety_lead: FlaskClient
) -> None:
    answer = new_route(safety_lead)
    assert answer.status_code == 303
    page = text_of(safety_lead.get(answer.headers["Location"]))
    assert "白云线（上学）" in page and "上学" in page and "渝B·12345" in page
    assert page.index("白云村") < page.index("龙凤村") < page.index("石桥村")
    assert "13611112222" not in page and "136****2222" in page
    with app_session(app, "yangguang") as session:
        route = session.scalar(select(BusRoute).where(BusRoute.name == "白云线（上学）"))
        assert route.driver_phone == "13611112222"
        assert "13611112222" not in route.driver_phone_sealed
        assert [s.name for s in route.stops] == ["白云村", "龙凤村", "石桥村"]
    index = text_of(safety_lead.get(f"{BUS}/"))
    assert "白云线（上学）" in index and "0 人乘车" in index and "3 座" in index


def test_a_route_form_with_mistakes_is_answered_next_to_the_fields(
    app: Flask, safety_lead: FlaskClient
) -> None:
    answer = new_route(
        safety_lead, name=ROUTE["name"], seats="0", stops="白云村\n白云村", driver_phone=""
    )
    page = text_of(answer)
    assert answer.status_code == 422
    assert "座位数应在 1 到 80 之间。" in page and "每个站点只能写一次。" in page
    assert "请填写司机的手机号码。" in page
    assert 'value="王师傅"' in page  # what was typed is kept


def test_editing_a_route_keeps_the_drivers_number_off_the_page(
    app: Flask, safety_lead: FlaskClient
) -> None:
    route_id, seats, _riders = demo_route(app)
    form = text_of(safety_lead.get(f"{BUS}/routes/{route_id}/edit"))
    assert ROUTE["driver_phone"] not in form and "139****0427" in form
    stops = [name for _id, name, _riders in stops_of(app, route_id)]
    edited = safety_lead.post(
        f"{BUS}/routes/{route_id}/edit",
        data={
            "csrf_token": csrf_token(safety_lead, "/me"),
            "uid": uid_in(form),
            "name": ROUTE["name"],
            "direction": "home",
            "driver_name": "刘德明",
            "driver_phone": "",
            "plate": ROUTE["plate"],
            "seats": str(seats + 5),
            "stops": "\n".join([*stops, "镇中心"]),
        },
    )
    assert edited.status_code == 303
    with app_session(app, "yangguang") as session:
        route = session.get(BusRoute, route_id)
        assert route.driver_phone == ROUTE["driver_phone"] and route.seats == seats + 5
        assert [s.name for s in route.stops][-1] == "镇中心"


def test_seats_never_fall_below_the_riders_and_a_stop_with_riders_stays(
    app: Flask, safety_lead: FlaskClient
) -> None:
    route_id, _seats, riders = demo_route(app)
    form = text_of(safety_lead.get(f"{BUS}/routes/{route_id}/edit"))
    stops = [name for _id, name, _riders in stops_of(app, route_id)]
    answer = safety_lead.post(
        f"{BUS}/routes/{route_id}/edit",
        data={
            "csrf_token": csrf_token(safety_lead, "/me"),
            "uid": uid_in(form),
            "name": ROUTE["name"],
            "direction": "home",
            "driver_name": "刘德明",
            "plate": ROUTE["plate"],
            "seats": "2",
            "stops": "\n".join(stops[1:]),
        },
    )
    page = text_of(answer)
    assert answer.status_code == 422
    assert f"这条线路有 {len(riders)} 名乘车学生，座位数不能少于此数。" in page
    with app_session(app, "yangguang") as session:
        assert session.get(BusRoute, route_id).seats != 2


def test_riders_are_added_to_a_stop_and_refused_when_the_seats_are_taken(
    app: Flask, safety_lead: FlaskClient
) -> None:
    route_id = int(new_route(safety_lead).headers["Location"].rsplit("/", 1)[1])
    stops = stops_of(app, route_id)
    children = children_of_class(app, "一年级一班", 4)
    for child_id in children[:3]:
        added = safety_lead.post(
            f"{BUS}/routes/{route_id}/riders",
            data={
                "csrf_token": csrf_token(safety_lead, "/me"),
                "child_id": child_id,
                "stop_id": stops[1][0],
                "q": "",
            },
        )
        assert added.status_code in (303, 422)
        if added.status_code == 422:  # not listed until searched for: search by name
            with app_session(app, "yangguang") as session:
                name = session.get(Child, child_id).name
            added = safety_lead.post(
                f"{BUS}/routes/{route_id}/riders",
                data={
                    "csrf_token": csrf_token(safety_lead, "/me"),
                    "child_id": child_id,
                    "stop_id": stops[1][0],
                    "q": name,
                },
            )
            assert added.status_code == 303
    with app_session(app, "yangguang") as session:
        fourth = session.get(Child, children[3]).name
        assert all(session.get(Child, c).rides_bus for c in children[:3])
    full = safety_lead.post(
        f"{BUS}/routes/{route_id}/riders",
        data={
            "csrf_token": csrf_token(safety_lead, "/me"),
            "child_id": children[3],
            "stop_id": stops[0][0],
            "q": fourth,
        },
    )
    assert full.status_code == 422 and "这条线路的 3 个座位已满。" in text_of(full)
    assert len(stops_of(app, route_id)[1][2]) == 3 and stops_of(app, route_id)[0][2] == []
    with app_session(app, "yangguang") as session:
        logged = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.subject == "bus_rider",
                AuditEvent.subject_id.in_(select(BusRider.id).where(BusRider.route_id == route_id)),
            )
        )
        assert logged == 3


def test_a_trip_starts_with_the_riders_and_those_on_leave_marked_not_riding(
    app: Flask, safety_lead: FlaskClient, on_demo_day: date
) -> None:
    route_id, _seats, riders = demo_route(app)
    with app_session(app, "yangguang") as session:
        session.add(
            Leave(
                child_id=riders[0], kind=LeaveKind.SICK, starts_on=on_demo_day, ends_on=on_demo_day
            )
        )
        session.add(
            Leave(
                child_id=riders[1],
                kind=LeaveKind.PERSONAL,
                starts_on=on_demo_day,
                ends_on=on_demo_day,
                part=DayPart.MORNING,  # back for the afternoon: rides home
            )
        )
    trip_id, url = start(safety_lead, route_id)
    assert start(safety_lead, route_id)[0] == trip_id  # a second escort finds the same trip
    now = states(app, trip_id)
    assert set(now) == set(riders)
    assert now[riders[0]] == "absent" and now[riders[1]] == "expected"
    page = text_of(safety_lead.get(url))
    assert f"<strong>0</strong>/{_seats} 在车上" in page and "今天不坐车 1" in page


def test_all_aboard_in_one_tap_then_one_exception_in_two(
    app: Flask, safety_lead: FlaskClient, on_demo_day: date
) -> None:
    route_id, seats, riders = demo_route(app)
    trip_id, url = start(safety_lead, route_id)
    aboard = tap(safety_lead, trip_id, action="all_aboard")
    assert aboard.status_code == 200 and aboard.headers["HX-Push-Url"] == url
    assert f"<strong>{len(riders)}</strong>/{seats} 在车上" in text_of(aboard)
    assert set(states(app, trip_id).values()) == {"aboard"}

    passenger = passenger_ids(app, trip_id)[riders[2]]
    panel = safety_lead.get(f"{url}?passenger={passenger}", headers=MANIFEST)  # tap 1: the name
    assert panel.status_code == 200 and 'value="absent"' in text_of(panel)
    mark(safety_lead, trip_id, passenger, "absent")  # tap 2: not riding after all
    assert states(app, trip_id)[riders[2]] == "absent"
    assert f"<strong>{len(riders) - 1}</strong>" in text_of(safety_lead.get(url))


def test_a_stop_lets_everyone_for_it_off_with_an_exception_after(
    app: Flask, safety_lead: FlaskClient, on_demo_day: date
) -> None:
    route_id, _seats, _riders = demo_route(app)
    stops = [s for s in stops_of(app, route_id) if len(s[2]) >= 2]
    stop_id, _name, at_stop = stops[0]
    trip_id, _url = start(safety_lead, route_id)
    tap(safety_lead, trip_id, action="all_aboard")
    answer = tap(safety_lead, trip_id, stop_id=stop_id)
    assert answer.status_code == 200
    now = states(app, trip_id)
    assert all(now[c] == "off" for c in at_stop)
    assert all(state == "aboard" for c, state in now.items() if c not in at_stop)
    # one of them stays on to grandmother's stop further on
    mark(safety_lead, trip_id, passenger_ids(app, trip_id)[at_stop[0]], "aboard")
    assert states(app, trip_id)[at_stop[0]] == "aboard"


def test_the_trip_closes_only_after_the_bus_was_checked_empty(
    app: Flask, safety_lead: FlaskClient, on_demo_day: date
) -> None:
    route_id, _seats, riders = demo_route(app)
    trip_id, url = start(safety_lead, route_id)
    tap(safety_lead, trip_id, action="all_aboard")
    close = f"{BUS}/trips/{trip_id}/close"

    def closing(checked: bool) -> object:
        page = text_of(safety_lead.get(url))
        data = {"csrf_token": csrf_token(safety_lead, "/me"), "uid": uid_in(page)}
        if checked:
            data["checked_empty"] = "y"
        return safety_lead.post(close, data=data, headers=MANIFEST)

    still = closing(True)
    assert still.status_code == 422
    assert f"还有 {len(riders)} 名学生在车上或去向未落实" in text_of(still)
    for stop_id, _name, _at in stops_of(app, route_id):
        tap(safety_lead, trip_id, stop_id=stop_id)
    assert set(states(app, trip_id).values()) == {"off"}
    unchecked = closing(False)
    assert unchecked.status_code == 422 and "车厢已检查无遗留" in text_of(unchecked)
    with app_session(app, "yangguang") as session:
        assert session.get(BusTrip, trip_id).closed_at is None
    closed = closing(True)
    assert closed.status_code == 200 and "车厢已检查无遗留" in text_of(closed)
    with app_session(app, "yangguang") as session:
        trip = session.get(BusTrip, trip_id)
        assert trip.closed_at is not None and trip.checked_empty_at is not None
    late = tap(safety_lead, trip_id, action="all_aboard")
    assert late.status_code == 422 and "此行程已结束。" in text_of(late)
    assert "all_aboard" not in text_of(safety_lead.get(url))  # a closed manifest is read-only


def test_the_seats_are_never_exceeded_on_board(
    app: Flask, safety_lead: FlaskClient, on_demo_day: date
) -> None:
    route_id, _seats, riders = demo_route(app)
    trip_id, _url = start(safety_lead, route_id)
    with app_session(app, "yangguang") as session:  # a smaller bus came today
        session.get(BusRoute, route_id).seats = len(riders) - 2
    refused = tap(safety_lead, trip_id, action="all_aboard")
    assert refused.status_code == 422
    assert f"校车只有 {len(riders) - 2} 个座位，不能载 {len(riders)} 名学生。" in text_of(refused)
    assert set(states(app, trip_id).values()) == {"expected"}  # nobody was moved
    passengers = passenger_ids(app, trip_id)
    mark(safety_lead, trip_id, passengers[riders[0]], "absent")
    mark(safety_lead, trip_id, passengers[riders[1]], "absent")
    assert tap(safety_lead, trip_id, action="all_aboard").status_code == 200
    mark(safety_lead, trip_id, passengers[riders[1]], "expected")
    one_more = mark(safety_lead, trip_id, passengers[riders[1]], "aboard")
    assert one_more.status_code == 422 and "个座位" in text_of(one_more)
    assert states(app, trip_id)[riders[1]] == "expected"


def test_a_replayed_tap_never_undoes_what_came_after_it(
    app: Flask, safety_lead: FlaskClient, on_demo_day: date
) -> None:
    route_id, _seats, riders = demo_route(app)
    trip_id, _url = start(safety_lead, route_id)
    all_aboard = new_uid()
    tap(safety_lead, trip_id, uid=all_aboard, action="all_aboard")
    mark(safety_lead, trip_id, passenger_ids(app, trip_id)[riders[0]], "absent")
    replay = tap(safety_lead, trip_id, uid=all_aboard, action="all_aboard")  # a late retry
    assert replay.status_code == 200
    assert states(app, trip_id)[riders[0]] == "absent"
    with app_session(app, "yangguang") as session:
        events = session.scalars(
            select(TripEvent.kind).where(TripEvent.trip_id == trip_id).order_by(TripEvent.id)
        ).all()
        assert [e.value for e in events] == ["start", "all_aboard", "mark"]


def test_a_trip_to_school_boards_stop_by_stop_and_everyone_gets_off_at_school(
    app: Flask, safety_lead: FlaskClient, on_demo_day: date
) -> None:
    route_id = int(new_route(safety_lead, seats="10").headers["Location"].rsplit("/", 1)[1])
    children = children_of_class(app, "四年级一班", 3)
    with app_session(app, "yangguang") as session:
        stops = session.scalars(
            select(BusStop).where(BusStop.route_id == route_id).order_by(BusStop.position)
        ).all()
        for child_id, stop in zip(children, (stops[0], stops[0], stops[2]), strict=True):
            session.add(BusRider(route_id=route_id, child_id=child_id, stop_id=stop.id))
        first, last = stops[0].id, stops[2].id
    trip_id, _url = start(safety_lead, route_id)
    page = text_of(tap(safety_lead, trip_id, stop_id=first))
    assert "在此上车" in page
    now = states(app, trip_id)
    assert [now[c] for c in children] == ["aboard", "aboard", "expected"]
    tap(safety_lead, trip_id, stop_id=last)
    off = text_of(tap(safety_lead, trip_id, action="all_off"))
    assert set(states(app, trip_id).values()) == {"off"} and "到校，全部下车" not in off


def test_a_trip_never_closed_shows_on_the_safety_lead_today_page(
    app: Flask, safety_lead: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    route_id, _seats, _riders = demo_route(app)
    today = text_of(safety_lead.get("/s/yangguang/"))
    assert "未结束行程" not in today  # yesterday's demo trip was closed
    day = freeze_today(monkeypatch, date(2026, 11, 27))
    trip_id, _url = start(safety_lead, route_id)
    assert f"{ROUTE['name']}正在运行，尚未结束。" in text_of(safety_lead.get("/s/yangguang/"))
    freeze_today(monkeypatch, day + timedelta(days=3))
    page = text_of(safety_lead.get("/s/yangguang/"))
    assert f"11月27日的{ROUTE['name']}未结束行程：车厢检查过了吗？" in page
    assert f"/bus/trips/{trip_id}" in page
    assert "未结束行程" in text_of(safety_lead.get(f"{BUS}/"))
    switch_to(safety_lead, "13800000002")  # a class teacher is not the one who checks buses
    assert "未结束行程" not in text_of(safety_lead.get("/s/yangguang/"))


def test_calling_the_driver_is_logged_and_the_number_goes_to_the_dialler_only(
    app: Flask, safety_lead: FlaskClient
) -> None:
    route_id, _seats, _riders = demo_route(app)
    page = text_of(safety_lead.get(f"{BUS}/routes/{route_id}"))
    assert ROUTE["driver_phone"] not in page
    call = safety_lead.post(
        f"{BUS}/routes/{route_id}/call",
        data={"csrf_token": csrf_token(safety_lead, "/me")},
        headers={"HX-Request": "true"},
    )
    assert call.status_code == 204
    assert json.loads(call.headers["HX-Trigger"]) == {"dial": {"number": ROUTE["driver_phone"]}}
    with app_session(app, "yangguang") as session:
        logged = session.scalar(
            select(AuditEvent).where(
                AuditEvent.subject == "bus_route", AuditEvent.action == AuditAction.CALL
            )
        )
        assert logged.subject_id == route_id and logged.fields == ["driver_phone"]


def test_the_manifest_answers_stay_under_4_kb(
    app: Flask, safety_lead: FlaskClient, on_demo_day: date
) -> None:
    route_id, _seats, riders = demo_route(app)
    trip_id, url = start(safety_lead, route_id)
    sizes = [len(safety_lead.get(url, headers=MANIFEST).data)]
    sizes.append(len(tap(safety_lead, trip_id, action="all_aboard").data))
    passenger = passenger_ids(app, trip_id)[riders[0]]
    sizes.append(len(safety_lead.get(f"{url}?passenger={passenger}", headers=MANIFEST).data))
    sizes.append(len(mark(safety_lead, trip_id, passenger, "absent").data))
    assert max(sizes) < 4096, sizes
    page = text_of(safety_lead.get(url))  # and the same page, whole, without JavaScript
    assert re.search(rf'<form id="act" method="post" action="{BUS}/trips/{trip_id}/taps"', page)


def test_who_may_run_and_who_may_set_up_the_bus(app: Flask, client: FlaskClient) -> None:
    route_id, _seats, _riders = demo_route(app)
    switch_to(client, "13800000002")  # a class teacher escorts a trip, but sets up no route
    assert client.get(f"{BUS}/").status_code == 200
    assert client.get(f"{BUS}/routes/{route_id}").status_code == 200
    assert client.get(f"{BUS}/routes/new").status_code == 403
    assert client.get(f"{BUS}/routes/{route_id}/edit").status_code == 404  # as if no route
    switch_to(client, "13800000003")  # the room keeper has nothing to do with the bus
    assert client.get(f"{BUS}/").status_code == 403


def test_the_demo_has_a_route_home_and_yesterdays_trip_closed(
    app: Flask, transaction: None
) -> None:
    route_id, seats, riders = demo_route(app)
    assert len(riders) >= 5 and seats >= len(riders)
    with app_session(app, "yangguang") as session:
        trip = session.scalar(select(BusTrip).where(BusTrip.route_id == route_id))
        assert trip.day == date(2026, 11, 26) and trip.closed_at and trip.checked_empty_at
        left = session.scalars(select(TripPassenger.state).where(TripPassenger.trip_id == trip.id))
        assert set(left) == {PassengerState.OFF, PassengerState.ABSENT}
