"""Incidents and mandatory reports: the list, reporting one (first the children, then what
happened), its page with the clocks, signing each step in place, correcting the facts, closing.

An incident out of a person's sight is simply not found, on every route; opening a mandatory
report is logged before it is shown, once per child it names.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth.step_up import require_step_up
from webapp.care.once import Made
from webapp.children.access import Access, access_to
from webapp.children.models import Child
from webapp.children.queries import school_classes
from webapp.core.db import utcnow, writes_on_get
from webapp.core.htmx import render, wants_partial
from webapp.core.permissions import permission_required
from webapp.extensions import db
from webapp.incidents import access, queries, service
from webapp.incidents.clocks import (
    STEP_TITLES,
    clock,
    clock_text,
    clocks,
    is_overdue,
    may_close,
    ticker_words,
)
from webapp.incidents.forms import CloseForm, FactsForm, IncidentForm, StepForm
from webapp.incidents.models import (
    MANDATORY_KINDS,
    REGULAR_KINDS,
    Incident,
    IncidentKind,
    IncidentStep,
    StepKind,
)

bp = Blueprint("incidents", __name__, url_prefix="/incidents")
# The clocks read the same on every page that shows them, the today page included.
bp.add_app_template_global(clock_text, "clock_text")
bp.add_app_template_global(STEP_TITLES, "clock_titles")
bp.add_app_template_global(ticker_words, "clock_ticker")

MAX_CHILDREN = 30
PICK_RESULTS = "pick-results"


def load_incident(incident_id: int) -> Incident:
    """An incident this person may see; any other (another school's, a mandatory report of
    someone else's) is not found."""
    incident = queries.load_incident(db.session, incident_id)
    if incident is None or not access.may_see(db.session, incident, current_user.id, g.roles):
        abort(404)
    return incident


def opened(incident: Incident) -> None:
    """A page that shows a mandatory report's facts is a disclosure: logged, then shown."""
    if incident.restricted:
        require_step_up()  # the one check of a restricted incident: it is known only once loaded
        service.incident_opened(db.session, incident, actor_id=current_user.id)
        db.session.commit()


@bp.route("/")
@permission_required("incidents.report")
def index() -> Response:
    page = max(1, request.args.get("page", 1, type=int))
    incidents, has_next = queries.incidents_for(db.session, current_user.id, g.roles, page=page)
    now = utcnow()
    return render(
        "incidents/index.html",
        incidents=incidents,
        page=page,
        has_next=has_next,
        overdue={i.id for i in incidents if is_overdue(i, now)},
        reporter=lambda i: access.reporter_label(i, current_user.id, g.roles),
    )


@bp.route("/new", methods=("GET", "POST"))
@permission_required("incidents.report")
def new_incident() -> Response:
    wanted = request.values.getlist("child_id", type=int)[:MAX_CHILDREN]
    chosen = queries.children_by_ids(db.session, wanted)
    if request.method == "GET" and (not chosen or request.args.get("pick")):
        return pick_children(chosen)
    form = IncidentForm(children=[(c.id, child_label(c)) for c in chosen])
    if request.method == "GET" and request.args.get("kind") in IncidentKind._value2member_map_:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        try:
            made = report_from(form, chosen)
        except service.UidTaken:
            abort(400)  # a form sent again for other children: reload and start afresh
        db.session.commit()
        if made.created:
            flash(_("Reported. The clocks are running: sign each step once it is done."), "success")
        return redirect(url_for(".show_incident", incident_id=made.row.id), code=303)
    return render(
        "incidents/new.html",
        status=422 if form.errors else 200,
        form=form,
        chosen=chosen,
        regular_kinds=REGULAR_KINDS,
        mandatory_kinds=MANDATORY_KINDS,
    )


def report_from(form: IncidentForm, chosen: list[Child]) -> Made:
    picked = set(form.children.data)
    return service.report_incident(
        db.session,
        uid=form.uid_value,
        kind=form.chosen_kind,
        children=[c for c in chosen if c.id in picked],
        reporter_id=current_user.id,
        happened_at=form.happened_at,
        known_at=form.known_at,
        place=form.place.data,
        what_happened=form.what_happened.data,
        injuries=form.injuries.data,
        actions_taken=form.actions_taken.data,
        police=form.police_report(),
    )


def child_label(child: Child) -> str:
    return f"{child.name} · {child.school_class.name}" if child.school_class else child.name


def pick_children(chosen: list[Child]) -> Response:
    """First step of a report: the children involved, by class or by name; the ones chosen
    travel along as ticked boxes, so a second search keeps them."""
    text = request.args.get("q", "")[:30]
    classes = school_classes(db.session)
    class_id = request.args.get("class_id", type=int)
    if class_id is not None and class_id not in {c.id for c in classes}:
        abort(404)
    if class_id is None and not text:  # a class teacher starts from her own class
        own = [c for c in classes if c.teacher_id == current_user.id]
        class_id = own[0].id if len(own) == 1 else None
    found = queries.find_children(db.session, text, class_id)
    chosen_ids = {c.id for c in chosen}
    return render(
        "incidents/pick.html",
        partial="incidents/_pick_results.html",
        target=PICK_RESULTS,
        chosen=chosen,
        found=[c for c in found if c.id not in chosen_ids],
        classes=classes,
        class_id=class_id,
        q=text,
        kind=request.args.get("kind", ""),
        asked=bool(request.args.get("next")),
    )


@bp.route("/<int:incident_id>")
@writes_on_get
@permission_required("incidents.report")
def show_incident(incident_id: int) -> Response:
    incident = load_incident(incident_id)
    opened(incident)
    return show(incident)


def step_form(incident: Incident, step: IncidentStep) -> StepForm:
    form = StepForm(
        prefix=f"step{step.id}",
        kind=step.kind,
        started=incident.happened_at,
        people=people_told(step),
    )
    form.step_id = step.id
    return form


def people_told(step: IncidentStep) -> list[tuple[str, str]]:
    """The guardians or parents on the child's card, to tell in one tap; only to someone who
    reaches the child's family on the card (the class teacher, the principal)."""
    if step.child is None or step.kind not in (StepKind.GUARDIAN, StepKind.PARENTS):
        return []
    if access_to(db.session, step.child, current_user.id, g.roles) < Access.PAIRING:
        return []
    if step.kind == StepKind.GUARDIAN:
        people = [(g.relation.label, g.name) for g in step.child.active_guardians]
    else:
        people = [(p.relation.label, p.name) for p in step.child.parents if p.name]
    return [(f"{relation} · {name}",) * 2 for relation, name in people]


def show(incident: Incident, failed: StepForm | None = None, status: int = 200) -> Response:
    now = utcnow()
    forms = {}
    if incident.is_open:
        for step in incident.steps:
            if not step.is_signed:
                forms[step.id] = step_form(incident, step)
    if failed is not None:
        forms[failed.step_id] = failed
    return render(
        "incidents/show.html",
        status=status,
        incident=incident,
        clocks=clocks(incident, now),
        forms=forms,
        now=now,
        ticker=ticker_words(),
        reporter=access.reporter_label(incident, current_user.id, g.roles),
        may_edit=access.may_edit(incident, current_user.id, g.roles),
        may_close=may_close(incident) and access.sees_every_incident(g.roles),
        close_form=CloseForm(),
        card_access={
            row.child_id: access_to(db.session, row.child, current_user.id, g.roles)
            for row in incident.involved
        },
        Access=Access,
    )


@bp.route("/<int:incident_id>/steps/<int:step_id>", methods=("POST",))
@permission_required("incidents.report")
def sign_step(incident_id: int, step_id: int) -> Response:
    incident = load_incident(incident_id)
    step = next((s for s in incident.steps if s.id == step_id), None)
    if step is None:
        abort(404)
    target = f"step-{step.id}"
    form = step_form(incident, step)
    if incident.is_open and not step.is_signed and form.validate_on_submit():
        signed = service.sign_step(
            db.session,
            incident,
            step,
            actor_id=current_user.id,
            sign_uid=form.uid_value,
            **form.values(),
        )
        db.session.commit()
        if not signed and step.sign_uid != form.uid_value:
            flash(_("Someone signed this step a moment ago; their signature stands."), "info")
    elif form.errors and not step.is_signed:
        if wants_partial(target):
            return render_step(incident, step, form, status=422)
        return show(incident, failed=form, status=422)
    if wants_partial(target):
        return render_step(incident, step, None)
    return redirect(url_for(".show_incident", incident_id=incident.id) + f"#{target}", code=303)


def render_step(
    incident: Incident, step: IncidentStep, form: StepForm | None, status: int = 200
) -> Response:
    now = utcnow()
    return render(
        "incidents/show.html",
        partial="incidents/_step.html",
        target=f"step-{step.id}",
        status=status,
        incident=incident,
        found=clock(step, now),
        form=form,
        now=now,
    )


@bp.route("/<int:incident_id>/edit", methods=("GET", "POST"))
@writes_on_get
@permission_required("incidents.report")
def edit_incident(incident_id: int) -> Response:
    incident = load_incident(incident_id)
    if not access.may_edit(incident, current_user.id, g.roles):
        abort(404)
    form = FactsForm(obj=incident)
    if form.validate_on_submit():
        service.edit_facts(db.session, incident, actor_id=current_user.id, **form.values())
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".show_incident", incident_id=incident.id), code=303)
    if request.method == "GET":
        opened(incident)
    return render(
        "incidents/edit.html", status=422 if form.errors else 200, incident=incident, form=form
    )


@bp.route("/<int:incident_id>/close", methods=("POST",))
@permission_required("incidents.oversee")
def close_incident(incident_id: int) -> Response:
    incident = load_incident(incident_id)
    form = CloseForm()
    if form.validate_on_submit():
        try:
            service.close_incident(
                db.session, incident, actor_id=current_user.id, outcome=form.outcome.data
            )
        except service.StepsPending:
            flash(_("Every step must be signed before the incident is closed."), "warning")
        else:
            db.session.commit()
            flash(_("Incident closed."), "success")
    return redirect(url_for(".show_incident", incident_id=incident.id), code=303)
