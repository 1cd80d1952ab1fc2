"""Term roster snapshots: the school submits and reads its own (named list included, Excel
export audited); a unit sees which schools below it submitted for a term and their figures,
small cells suppressed, never a name."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth.step_up import step_up_required
from webapp.children.exports import XLSX_MIMETYPE
from webapp.core.htmx import render
from webapp.core.i18n import SCHOOL_TIMEZONE, local_today
from webapp.core.org import Tenant, tenants_below
from webapp.core.permissions import permission_required
from webapp.extensions import db
from webapp.families import queries as families_queries
from webapp.oversight import snapshot_excel, snapshot_queries, snapshot_service
from webapp.oversight.snapshot_models import RosterSnapshot
from webapp.oversight.snapshot_queries import UNIT_KEYS, figure_labels
from webapp.reports.forms import SubmitForm
from webapp.tenants.models import Term

school_bp = Blueprint("snapshots", __name__, url_prefix="/snapshots")
unit_bp = Blueprint("snapshots", __name__, url_prefix="/snapshots")


# The school's side ----------------------------------------------------------------------------


def chosen_term(terms: list[Term]) -> Term | None:
    wanted = request.args.get("term_id", type=int)
    if wanted is None:
        return families_queries.term_of(terms, local_today())
    return next((t for t in terms if t.id == wanted), None) or abort(404)


def download(data: bytes, filename: str, fallback: str) -> Response:
    """An Excel download named in Chinese (RFC 6266 filename*), plainly for old browsers."""
    response = Response(data, mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response


def load_snapshot(snapshot_id: int) -> RosterSnapshot:
    return db.session.get(RosterSnapshot, snapshot_id) or abort(404)


@school_bp.route("/")
@permission_required("snapshots.view")
def index() -> Response:
    """The term's roster as the cards say now, the button that sends it, and every version
    sent so far."""
    terms = families_queries.school_terms(db.session)
    term = chosen_term(terms)
    return render(
        "oversight/snapshot_index.html",
        terms=terms,
        term=term,
        live=snapshot_service.roster_content(db.session, local_today()) if term else None,
        snapshots=snapshot_queries.school_snapshots(db.session),
        labels=figure_labels(),
        ordered_keys=snapshot_queries.ordered_keys,
        form=SubmitForm(),
    )


@school_bp.route("/terms/<int:term_id>/submit", methods=("POST",))
@permission_required("snapshots.submit")
def submit(term_id: int) -> Response:
    term = db.session.get(Term, term_id) or abort(404)
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    snapshot, created = snapshot_service.submit_snapshot(
        db.session,
        uid=form.uid_value,
        term=term,
        content=snapshot_service.roster_content(db.session, local_today()),
        actor_id=current_user.id,
        now=datetime.now(SCHOOL_TIMEZONE),
    )
    db.session.commit()
    if created:
        flash(
            _("Submitted as version %(version)s. It is locked.", version=snapshot.version),
            "success",
        )
    return redirect(url_for(".show", snapshot_id=snapshot.id), code=303)


@school_bp.route("/<int:snapshot_id>")
@permission_required("snapshots.view")
def show(snapshot_id: int) -> Response:
    snapshot = load_snapshot(snapshot_id)
    return render(
        "oversight/snapshot_show.html",
        snapshot=snapshot,
        labels=figure_labels(),
        ordered_keys=snapshot_queries.ordered_keys,
        headers=snapshot_queries.child_headers(),
        people=[snapshot_queries.child_labels(e) for e in snapshot.children],
        form=SubmitForm(),
    )


@school_bp.route("/<int:snapshot_id>/export", methods=("POST",))
@permission_required("snapshots.view")
@step_up_required
def export(snapshot_id: int) -> Response:
    snapshot = load_snapshot(snapshot_id)
    if not SubmitForm().validate_on_submit():
        abort(400)
    now = datetime.now(SCHOOL_TIMEZONE)
    data = snapshot_excel.workbook(
        snapshot, school_name=g.tenant.name, exporter_name=current_user.name, now=now
    )
    snapshot_service.record_snapshot_export(db.session, snapshot, actor_id=current_user.id)
    db.session.commit()  # the file leaves only once its audit rows are written
    filename = f"{g.tenant.name}_{snapshot.term_label}_v{snapshot.version}_{now:%Y%m%d}.xlsx"
    return download(data, filename, f"snapshot-{snapshot.term_key}-v{snapshot.version}.xlsx")


# The unit's side ------------------------------------------------------------------------------


def school_below(tenant_slug: str) -> Tenant:
    """A school below this unit; any other (or none) is not found."""
    found = next((t for t in tenants_below(db.session, g.unit) if t.slug == tenant_slug), None)
    return found or abort(404)


@unit_bp.route("/")
@permission_required("oversight.view")
def overview() -> Response:
    tenants = tenants_below(db.session, g.unit)
    tenant_ids = [t.id for t in tenants]
    current = snapshot_queries.current_term_keys(db.session, tenant_ids, local_today())
    keys = sorted(
        dict(snapshot_queries.term_keys(db.session, tenant_ids) + current).items(), reverse=True
    )
    key = request.args.get("term") or (current or keys or [(None, "")])[0][0]
    rows = [
        (s, snapshot_queries.unit_figures(s.snapshot) if s.snapshot else None)
        for s in (snapshot_queries.submissions(db.session, tenants, key) if key else [])
    ]
    return render(
        "oversight/snapshot_unit.html",
        keys=keys,
        key=key,
        rows=rows,
        submitted=sum(1 for s, _f in rows if s.snapshot),
        labels=figure_labels(),
        unit_keys=UNIT_KEYS,
    )


@unit_bp.route("/<tenant_slug>")
@permission_required("oversight.view")
def school(tenant_slug: str) -> Response:
    tenant = school_below(tenant_slug)
    versions = snapshot_queries.versions_of(db.session, tenant)
    wanted = request.args.get("version_id", type=int)
    chosen = next((v for v in versions if v.id == wanted), None) if wanted else None
    if wanted and chosen is None:
        abort(404)
    chosen = chosen or (versions[0] if versions else None)
    return render(
        "oversight/snapshot_unit_school.html",
        tenant=tenant,
        versions=versions,
        chosen=chosen,
        figures=snapshot_queries.unit_figures(chosen) if chosen else None,
        labels=figure_labels(),
        unit_keys=UNIT_KEYS,
    )
