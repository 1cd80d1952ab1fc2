"""Individual plans (个别教育管理方案): the school's running plans, a child's plans, starting,
reviewing and ending one.

Restricted exactly like a counselling record: only the counsellor and the principal reach these
pages; to anyone else every one of them, with or without a real id, is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.care import plans, service
from webapp.care.models import IndividualPlan
from webapp.care.plan_forms import EndPlanForm, PlanForm, ReviewForm
from webapp.children.models import Child
from webapp.children.routes import load_child
from webapp.core.db import writes_on_get
from webapp.core.htmx import render
from webapp.core.permissions import can
from webapp.extensions import db

bp = Blueprint("plans", __name__, url_prefix="/plans")

PERMISSION = "care.individual_plan"


def restricted(view: Callable[..., Any]) -> Callable[..., Any]:
    """Like ``permission_required``, but a person without the permission gets 404, not 403:
    a restricted page does not exist for them, as a counselling record does not."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not can(PERMISSION):
            abort(404)
        return view(*args, **kwargs)

    checked.required_permission = PERMISSION  # type: ignore[attr-defined]
    return checked


def load_plan(plan_id: int) -> tuple[IndividualPlan, Child]:
    plan = db.session.get(IndividualPlan, plan_id)
    if plan is None:
        abort(404)
    child, _access = load_child(plan.child_id)
    return plan, child


@bp.route("/")
@restricted
def index() -> Response:
    return render("care/plans/index.html", running=plans.running_plans(db.session))


@bp.route("/children/<int:child_id>")
@restricted
def child_plans(child_id: int) -> Response:
    child, _access = load_child(child_id)
    return render("care/plans/child.html", child=child, plans=plans.plans_of(db.session, child))


@bp.route("/children/<int:child_id>/new", methods=("GET", "POST"))
@restricted
def new_plan(child_id: int) -> Response:
    child, _access = load_child(child_id)
    form = PlanForm()
    if form.validate_on_submit():
        made = plans.start_plan(
            db.session,
            uid=form.uid_value,
            child=child,
            author_id=current_user.id,
            started_on=form.started_on.data,
            problem=form.problem.data,
            goals=form.goals.data,
            measures=form.measures.data,
        )
        db.session.commit()
        if made.created:
            flash(_("Individual plan for %(name)s started.", name=child.name), "success")
        return redirect(url_for(".show_plan", plan_id=made.row.id), code=303)
    return render("care/plans/new.html", status=422 if form.errors else 200, child=child, form=form)


@bp.route("/<int:plan_id>")
@writes_on_get
@restricted
def show_plan(plan_id: int) -> Response:
    plan, child = load_plan(plan_id)
    # Opening a restricted plan is a disclosure: logged before it is shown.
    service.record_opened(
        db.session,
        child_id=child.id,
        subject="individual_plan",
        subject_id=plan.id,
        actor_id=current_user.id,
    )
    db.session.commit()
    return show(plan, child, ReviewForm(started_on=plan.started_on))


def show(
    plan: IndividualPlan, child: Child, review_form: ReviewForm, status: int = 200
) -> Response:
    return render(
        "care/plans/show.html",
        status=status,
        plan=plan,
        child=child,
        review_form=review_form if plan.ended_on is None else None,
    )


@bp.route("/<int:plan_id>/reviews", methods=("POST",))
@restricted
def add_review(plan_id: int) -> Response:
    plan, child = load_plan(plan_id)
    form = ReviewForm(started_on=plan.started_on)
    if not form.validate_on_submit():
        return show(plan, child, form, status=422)
    try:
        made = plans.review_plan(
            db.session,
            plan,
            uid=form.uid_value,
            author_id=current_user.id,
            reviewed_on=form.reviewed_on.data,
            notes=form.notes.data,
        )
    except plans.PlanEnded:
        flash(_("This plan has ended; it takes no more reviews."), "info")
        return redirect(url_for(".show_plan", plan_id=plan.id), code=303)
    db.session.commit()
    if made.created:
        flash(_("Review saved."), "success")
    return redirect(url_for(".show_plan", plan_id=plan.id) + f"#review-{made.row.id}", code=303)


@bp.route("/<int:plan_id>/end", methods=("GET", "POST"))
@restricted
def end_plan(plan_id: int) -> Response:
    plan, child = load_plan(plan_id)
    if plan.ended_on is not None:
        flash(_("This plan has ended already."), "info")
        return redirect(url_for(".show_plan", plan_id=plan.id), code=303)
    form = EndPlanForm(started_on=plan.started_on)
    if form.validate_on_submit():
        plans.end_plan(
            db.session,
            plan,
            actor_id=current_user.id,
            ended_on=form.ended_on.data,
            outcome=form.outcome.data,
            uid=form.uid_value,
        )
        db.session.commit()
        flash(_("The plan has ended."), "success")
        return redirect(url_for(".show_plan", plan_id=plan.id), code=303)
    return render(
        "care/plans/end.html",
        status=422 if form.errors else 200,
        plan=plan,
        child=child,
        form=form,
    )
