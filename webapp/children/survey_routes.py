"""The term survey (摸底): each class teacher confirms each card at term start.

A class teacher goes through the class one child per screen: 「无变化」 in one tap, or update the
card and confirm it as updated. Leaders watch completion per class and the 建档率; they look at
a class but do not confirm for its teacher.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.children import survey
from webapp.children.access import ON_ROLL
from webapp.children.models import Child, SchoolClass
from webapp.children.queries import archive_gaps
from webapp.children.survey_forms import ConfirmForm
from webapp.core.htmx import render, wants_partial
from webapp.core.i18n import local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.tenants.calendar import current_term
from webapp.tenants.models import Term

bp = Blueprint("survey", __name__, url_prefix="/survey")

PANEL = "survey-child"  # the one-child panel, swapped in place after each tap


def teaches(school_class: SchoolClass) -> bool:
    return can("children.survey") and school_class.teacher_id == current_user.id


def load_class(class_id: int, *, to_confirm: bool = False) -> SchoolClass:
    """A class the user surveys (its own teacher) or watches (the leaders); else not found."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        abort(404)
    if not (teaches(school_class) or (not to_confirm and can("children.survey_progress"))):
        abort(404)
    return school_class


def render_panel(
    term: Term, school_class: SchoolClass, *, status: int = 200, **extra: Any
) -> Response:
    """The class survey page, or only its one-child panel for htmx: the next child to confirm,
    or the whole class once every card is confirmed."""
    child = survey.next_child(db.session, term, school_class)
    context = {
        "term": term,
        "school_class": school_class,
        "progress": survey.class_surveys(db.session, term, [school_class])[0],
        "child": child,
        "gaps": archive_gaps(child) if child else [],
        "roll": [] if child else survey.class_roll(db.session, term, school_class),
        "form": ConfirmForm(formdata=None),
        **extra,
    }
    return render(
        "survey/class.html", partial="survey/_child.html", target=PANEL, status=status, **context
    )


@bp.route("/")
@permission_required("children.list")  # class teachers and leaders; checked finer below
def index() -> Response:
    if not (can("children.survey") or can("children.survey_progress")):
        abort(403)
    today = local_today()
    term = current_term(db.session, today)
    summary = (
        survey.survey_summary(db.session, term, current_user.id, g.roles, today) if term else None
    )
    return render("survey/index.html", term=term, summary=summary, today=today)


@bp.route("/classes/<int:class_id>")
@permission_required("children.list")  # its teacher confirms, leaders look: see load_class
def survey_class(class_id: int) -> Response:
    school_class = load_class(class_id)
    term = current_term(db.session, local_today())
    if term is None:
        return redirect(url_for(".index"))  # the index says no term is set up, and who sets it
    if not teaches(school_class):
        roll = survey.class_roll(db.session, term, school_class)
        return render("survey/class_roll.html", term=term, school_class=school_class, roll=roll)
    return render_panel(term, school_class)


@bp.route("/classes/<int:class_id>/children/<int:child_id>", methods=("POST",))
@permission_required("children.list")  # only the class's own teacher: see load_class
def confirm_child(class_id: int, child_id: int) -> Response:
    school_class = load_class(class_id, to_confirm=True)
    child = db.session.get(Child, child_id)
    if child is None or child.class_id != school_class.id or child.status not in ON_ROLL:
        abort(404)
    term = current_term(db.session, local_today())
    if term is None:
        return redirect(url_for(".index"), code=303)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_panel(term, school_class, status=422, form=form)
    survey.confirm_card(
        db.session, term=term, child=child, outcome=form.chosen_outcome, actor_id=current_user.id
    )
    db.session.commit()
    if not wants_partial(PANEL):  # without JavaScript: back to the class, which shows the next
        flash(_("%(name)s confirmed.", name=child.name), "success")
        return redirect(url_for(".survey_class", class_id=school_class.id), code=303)
    return render_panel(term, school_class, just_confirmed=child)
