"""The school's staff accounts: the principal gives a one-time code for a first login or a
reset, and changes roles. Both need step-up: either hands someone the school's data."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.auth import codes, service
from webapp.auth.forms import LogoutForm
from webapp.auth.member_forms import RolesForm
from webapp.auth.models import User
from webapp.auth.step_up import step_up_required
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.htmx import render
from webapp.core.org import Membership
from webapp.core.permissions import Role, permission_required
from webapp.extensions import db

bp = Blueprint("members", __name__, url_prefix="/members")


def members() -> list[tuple[User, list[Role]]]:
    """This school's staff and their roles. Membership is a kernel table outside the tenant
    filter, so it is filtered by the current school here, as the set-up pages do."""
    rows = db.session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == g.tenant.id)
        .order_by(User.name, User.id)
    ).all()
    people: dict[int, tuple[User, list[Role]]] = {}
    for user, role in rows:
        people.setdefault(user.id, (user, []))[1].append(role)
    return list(people.values())


def load_member(user_id: int) -> tuple[User, list[Role]]:
    """A member of this school; anyone else is not found."""
    for user, roles in members():
        if user.id == user_id:
            return user, roles
    abort(404)


@bp.route("/")
@permission_required("members.manage")
def index() -> Response:
    return render("members/index.html", people=members(), form=LogoutForm())


@bp.route("/<int:user_id>/code", methods=("POST",))
@permission_required("members.manage")
@step_up_required
def give_code(user_id: int) -> Response:
    user, _roles = load_member(user_id)
    if not LogoutForm().validate_on_submit():
        abort(400)
    code = codes.issue(db.session, user, created_by=current_user)
    audit.record(
        db.session,
        AuditAction.CREATE,
        actor_id=current_user.id,
        subject="one_time_code",
        subject_id=user.id,
    )
    db.session.commit()
    response = render("members/code.html", member=user, code=code)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:user_id>/roles", methods=("GET", "POST"))
@permission_required("members.manage")
@step_up_required
def roles(user_id: int) -> Response:
    user, current = load_member(user_id)
    form = RolesForm(data={"roles": [r.value for r in current]})
    if form.validate_on_submit():
        chosen = {Role(value) for value in form.roles.data}
        if user.id == current_user.id and Role.PRINCIPAL not in chosen:
            form.roles.errors.append(_("You cannot take the principal's role from yourself."))
        else:
            service.set_roles(db.session, g.tenant.id, user, chosen)
            audit.record(
                db.session,
                AuditAction.UPDATE,
                actor_id=current_user.id,
                subject="membership",
                subject_id=user.id,
                fields=sorted(r.value for r in chosen.symmetric_difference(current)),
            )
            switched_off = not chosen and service.switch_off_if_unattached(db.session, user)
            db.session.commit()
            if switched_off:
                message = _("%(name)s has left the school and is logged out on every device.")
            elif not chosen:
                message = _("%(name)s has left the school.")
            else:
                message = _("Roles of %(name)s saved.")
            flash(message % {"name": user.name}, "success")
            return redirect(url_for(".index"), code=303)
    return render("members/roles.html", form=form, member=user, status=422 if form.errors else 200)
