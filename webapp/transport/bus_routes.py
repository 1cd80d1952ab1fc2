"""The school bus (校车): routes with their stops, driver and seats; the riders of each stop; and
each day's trip, run from its manifest on the escort's phone.

The manifest (#trip) is one place on the page: "all aboard" in one tap, a stop in one tap, a
child's exception in two (tap the name, tap where the child is). The trip closes only after
"车厢已检查无遗留" is ticked, and never while a child is still on board.
"""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from webapp.children.access import ON_ROLL
from webapp.children.models import Child
from webapp.core.forms import BaseForm
from webapp.core.htmx import is_htmx_request, render, wants_partial
from webapp.core.i18n import local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.transport import queries, service
from webapp.transport.forms import (
    CloseTripForm,
    EndRiderForm,
    PassengerForm,
    RiderForm,
    RouteForm,
    TapForm,
    TripTapForm,
)
from webapp.transport.models import (
    BusDirection,
    BusRider,
    BusRoute,
    BusStop,
    BusTrip,
    PassengerState,
    TripEventKind,
    TripPassenger,
)

bp = Blueprint("bus", __name__, url_prefix="/bus")

MANIFEST = "trip"


def load_route(route_id: int) -> BusRoute:
    route = db.session.get(BusRoute, route_id)
    if route is None:
        abort(404)
    return route


def load_trip(trip_id: int) -> BusTrip:
    trip = db.session.get(BusTrip, trip_id)
    if trip is None:
        abort(404)
    return trip


@bp.route("/")
@permission_required("transport.bus_trip")
def index() -> Response:
    """Today's trips, route by route, and any earlier trip never closed."""
    day = local_today()
    routes = queries.active_routes(db.session)
    return render(
        "transport/bus.html",
        routes=routes,
        trips=queries.trips_on(db.session, [r.id for r in routes], day),
        riders=queries.rider_counts(db.session, [r.id for r in routes]),
        unclosed=[t for t in queries.open_trips(db.session, day) if t.day < day],
        start_uids={route.id: uuid.uuid4() for route in routes},
        today=day,
    )


# Routes, stops and riders ---------------------------------------------------------------------


def _name_taken(form: RouteForm, route: BusRoute | None) -> bool:
    other = db.session.scalar(select(BusRoute).where(BusRoute.name == form.name.data))
    if other is not None and other is not route:
        form.name.errors.append(_("Another route already has this name."))
        return True
    return False


def _save(form: RouteForm, route: BusRoute | None) -> BusRoute | None:
    """The route saved, or None with the reason next to its field."""
    if _name_taken(form, route):
        return None
    try:
        made = service.save_route(
            db.session, route, uid=form.uid_value, actor_id=current_user.id, **form.route_values()
        )
    except service.SeatsExceeded as short:
        db.session.rollback()
        form.seats.errors.append(
            ngettext(
                "%(num)d child rides this route: it needs at least as many seats.",
                "%(num)d children ride this route: it needs at least as many seats.",
                short.wanted,
            )
        )
        return None
    except service.StopInUse as in_use:
        db.session.rollback()
        form.stops.errors.append(
            _("Children ride from %(stop)s: move them to another stop first.", stop=in_use.name)
        )
        return None
    return made.row


@bp.route("/routes/new", methods=("GET", "POST"))
@permission_required("transport.bus_routes")
def new_route() -> Response:
    form = RouteForm()
    if form.validate_on_submit() and (route := _save(form, None)) is not None:
        db.session.commit()
        flash(_("Route %(name)s saved.", name=route.name), "success")
        return redirect(url_for(".route", route_id=route.id), code=303)
    return render(
        "transport/route_form.html", form=form, route=None, status=422 if form.errors else 200
    )


@bp.route("/routes/<int:route_id>/edit", methods=("GET", "POST"))
@permission_required("transport.bus_routes")
def edit_route(route_id: int) -> Response:
    route = load_route(route_id)
    form = RouteForm(obj=route, route=route)
    if not form.is_submitted():
        form.driver_phone.data = ""  # never put on the page: the hint shows it masked
        form.stops.data = "\n".join(stop.name for stop in route.stops)
    if form.validate_on_submit() and _save(form, route) is not None:
        db.session.commit()
        flash(_("Route %(name)s saved.", name=route.name), "success")
        return redirect(url_for(".route", route_id=route.id), code=303)
    return render(
        "transport/route_form.html", form=form, route=route, status=422 if form.errors else 200
    )


def rider_form(route: BusRoute, text: str, formdata=None) -> RiderForm:
    candidates = queries.rider_candidates(db.session, route.id, text)
    return RiderForm(formdata=formdata, children=candidates, stops=route.stops)


@bp.route("/routes/<int:route_id>")
@permission_required("transport.bus_trip")
def route(route_id: int) -> Response:
    route = load_route(route_id)
    text = request.args.get("q", "")[:30].strip()
    return render_route(route, text)


def render_route(route: BusRoute, text: str, form: RiderForm | None = None) -> Response:
    manages = can("transport.bus_routes")
    riders = queries.riders_of(db.session, route.id)
    return render(
        "transport/route.html",
        status=422 if form is not None and form.errors else 200,
        route=route,
        riders=riders,
        by_stop={stop.id: [r for r in riders if r.stop_id == stop.id] for stop in route.stops},
        manages=manages,
        form=form or (rider_form(route, text) if manages else None),
        end_form=EndRiderForm(),
        q=text,
    )


@bp.route("/routes/<int:route_id>/riders", methods=("POST",))
@permission_required("transport.bus_routes")
def add_rider(route_id: int) -> Response:
    route = load_route(route_id)
    text = request.form.get("q", "")[:30].strip()
    form = rider_form(route, text, formdata=request.form)
    if form.validate_on_submit():
        child = db.session.get(Child, form.child_id.data)
        stop = db.session.get(BusStop, form.stop_id.data)
        if child is None or child.status not in ON_ROLL or stop not in route.stops:
            abort(404)
        try:
            service.assign_rider(
                db.session, route=route, child=child, stop=stop, actor_id=current_user.id
            )
        except service.SeatsExceeded as full:
            db.session.rollback()
            form.child_id.errors.append(
                _("All %(seats)d seats of this route are taken.", seats=full.seats)
            )
        else:
            db.session.commit()
            flash(_("%(child)s rides from %(stop)s.", child=child.name, stop=stop.name), "success")
            return redirect(url_for(".route", route_id=route.id), code=303)
    return render_route(route, text, form)


@bp.route("/riders/<int:rider_id>/end", methods=("POST",))
@permission_required("transport.bus_routes")
def end_rider(rider_id: int) -> Response:
    rider = db.session.get(BusRider, rider_id)
    if rider is None:
        abort(404)
    if EndRiderForm().validate_on_submit():
        service.end_rider(db.session, rider, on=local_today(), actor_id=current_user.id)
        db.session.commit()
        flash(_("%(child)s no longer rides this route.", child=rider.child.name), "success")
    return redirect(url_for(".route", route_id=rider.route_id), code=303)


@bp.route("/routes/<int:route_id>/call", methods=("POST",))
@permission_required("transport.bus_trip")
def call_driver(route_id: int) -> Response:
    """The driver's number goes to the dialler, logged; it is never part of a page."""
    route = load_route(route_id)
    if not route.driver_phone or not BaseForm().validate_on_submit():
        abort(404 if not route.driver_phone else 400)
    service.record_driver_call(db.session, route, actor_id=current_user.id)
    db.session.commit()
    if is_htmx_request():
        dial = json.dumps({"dial": {"number": route.driver_phone}})
        return Response(status=204, headers={"HX-Trigger": dial})
    return render("transport/call.html", route=route)


# Trips ----------------------------------------------------------------------------------------


@bp.route("/routes/<int:route_id>/trips", methods=("POST",))
@permission_required("transport.bus_trip")
def start_trip(route_id: int) -> Response:
    """Today's trip of the route, made once however many escorts tap 开始."""
    route = load_route(route_id)
    form = TapForm()
    if not route.is_active or not form.validate_on_submit():
        abort(404 if not route.is_active else 400)
    try:
        made = service.start_trip(
            db.session, uid=form.uid_value, route=route, day=local_today(), actor_id=current_user.id
        )
    except service.UidTaken:
        abort(400)
    db.session.commit()
    return redirect(url_for(".trip", trip_id=made.row.id), code=303)


@bp.route("/trips/<int:trip_id>")
@permission_required("transport.bus_trip")
def trip(trip_id: int) -> Response:
    """The manifest; with ?passenger= one child's exception in its place."""
    trip = load_trip(trip_id)
    passenger_id = request.args.get("passenger", type=int)
    if passenger_id is None:
        return render_manifest(trip)
    return render_passenger(trip, load_passenger(trip, passenger_id))


def load_passenger(trip: BusTrip, passenger_id: int) -> TripPassenger:
    passenger = db.session.get(TripPassenger, passenger_id)
    if passenger is None or passenger.trip_id != trip.id:
        abort(404)
    return passenger


def render_manifest(
    trip: BusTrip, *, status: int = 200, problem: str | None = None, push: bool = False
) -> Response:
    response = render(
        "transport/trip.html",
        partial="transport/_trip.html",
        target=MANIFEST,
        status=status,
        trip=trip,
        manifest=queries.manifest(db.session, trip),
        problem=problem,
        tap_form=TripTapForm(formdata=None),
        close_form=CloseTripForm(formdata=None),
        Direction=BusDirection,
        State=PassengerState,
    )
    if push:
        response.headers["HX-Push-Url"] = url_for(".trip", trip_id=trip.id)
    return response


def render_passenger(
    trip: BusTrip, passenger: TripPassenger, *, status: int = 200, problem: str | None = None
) -> Response:
    return render(
        "transport/trip.html",
        partial="transport/_passenger.html",
        target=MANIFEST,
        status=status,
        trip=trip,
        passenger=passenger,
        stop=db.session.get(BusStop, passenger.stop_id),
        problem=problem,
        form=PassengerForm(formdata=None),
        State=PassengerState,
    )


def seats_message(full: service.SeatsExceeded) -> str:
    return _(
        "The bus has %(seats)d seats: %(wanted)d children cannot be on board. Nobody was moved.",
        seats=full.seats,
        wanted=full.wanted,
    )


def tapped(trip: BusTrip, form: TapForm, **tap) -> Response:
    """Apply a tap, then answer with the manifest (in place, or by a redirect)."""
    if not form.validate_on_submit():
        abort(400)
    try:
        service.tap_trip(db.session, trip, uid=form.uid_value, actor_id=current_user.id, **tap)
    except service.UidTaken:
        abort(400)
    except service.SeatsExceeded as full:
        db.session.rollback()
        return render_manifest(trip, status=422, problem=seats_message(full), push=True)
    except service.TripClosed:
        return render_manifest(trip, status=422, problem=_("This trip is closed."), push=True)
    db.session.commit()
    if wants_partial(MANIFEST):
        return render_manifest(trip, push=True)
    return redirect(url_for(".trip", trip_id=trip.id), code=303)


@bp.route("/trips/<int:trip_id>/taps", methods=("POST",))
@permission_required("transport.bus_trip")
def tap(trip_id: int) -> Response:
    """全部上车, a stop, or 到校全部下车."""
    trip = load_trip(trip_id)
    form = TripTapForm()
    if form.stop_id.data is not None:
        stop = db.session.get(BusStop, form.stop_id.data)
        if stop is None or stop.route_id != trip.route_id:
            abort(404)
        return tapped(trip, form, kind=TripEventKind.STOP, stop=stop)
    actions = {"all_aboard": TripEventKind.ALL_ABOARD, "all_off": TripEventKind.ALL_OFF}
    if form.action.data not in actions:
        abort(400)
    return tapped(trip, form, kind=actions[form.action.data])


@bp.route("/trips/<int:trip_id>/passengers/<int:passenger_id>", methods=("POST",))
@permission_required("transport.bus_trip")
def mark(trip_id: int, passenger_id: int) -> Response:
    """One child's exception: on the bus, got off, not riding today, or not yet aboard."""
    trip = load_trip(trip_id)
    passenger = load_passenger(trip, passenger_id)
    form = PassengerForm()
    if not form.validate_on_submit():
        return render_passenger(trip, passenger, status=422)
    state = PassengerState(form.state.data)
    return tapped(trip, form, kind=TripEventKind.MARK, passenger=passenger, state=state)


@bp.route("/trips/<int:trip_id>/close", methods=("POST",))
@permission_required("transport.bus_trip")
def close_trip(trip_id: int) -> Response:
    trip = load_trip(trip_id)
    form = CloseTripForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.close_trip(
            db.session,
            trip,
            uid=form.uid_value,
            checked_empty=form.checked_empty.data,
            actor_id=current_user.id,
        )
    except service.StillAboard as still:
        problem = ngettext(
            "%(num)d child is still on board or not accounted for: %(names)s.",
            "%(num)d children are still on board or not accounted for: %(names)s.",
            len(still.passengers),
            names="、".join(p.child.name for p in still.passengers),
        )
        return render_manifest(trip, status=422, problem=problem, push=True)
    except service.NotCheckedEmpty:
        problem = _("Check the bus seat by seat, then tick “the bus was checked”.")
        return render_manifest(trip, status=422, problem=problem, push=True)
    db.session.commit()
    if wants_partial(MANIFEST):
        return render_manifest(trip, push=True)
    flash(_("Trip closed: the bus was checked empty."), "success")
    return redirect(url_for(".trip", trip_id=trip.id), code=303)
