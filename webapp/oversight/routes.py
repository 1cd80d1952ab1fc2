"""An oversight unit's pages under /o/<unit_slug>/: the rollup of the schools below, drilled down
from county to township to school, and the grants that let an officer see one school's names.

Every figure page is aggregate and suppressed (``rollup``). A school or unit that is not below
the viewer's unit answers 404 like one that does not exist. Names appear on one page only, the
school's names under an approved grant that has not ended, and each view of it is written to
that school's audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.children.access import ON_ROLL
from webapp.children.models import Child, ChildStatus, LeftBehindType
from webapp.core import kept
from webapp.core.db import utcnow
from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.permissions import permission_required
from webapp.core.tenancy import tenant_context
from webapp.extensions import db
from webapp.oversight import grants, service
from webapp.oversight.forms import GrantRequestForm
from webapp.oversight.rollup import Node, Rollup

bp = Blueprint("home", __name__)  # unit.home.*: the unit's landing keeps its old endpoint


@dataclass(frozen=True)
class NamedChild:
    name: str
    class_name: str | None
    left_behind_type: LeftBehindType
    status: ChildStatus


# Children a follow-up may be about: those on the roll and those who dropped out.
NAMED_STATUSES = (*ON_ROLL, ChildStatus.DROPPED_OUT)


@bp.route("/")
@permission_required("oversight.view")
def overview() -> Response:
    rollup = _rollup()
    return _unit_page(rollup, rollup.root)


@bp.route("/units/<unit_slug_below>")
@permission_required("oversight.view")
def unit(unit_slug_below: str) -> Response:
    rollup = _rollup()
    node = rollup.unit(unit_slug_below)
    if node is None or node is rollup.root:
        abort(404)
    return _unit_page(rollup, node)


def _rollup() -> Rollup:
    """Duty figures are kept a few minutes: an officer moving between the pages of a unit
    does not run every school's duty engine again (never in tests, which count them)."""
    max_age = kept.max_age("OVERSIGHT_DUTY_MAX_AGE")
    return Rollup(db.session, g.unit, local_today(), duty_max_age=max_age)


def _unit_page(rollup: Rollup, node: Node) -> Response:
    return render(
        "oversight/unit.html",
        rollup=rollup,
        node=node,
        path=_path_to(rollup.root, node),
        today=rollup.today,
    )


@bp.route("/schools/<school_slug>")
@permission_required("oversight.view")
def school(school_slug: str) -> Response:
    rollup = _rollup()
    node = rollup.school(school_slug)
    if node is None:
        abort(404)
    now = utcnow()
    mine = grants.of_user_for_school(db.session, current_user.id, node.id)
    return render(
        "oversight/school.html",
        rollup=rollup,
        node=node,
        path=_path_to(rollup.root, node),
        today=rollup.today,
        active=next((grant for grant in mine if grant.is_active(now)), None),
        waiting=next((grant for grant in mine if grant.status == grants.WAITING), None),
    )


@bp.route("/schools/<school_slug>/grants/new", methods=("GET", "POST"))
@permission_required("oversight.view")
def request_grant(school_slug: str) -> Response:
    tenant = grants.school_below(db.session, g.unit, school_slug)
    if tenant is None:
        abort(404)
    form = GrantRequestForm()
    if form.validate_on_submit():
        service.request_grant(
            db.session,
            tenant_id=tenant.id,
            unit_id=g.unit.id,
            user_id=current_user.id,
            reason=form.reason.data,
            days=form.days.data,
            now=utcnow(),
        )
        db.session.commit()
        flash(_("Request sent to the principal of %(school)s.", school=tenant.name), "success")
        return redirect(url_for(".school", school_slug=tenant.slug), code=303)
    return render(
        "oversight/grant_request.html",
        status=422 if form.errors else 200,
        form=form,
        tenant=tenant,
    )


@bp.route("/schools/<school_slug>/names")
@permission_required("oversight.view")
def names(school_slug: str) -> Response:
    """The school's children by name, under an approved grant that has not ended."""
    tenant = grants.school_below(db.session, g.unit, school_slug)
    if tenant is None:
        abort(404)
    grant = grants.active_for(db.session, current_user.id, tenant.id, utcnow())
    if grant is None:
        abort(403)
    with tenant_context(db.session, tenant.id):
        found = db.session.scalars(
            select(Child)
            .where(Child.status.in_(NAMED_STATUSES))
            .options(selectinload(Child.school_class))
            .order_by(Child.class_id, Child.name_pinyin, Child.id)
        )
        # Read now: the commit below expires the rows, and the page is drawn after it.
        children = [
            NamedChild(
                c.name,
                c.school_class.name if c.school_class else None,
                c.left_behind_type,
                c.status,
            )
            for c in found
        ]
        ends_at = grant.ends_at
    service.record_names_view(db.session, grant, viewer_id=current_user.id)
    db.session.commit()
    return render("oversight/names.html", tenant=tenant, ends_at=ends_at, children=children)


@bp.route("/grants")
@permission_required("oversight.view")
def my_grants() -> Response:
    return render(
        "oversight/grants.html",
        grants=grants.of_user(db.session, current_user.id, g.unit),
        now=utcnow(),
    )


def _path_to(root: Node, target: Node) -> list[Node]:
    """The units from the viewer's unit down to the node, for the way back up."""

    def search(node: Node, trail: list[Node]) -> list[Node] | None:
        if node is target:
            return trail
        for child in node.children:
            found = search(child, [*trail, node])
            if found is not None:
                return found
        return None

    return search(root, []) or []
