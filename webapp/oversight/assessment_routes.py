"""The assessment (考核): a unit keeps its 100-point scheme for a year, scores each school below
it with notes and evidence, and sees the ranking; a school reads its own score sheets."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.org import Tenant, tenants_below
from webapp.core.permissions import permission_required
from webapp.extensions import db
from webapp.oversight import assessment_queries, assessment_service, snapshot_queries
from webapp.oversight.assessment_forms import SchemeForm, ScoreForm
from webapp.oversight.assessment_models import AssessmentScheme, AssessmentScore
from webapp.oversight.assessment_service import ScoreEntry

school_bp = Blueprint("assessment", __name__, url_prefix="/assessment")
unit_bp = Blueprint("assessment", __name__, url_prefix="/assessment")

FIRST_YEAR, LAST_YEAR = 2000, 2100


def chosen_year(year: int | None = None) -> int:
    year = year or request.args.get("year", type=int) or local_today().year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return year


def school_below(tenant_slug: str) -> Tenant:
    """A school below this unit; any other (or none) is not found."""
    found = next((t for t in tenants_below(db.session, g.unit) if t.slug == tenant_slug), None)
    return found or abort(404)


def chosen_scheme(year: int) -> AssessmentScheme | None:
    """The version asked for (?version=), else the latest."""
    latest = assessment_service.latest_scheme(db.session, g.unit.id, year)
    wanted = request.args.get("version", type=int)
    if latest is None or wanted is None or wanted == latest.version:
        return latest
    found = db.session.scalar(
        select(AssessmentScheme).filter_by(org_unit_id=g.unit.id, year=year, version=wanted)
    )
    return found or abort(404)


# The unit's side ------------------------------------------------------------------------------


@unit_bp.route("/")
@permission_required("assessment.manage")
def ranking() -> Response:
    year = chosen_year()
    scheme = chosen_scheme(year)
    tenants = tenants_below(db.session, g.unit)
    return render(
        "oversight/assessment_ranking.html",
        year=year,
        scheme=scheme,
        rows=assessment_queries.ranking(db.session, scheme, tenants) if scheme else [],
        marked=assessment_queries.MARKED,
    )


@unit_bp.route("/<int:year>/scheme", methods=("GET", "POST"))
@permission_required("assessment.manage")
def edit_scheme(year: int) -> Response:
    year = chosen_year(year)
    latest = assessment_service.latest_scheme(db.session, g.unit.id, year)
    rows = (
        [(c.title, c.max_points) for c in latest.criteria]
        if latest
        else assessment_service.default_criteria()
    )
    form = SchemeForm(data={"criteria": [{"title": t, "max_points": p} for t, p in rows]})
    if form.validate_on_submit():
        tenants = tenants_below(db.session, g.unit)
        try:
            _scheme, new_version = assessment_service.save_scheme(
                db.session,
                unit_id=g.unit.id,
                year=year,
                criteria=form.rows(),
                tenant_ids=[t.id for t in tenants],
                actor_id=current_user.id,
            )
        except assessment_service.SchemeChangedMeanwhile:
            db.session.rollback()
            flash(_("Someone saved the scheme at the same moment. Check it again."), "warning")
            return redirect(url_for(".edit_scheme", year=year), code=303)
        db.session.commit()
        if new_version:
            flash(_("The schools already scored keep their version; this is a new one."), "success")
        else:
            flash(_("Scheme saved."), "success")
        return redirect(url_for(".ranking", year=year), code=303)
    return render(
        "oversight/assessment_scheme.html",
        form=form,
        year=year,
        latest=latest,
        status=422 if request.method == "POST" else 200,
    )


@unit_bp.route("/<int:year>/schools/<tenant_slug>", methods=("GET", "POST"))
@permission_required("assessment.manage")
def score_school(year: int, tenant_slug: str) -> Response:
    year = chosen_year(year)
    tenant = school_below(tenant_slug)
    scheme = assessment_service.latest_scheme(db.session, g.unit.id, year)
    if scheme is None:
        flash(_("Set the year's scheme first."), "warning")
        return redirect(url_for(".edit_scheme", year=year), code=303)
    criteria = scheme.criteria
    scores = assessment_queries.scores_of(db.session, scheme, [tenant.id]).get(tenant.id, {})
    snapshots = [
        (s.id, f"{s.term_label} · {_('version %(version)s', version=s.version)}")
        for s in snapshot_queries.versions_of(db.session, tenant)
    ]
    form = ScoreForm(data={"lines": [_line(scores.get(c.id)) for c in criteria]})
    form.setup([c.max_points for c in criteria], f"/s/{tenant.slug}/", snapshots)
    if form.validate_on_submit():
        entries = [
            ScoreEntry(
                criterion_id=criterion.id,
                points=entry.form.points.data,
                note=entry.form.note.data or "",
                evidence=form.evidence_of(entry.form),
                snapshot_id=entry.form.snapshot_id.data or None,
            )
            for criterion, entry in zip(criteria, form.lines, strict=True)
        ]
        assessment_service.save_scores(
            db.session,
            tenant_id=tenant.id,
            scheme=scheme,
            entries=entries,
            actor_id=current_user.id,
        )
        db.session.commit()
        flash(_("Scores of %(school)s saved.", school=tenant.name), "success")
        return redirect(url_for(".ranking", year=year), code=303)
    return render(
        "oversight/assessment_score.html",
        form=form,
        year=year,
        scheme=scheme,
        tenant=tenant,
        lines=list(zip(criteria, form.lines, strict=True)),
        status=422 if request.method == "POST" else 200,
    )


def _line(score: AssessmentScore | None) -> dict:
    if score is None:
        return {}
    return {
        "points": score.points,
        "note": score.note,
        "evidence": "\n".join(score.evidence),
        "snapshot_id": score.snapshot_id or 0,
    }


# The school's side ----------------------------------------------------------------------------


@school_bp.route("/")
@permission_required("assessment.own")
def own() -> Response:
    return render(
        "oversight/assessment_own.html",
        sheets=assessment_queries.own_sheets(db.session, g.tenant),
    )
