"""Setting up a school: classes and their teachers, school years and terms."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.auth.models import User
from webapp.children.models import SchoolClass, Stage
from webapp.children.queries import children_per_class
from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.org import Membership, TenantKind
from webapp.core.permissions import CLASS_ROLES, permission_required
from webapp.extensions import db
from webapp.tenants import calendar, service
from webapp.tenants.setup_forms import ClassForm, EditClassForm, SchoolYearForm, TermForm

bp = Blueprint("setup", __name__, url_prefix="/setup")


def class_teachers() -> list[User]:
    """This school's members who may teach a class: the choices for a class teacher.

    Membership is a kernel table outside the tenant filter (a login lists a person's schools),
    so it is filtered by the current school here: the one sanctioned hand-written tenant filter.
    """
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.tenant_id == g.tenant.id,
                Membership.role.in_(CLASS_ROLES),
                User.is_active,
            )
            .distinct()
            .order_by(User.name)
        )
    )


def all_classes() -> list[SchoolClass]:
    """Every class, those in use first; the ones out of use stay for the records."""
    return list(
        db.session.scalars(
            select(SchoolClass)
            .options(selectinload(SchoolClass.teacher))
            .order_by(
                SchoolClass.is_active.desc(),
                SchoolClass.stage,
                SchoolClass.grade,
                SchoolClass.section,
                SchoolClass.name,
            )
        )
    )


def duplicate_class_message(name: str) -> str:
    return _("This school already has a class named %(name)s.", name=name)


@bp.route("/")
@permission_required("school.setup")
def index() -> Response:
    return render(
        "setup/index.html",
        classes=all_classes(),
        years=calendar.school_years(db.session),
        term=calendar.current_term(db.session, local_today()),
    )


@bp.route("/classes/")
@permission_required("school.setup")
def list_classes() -> Response:
    classes = all_classes()
    counts = children_per_class(db.session, [c.id for c in classes])
    return render("setup/classes.html", classes=classes, counts=counts)


@bp.route("/classes/new", methods=("GET", "POST"))
@permission_required("school.setup")
def new_class() -> Response:
    in_kindergarten = g.tenant.kind == TenantKind.KINDERGARTEN
    form = ClassForm(
        teachers=class_teachers(), stage=Stage.KINDERGARTEN if in_kindergarten else Stage.PRIMARY
    )
    if form.validate_on_submit():
        try:
            school_class = service.create_class(
                db.session, actor_id=current_user.id, **form.class_values()
            )
        except service.DuplicateName:
            form.name.errors.append(duplicate_class_message(form.name.data))
        else:
            db.session.commit()
            flash(_("Class %(name)s added.", name=school_class.name), "success")
            return redirect(url_for(".list_classes"), code=303)
    return render(
        "setup/class_form.html", form=form, school_class=None, status=422 if form.errors else 200
    )


@bp.route("/classes/<int:class_id>", methods=("GET", "POST"))
@permission_required("school.setup")
def edit_class(class_id: int) -> Response:
    school_class = db.session.get(SchoolClass, class_id) or abort(404)
    form = EditClassForm(obj=school_class, teachers=class_teachers())
    if form.validate_on_submit():
        try:
            service.update_class(
                db.session, school_class, actor_id=current_user.id, **form.class_values()
            )
        except service.DuplicateName:
            form.name.errors.append(duplicate_class_message(form.name.data))
        except service.ClassStillHasChildren as refusal:
            form.is_active.errors.append(still_has_children_message(refusal.count))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".list_classes"), code=303)
    return render(
        "setup/class_form.html",
        form=form,
        school_class=school_class,
        status=422 if form.errors else 200,
    )


def still_has_children_message(count: int) -> str:
    return ngettext(
        "%(num)d child of this class is still on the roll: move the child to another class first.",
        "%(num)d children of this class are still on the roll: move them to other classes first.",
        count,
    )


@bp.route("/years/")
@permission_required("school.setup")
def list_years() -> Response:
    return render(
        "setup/years.html",
        years=calendar.school_years(db.session),
        current=calendar.current_term(db.session, local_today()),
    )


@bp.route("/years/new", methods=("GET", "POST"))
@permission_required("school.setup")
def new_year() -> Response:
    form = SchoolYearForm()
    if form.validate_on_submit():
        try:
            year = service.create_school_year(
                db.session, actor_id=current_user.id, **form.year_values()
            )
        except service.DuplicateName:
            form.name.errors.append(
                _("This school already has a school year named %(name)s.", name=form.name.data)
            )
        except service.OverlapsAnotherYear as overlap:
            form.starts_on.errors.append(
                _("These dates overlap the school year %(name)s.", name=overlap.year.name)
            )
        else:
            db.session.commit()
            flash(_("School year %(name)s added with its two terms.", name=year.name), "success")
            return redirect(url_for(".list_years"), code=303)
    return render("setup/year_form.html", form=form, status=422 if form.errors else 200)


@bp.route("/terms/<int:term_id>", methods=("GET", "POST"))
@permission_required("school.setup")
def edit_term(term_id: int) -> Response:
    term = calendar.find_term(db.session, term_id) or abort(404)
    siblings = [t for t in term.school_year.terms if t.id != term.id]
    form = TermForm(obj=term, year=term.school_year, other_terms=siblings)
    if form.validate_on_submit():
        try:
            service.update_term(db.session, term, actor_id=current_user.id, **form.term_values())
        except service.DuplicateName:
            form.name.errors.append(_("This school year already has a term of that name."))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".list_years"), code=303)
    return render("setup/term_form.html", form=form, term=term, status=422 if form.errors else 200)
