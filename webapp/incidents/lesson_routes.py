"""The daily safety education (每日安全教育): the classes with their days this term, and one
class's term with the quick entry on top (topics in taps, minutes in one more)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.children.models import SchoolClass
from webapp.core.htmx import render, wants_partial
from webapp.core.i18n import local_today, long_date
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.incidents import queries, service
from webapp.incidents.forms import SafetyLessonForm
from webapp.incidents.models import SafetyTopic
from webapp.tenants.calendar import school_years

bp = Blueprint("safety_lessons", __name__, url_prefix="/safety-lessons")

CLASS_LESSONS = "class-lessons"


def load_class(class_id: int) -> SchoolClass:
    """A class whose safety paperwork this person keeps: their own, or any for the leaders."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or not (
        can("incidents.every_class") or school_class.teacher_id == current_user.id
    ):
        abort(404)
    return school_class


@bp.route("/")
@permission_required("incidents.safety_paperwork")
def index() -> Response:
    classes = queries.paperwork_classes(db.session, current_user.id, g.roles)
    if len(classes) == 1 and not can("incidents.every_class"):
        return redirect(url_for(".class_lessons", class_id=classes[0].id))
    term = queries.term_of(db.session, request.args.get("term_id", type=int), local_today())
    return render(
        "incidents/lessons/index.html",
        classes=classes,
        term=term,
        board=queries.lesson_board(db.session, classes, term),
        today=local_today(),
    )


@bp.route("/classes/<int:class_id>", methods=("GET", "POST"))
@permission_required("incidents.safety_paperwork")
def class_lessons(class_id: int) -> Response:
    school_class = load_class(class_id)
    form = SafetyLessonForm()
    saved = None
    if form.validate_on_submit():
        try:
            made = service.record_lesson(
                db.session,
                uid=form.uid_value,
                school_class=school_class,
                held_on=form.held_on.data,
                topics=[SafetyTopic(t) for t in form.topics.data],
                minutes=form.minutes(),
                note=form.note.data,
                teacher_id=current_user.id,
            )
        except service.UidTaken:
            abort(400)
        db.session.commit()
        if not wants_partial(CLASS_LESSONS):
            flash(
                _("Saved: safety education of %(date)s.", date=long_date(made.row.held_on)),
                "success",
            )
            return redirect(url_for(".class_lessons", class_id=school_class.id), code=303)
        saved, form = made.row, fresh_form(form)
    term = queries.term_of(db.session, request.args.get("term_id", type=int), local_today())
    lessons = queries.class_lessons(db.session, school_class.id, term)
    return render(
        "incidents/lessons/class.html",
        partial="incidents/lessons/_class.html",
        target=CLASS_LESSONS,
        status=422 if form.errors else 200,
        school_class=school_class,
        form=form,
        saved=saved,
        term=term,
        terms=[t for year in school_years(db.session) for t in year.terms],
        lessons=lessons,
        summary=queries.summarise(lessons),
    )


def fresh_form(sent: SafetyLessonForm) -> SafetyLessonForm:
    """The next entry after a saved one: a new UUID, the same day."""
    form = SafetyLessonForm(formdata=None)
    form.held_on.data = sent.held_on.data
    return form
