"""Pairings (结对): the coordinator's board of who still lacks a proxy parent, assigning one
person to several children at once, study buddies, ending a pairing with its history kept, and
each person's own children.

Only the holders of ``care.pairings`` change pairings. A child's pairing history is read by
those who see the whole card; everybody else sees only their own pairings, on /pairings/mine.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.care import pairing_queries, service
from webapp.care.models import Pairing, PairingKind
from webapp.care.pairing_forms import AssignForm, EndForm, HelperForm
from webapp.children.access import ON_ROLL, Access
from webapp.children.models import Child
from webapp.children.queries import ChildFilters, school_classes, search_children
from webapp.children.routes import load_child
from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db

bp = Blueprint("pairings", __name__, url_prefix="/pairings")

BOARD = "pairing-board"
ASSIGN = "assign-form"
# The kinds one person takes for several children; a study buddy is a child (new_helper).
ASSIGNABLE = (PairingKind.PROXY_PARENT, PairingKind.VOLUNTEER)


def _class_id(classes: list) -> int | None:
    wanted = request.values.get("class_id", type=int)
    return wanted if wanted in {c.id for c in classes} else None


def _found(text: str, class_id: int | None = None) -> list[Child]:
    if not text:
        return []
    filters = ChildFilters(text=text, class_id=class_id)
    return search_children(db.session, current_user.id, g.roles, filters, local_today()).items


@bp.route("/")
@permission_required("care.pairings")
def board() -> Response:
    classes = school_classes(db.session)
    class_id = _class_id(classes)
    text = request.args.get("q", "")[:30].strip()
    found = _found(text, class_id)
    in_class = pairing_queries.left_behind_in_class(db.session, class_id) if class_id else []
    total, per_class = pairing_queries.coverage(db.session)
    return render(
        "pairings/board.html",
        partial="pairings/_board.html",
        target=BOARD,
        classes=classes,
        class_id=class_id,
        q=text,
        found=found,
        unpaired=pairing_queries.unpaired_children(db.session, class_id=class_id),
        in_class=in_class,
        pairings=pairing_queries.active_pairings_of(db.session, [c.id for c in found + in_class]),
        total=total,
        per_class=per_class,
        with_volunteer=pairing_queries.children_with_kind(db.session, PairingKind.VOLUNTEER),
        with_buddy=pairing_queries.children_with_kind(db.session, PairingKind.STUDENT_HELPER),
    )


@bp.route("/assign", methods=("GET", "POST"))
@permission_required("care.pairings")
def assign() -> Response:
    kind = PairingKind._value2member_map_.get(request.args.get("kind", "proxy_parent"))
    if kind not in ASSIGNABLE:
        abort(404)
    classes = school_classes(db.session)
    class_id = _class_id(classes)
    chosen = request.args.getlist("child_id", type=int) + request.form.getlist(
        "child_ids", type=int
    )
    people = pairing_queries.people_for(db.session, g.tenant.id, kind)
    children = pairing_queries.children_to_offer(
        db.session, class_id=class_id, kind=kind, chosen=chosen
    )
    form = AssignForm(people=people, children=children, child_ids=chosen)
    if form.validate_on_submit():
        person = next(p.user for p in people if p.user.id == form.user_id.data)
        picked = [c for c in children if c.id in form.child_ids.data]
        result = service.pair_children(
            db.session,
            picked,
            kind=kind,
            user_id=person.id,
            started_on=form.started_on.data,
            actor_id=current_user.id,
        )
        messages = _told(result, picked, person.name, kind)
        db.session.commit()
        for message, category in messages:
            flash(message, category)
        # The answer leads to the result, whether made now or the first time.
        if len(picked) == 1:
            return redirect(url_for(".child", child_id=picked[0].id), code=303)
        return redirect(url_for(".board", class_id=class_id), code=303)
    return render(
        "pairings/assign.html",
        partial="pairings/_assign.html",
        target=ASSIGN,
        status=422 if form.errors else 200,
        form=form,
        kind=kind,
        classes=classes,
        class_id=class_id,
        people=people,
    )


def _told(
    result: service.PairedChildren, picked: list[Child], name: str, kind: PairingKind
) -> list[tuple[str, str]]:
    """What the coordinator is told: who was paired, who was already, who has someone else."""
    made = {pairing.child_id for pairing in result.made}
    made_names = "、".join(child.name for child in picked if child.id in made)
    already = "、".join(child.name for child in result.already)
    taken = "、".join(child.name for child in result.taken)
    told = []
    if made_names:
        message = _(
            "Paired: %(name)s, %(kind)s of %(children)s.",
            name=name,
            kind=kind.label,
            children=made_names,
        )
        told.append((message, "success"))
    if already:
        message = _(
            "%(children)s already had %(name)s; nothing was added twice.",
            children=already,
            name=name,
        )
        told.append((message, "info"))
    if taken:
        message = _(
            "%(children)s already have another proxy parent: end that pairing first.",
            children=taken,
        )
        told.append((message, "warning"))
    return told


def _child_on_roll(child_id: int) -> Child:
    child, _access = load_child(child_id, Access.FULL)
    if child.status not in ON_ROLL:
        abort(404)
    return child


@bp.route("/children/<int:child_id>/helper", methods=("GET", "POST"))
@permission_required("care.pairings")
def new_helper(child_id: int) -> Response:
    child = _child_on_roll(child_id)
    text = request.values.get("q", "")[:30].strip()
    candidates = pairing_queries.helper_candidates(db.session, child, _found(text))
    form = HelperForm(candidates=candidates, q=text)
    if form.validate_on_submit():
        helper = next(c for c in candidates if c.id == form.helper_child_id.data)
        try:
            service.pair(
                db.session,
                child,
                kind=PairingKind.STUDENT_HELPER,
                helper_child_id=helper.id,
                started_on=form.started_on.data,
                actor_id=current_user.id,
            )
        except service.AlreadyPaired:
            flash(
                _("%(helper)s already helps %(name)s.", helper=helper.name, name=child.name), "info"
            )
        else:
            db.session.commit()
            flash(
                _(
                    "%(helper)s is now the study buddy of %(name)s.",
                    helper=helper.name,
                    name=child.name,
                ),
                "success",
            )
        return redirect(url_for(".child", child_id=child.id), code=303)
    return render(
        "pairings/helper.html",
        status=422 if form.errors else 200,
        form=form,
        child=child,
        q=text,
    )


@bp.route("/children/<int:child_id>")
@permission_required("children.view")
def child(child_id: int) -> Response:
    """A child's pairings, now and before: who, which kind, from when to when, and why ended."""
    child, _access = load_child(child_id, Access.FULL)
    history = pairing_queries.history_of(db.session, child)
    return render(
        "pairings/child.html",
        child=child,
        active=[p for p in history if p.is_active],
        ended=[p for p in history if not p.is_active],
        helps=pairing_queries.helped_by(db.session, child),
        may_change=can("care.pairings") and child.status in ON_ROLL,
        end_reason=pairing_queries.end_reason_label,
        PairingKind=PairingKind,
    )


@bp.route("/<int:pairing_id>/end", methods=("GET", "POST"))
@permission_required("care.pairings")
def end(pairing_id: int) -> Response:
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None:
        abort(404)
    child, _access = load_child(pairing.child_id, Access.FULL)
    if not pairing.is_active:  # ended already (a second tap): show where it is kept
        return redirect(url_for(".child", child_id=child.id), code=303)
    form = EndForm(pairing=pairing)
    if form.validate_on_submit():
        service.end_pairing(
            db.session,
            pairing,
            on=form.ended_on.data,
            reason=form.reason.data,
            actor_id=current_user.id,
        )
        db.session.commit()
        flash(_("The pairing has ended; it stays in the history."), "success")
        return redirect(url_for(".child", child_id=child.id), code=303)
    return render(
        "pairings/end.html",
        status=422 if form.errors else 200,
        form=form,
        pairing=pairing,
        child=child,
    )


@bp.route("/mine")
@permission_required("school.today")
def mine() -> Response:
    """The children paired to me, and with what kind of pairing."""
    current, earlier = pairing_queries.pairings_of_person(db.session, current_user.id)
    return render("pairings/mine.html", current=current, earlier=earlier)
