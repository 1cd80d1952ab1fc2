"""Learning support (学习帮扶计划 / 进步档案): a child's plans and scores across terms, a term's
plan made and kept up, and a term's scores entered."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.care import learning
from webapp.care.learning_forms import LearningPlanForm, ScoresForm
from webapp.care.models import LearningPlan
from webapp.children.access import Access
from webapp.children.models import Child
from webapp.children.routes import load_child
from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.permissions import permission_required
from webapp.extensions import db
from webapp.tenants.calendar import current_term
from webapp.tenants.models import Term

bp = Blueprint("learning", __name__, url_prefix="/learning")

# Learning support is the work of those who care for the child themselves: the class teacher,
# the proxy parent, the school's leaders.
NEEDED = Access.PAIRING
TERMS_TO_SCORE = 4  # the latest terms offered for entering scores


def plan_form(child: Child, plan: LearningPlan | None = None) -> LearningPlanForm:
    """The plan's form, offering the school's staff and the child's classmates as helpers,
    and the plan's own helper even if they have left since."""
    staff = learning.staff_helpers(db.session)
    classmates = learning.classmates(db.session, child)
    if plan is not None and plan.helper_user_id not in (None, *(i for i, _n in staff)):
        staff.append((plan.helper_user_id, plan.helper_user.name))
    if plan is not None and plan.helper_child_id not in (None, *(i for i, _n in classmates)):
        helper = db.session.get(Child, plan.helper_child_id)
        classmates.append((helper.id, helper.name))
    return LearningPlanForm(terms=learning.terms(db.session), staff=staff, classmates=classmates)


@bp.route("/children/<int:child_id>")
@permission_required("care.learning")
def progress(child_id: int) -> Response:
    child, _access = load_child(child_id, need=NEEDED)
    today = local_today()
    started = [term for term in learning.terms(db.session) if term.starts_on <= today]
    return render(
        "care/learning/progress.html",
        child=child,
        plans=learning.plans_of(db.session, child),
        progress=learning.progress_of(db.session, child),
        score_terms=started[:TERMS_TO_SCORE],
        trend_size=(learning.TREND_WIDTH, learning.TREND_HEIGHT),
    )


@bp.route("/children/<int:child_id>/plans/new", methods=("GET", "POST"))
@permission_required("care.learning")
def new_plan(child_id: int) -> Response:
    child, _access = load_child(child_id, need=NEEDED)
    form = plan_form(child)
    if not form.is_submitted():
        term = current_term(db.session, local_today())
        form.term_id.data = term.id if term else None
    if form.validate_on_submit():
        term = learning.find_term(db.session, form.term_id.data)
        try:
            made = learning.make_plan(
                db.session,
                uid=form.uid_value,
                child=child,
                term=term,
                author_id=current_user.id,
                **form.plan_values(),
            )
        except learning.PlanForTermExists as exists:
            form.term_id.errors.append(_("This term has a plan already: change that one."))
            return new_plan_page(child, form, existing=exists.plan)
        db.session.commit()
        if made.created:
            flash(_("Learning plan for %(name)s saved.", name=child.name), "success")
        return redirect(url_for(".progress", child_id=child.id) + f"#plan-{made.row.id}", code=303)
    return new_plan_page(child, form)


def new_plan_page(
    child: Child, form: LearningPlanForm, existing: LearningPlan | None = None
) -> Response:
    return render(
        "care/learning/plan_form.html",
        status=422 if form.errors else 200,
        child=child,
        form=form,
        plan=None,
        existing=existing,
    )


@bp.route("/plans/<int:learning_plan_id>/edit", methods=("GET", "POST"))
@permission_required("care.learning")
def edit_plan(learning_plan_id: int) -> Response:
    plan = db.session.get(LearningPlan, learning_plan_id)
    if plan is None:
        abort(404)
    child, _access = load_child(plan.child_id, need=NEEDED)
    form = plan_form(child, plan)
    del form.term_id  # a plan belongs to its term
    if not form.is_submitted():
        form.from_plan(plan)
    if form.validate_on_submit():
        learning.update_plan(db.session, plan, actor_id=current_user.id, **form.plan_values())
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".progress", child_id=child.id) + f"#plan-{plan.id}", code=303)
    return render(
        "care/learning/plan_form.html",
        status=422 if form.errors else 200,
        child=child,
        form=form,
        plan=plan,
        term=learning.find_term(db.session, plan.term_id),
        existing=None,
    )


@bp.route("/children/<int:child_id>/terms/<int:term_id>/scores", methods=("GET", "POST"))
@permission_required("care.learning")
def scores(child_id: int, term_id: int) -> Response:
    child, _access = load_child(child_id, need=NEEDED)
    term = learning.find_term(db.session, term_id)
    if term is None:
        abort(404)
    form = ScoresForm()
    if form.validate_on_submit():
        learning.record_scores(
            db.session,
            child,
            term,
            scores=form.scores(),
            cleared=form.cleared(),
            actor_id=current_user.id,
        )
        db.session.commit()
        flash(_("Scores of %(term)s saved.", term=term.full_name), "success")
        return redirect(url_for(".progress", child_id=child.id), code=303)
    if not form.is_submitted():
        kept = {row.subject: row for row in learning.scores_of(db.session, child, term)}
        form.fill(list(kept) or expected_subjects(child, term), kept)
    return render(
        "care/learning/scores.html",
        status=422 if form.errors else 200,
        child=child,
        term=term,
        form=form,
    )


def expected_subjects(child: Child, term: Term) -> list[str]:
    """The subjects of the child's latest scores before this term: the same exams come back."""
    progress = learning.progress_of(db.session, child)
    before = [t for t in progress.terms if t.starts_on < term.starts_on]
    if not before:
        return []
    return [s for s in progress.subjects if progress.score(before[-1], s) is not None]
