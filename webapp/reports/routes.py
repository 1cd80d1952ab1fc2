"""The report pages: the archive's eight tables of a class (printed on A4, or as Excel), the
records behind every figure, the term plan and summary, and the monthly report."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from babel import Locale
from babel.dates import format_date
from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth.step_up import step_up_required
from webapp.children import queries as children_queries
from webapp.children.exports import XLSX_MIMETYPE, Masks, record_export
from webapp.children.models import Child, SchoolClass
from webapp.core.db import writes_on_get
from webapp.core.htmx import render
from webapp.core.i18n import SCHOOL_TIMEZONE, local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.families import queries as families_queries
from webapp.reports import archive, documents, excel, service
from webapp.reports.archive import MASKABLE, Table
from webapp.reports.figures import FIGURES, Figures, Period, Scope, Shows, growth_type
from webapp.reports.forms import ExportForm, MonthlyForm, NarrativeForm, SubmitForm
from webapp.reports.models import DocumentKind
from webapp.reports.today import DUE_DAY
from webapp.tenants.models import Term

bp = Blueprint("reports", __name__, url_prefix="/reports")

DOCUMENTS = {"plan": DocumentKind.TERM_PLAN, "summary": DocumentKind.TERM_SUMMARY}


@bp.app_template_filter("month_name")
def month_name(value: date | None) -> str:
    """2026年11月 (November 2026)."""
    if value is None:
        return ""
    locale = Locale.parse(str(get_locale()))
    return format_date(value, locale.datetime_skeletons["yMMM"], locale=locale)


# Loading what a page is about ----------------------------------------------------------------


def report_classes() -> list[SchoolClass]:
    """The leaders report on every class; a class teacher on the classes they teach only."""
    if can("children.view_all"):
        return children_queries.school_classes(db.session)
    return children_queries.classes_taught_by(db.session, current_user.id)


def load_class(class_id: int) -> SchoolClass:
    found = next((c for c in report_classes() if c.id == class_id), None)
    if found is None:  # another school's, or another teacher's class: not found
        abort(404)
    return found


def load_child(child_id: int) -> Child:
    child = db.session.get(Child, child_id)
    if child is None or child.class_id not in {c.id for c in report_classes()}:
        abort(404)
    return child


def chosen_term(terms: list[Term]) -> Term | None:
    """The term asked for (?term_id=), else the one running today (or the last one ended)."""
    wanted = request.args.get("term_id", type=int)
    if wanted is None:
        return families_queries.term_of(terms, local_today())
    found = next((t for t in terms if t.id == wanted), None)
    if found is None:
        abort(404)
    return found


def load_term(term_id: int) -> Term:
    found = next((t for t in families_queries.school_terms(db.session) if t.id == term_id), None)
    if found is None:
        abort(404)
    return found


def load_month(text: str) -> date:
    month = documents.parse_month(text)
    if month is None or month > local_today().replace(day=1):
        abort(404)
    return month


def tracer(period: Period, class_id: int | None = None) -> archive.Tracer:
    """Links from a figure to the records behind it, in this period and class."""

    def trace(key: str, child_id: int | None = None, activity_id: int | None = None) -> str | None:
        if key == "activity":
            if not can("care.activity"):
                return None
            return url_for("school.care.show_activity", activity_id=activity_id)
        if child_id is not None:
            scope: dict[str, Any] = {"child_id": child_id}
        else:
            scope = {"class_id": class_id} if class_id is not None else {}
        return url_for(".figure", figure=key, **period.query, **scope)

    return trace


def cell_text(value: Any) -> Any:
    """A cell as the printed page shows it: a date as 2026-10-21, short as on the paper form."""
    return value.isoformat() if isinstance(value, date) else value


def download(data: bytes, filename: str, fallback: str) -> Response:
    """An Excel download named in Chinese (RFC 6266 filename*), plainly for old browsers."""
    response = Response(data, mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response


# The archive's tables -------------------------------------------------------------------------


@bp.route("/")
@permission_required("reports.archive")
def index() -> Response:
    terms = families_queries.school_terms(db.session)
    return render(
        "reports/index.html",
        terms=terms,
        term=chosen_term(terms),
        classes=report_classes(),
        tables=list(Table),
    )


@bp.route("/classes/<int:class_id>/<table>", methods=("GET", "POST"))
@writes_on_get
@permission_required("reports.archive")
@step_up_required
def archive_table(class_id: int, table: str) -> Response:
    """A table printed on A4 (GET: masked), or on request unmasked or as Excel (POST). Every
    child on it is written to the audit log before the page or file leaves."""
    school_class = load_class(class_id)
    chosen = Table._value2member_map_.get(table) or abort(404)
    terms = families_queries.school_terms(db.session)
    term = chosen_term(terms)
    if term is None:
        flash(_("Set up the school year and its terms first."), "warning")
        return redirect(url_for(".index"), code=303)
    form = ExportForm(may_unmask=chosen in MASKABLE and can("children.export_unmasked"))
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    unmasked = request.method == "POST" and form.wants_unmasked
    now = datetime.now(SCHOOL_TIMEZONE)
    period = Period.of_term(term)
    figures = Figures(db.session, period, Scope(class_id=school_class.id), now.date())
    sheet = archive.build(
        chosen,
        figures,
        school_class,
        masks=Masks(plain=unmasked),
        trace=tracer(period, school_class.id),
    )
    title = f"{g.tenant.name}{school_class.name}{chosen.label}"
    if request.method == "POST" and request.form.get("format") == "xlsx":
        data = excel.workbook(
            sheet,
            title=title,
            term=term,
            exporter_name=current_user.name,
            now=now,
            unmasked=unmasked if chosen in MASKABLE else None,
        )
        record_export(
            db.session,
            sheet.children,
            table=f"archive.{chosen.value}",
            unmasked=unmasked,
            actor_id=current_user.id,
        )
        db.session.commit()  # the file leaves only once its audit rows are written
        filename = f"{g.tenant.name}_{school_class.name}_{chosen.label}_{now:%Y%m%d}.xlsx"
        return download(data, filename, f"{chosen.value}-{school_class.id}-{now:%Y%m%d}.xlsx")
    service.record_print(
        db.session, sheet.children, table=chosen.value, unmasked=unmasked, actor_id=current_user.id
    )
    response = render(
        "reports/table.html",
        sheet=sheet,
        title=title,
        school_class=school_class,
        term=term,
        terms=terms,
        form=form,
        unmasked=unmasked,
        maskable=chosen in MASKABLE,
        chunks=archive.pages(sheet.rows, archive.rows_per_page(sheet)),
        size=archive.rows_per_page(sheet),
        cell_text=cell_text,
        now=now,
    )
    db.session.commit()
    return response


@bp.route("/children/<int:child_id>/growth-card")
@writes_on_get
@permission_required("reports.archive")
@step_up_required
def growth_card(child_id: int) -> Response:
    """One child's growth record card (成长记录卡) of a term, to print and file."""
    child = load_child(child_id)
    terms = families_queries.school_terms(db.session)
    term = chosen_term(terms)
    if term is None:
        flash(_("Set up the school year and its terms first."), "warning")
        return redirect(url_for(".index"), code=303)
    period = Period.of_term(term)
    figures = Figures(db.session, period, Scope(child_id=child.id), local_today())
    sheet = archive.build(
        Table.GROWTH, figures, child.school_class, masks=Masks(plain=False), trace=tracer(period)
    )
    service.record_print(
        db.session,
        sheet.children,
        table=Table.GROWTH.value,
        unmasked=False,
        actor_id=current_user.id,
    )
    response = render(
        "reports/growth_card.html",
        sheet=sheet,
        child=child,
        school_class=child.school_class,
        term=term,
        terms=terms,
        now=datetime.now(SCHOOL_TIMEZONE),
    )
    db.session.commit()
    return response


# The records behind a figure -----------------------------------------------------------------


def period_from_args() -> Period:
    if "month" in request.args:
        return Period.of_month(load_month(request.args["month"]))
    term = chosen_term(families_queries.school_terms(db.session))
    if term is None:
        abort(404)
    return Period.of_term(term)


def scope_from_args() -> tuple[Scope, str]:
    """Whose figure: a child or a class one reports on, else the school (the leaders only)."""
    child_id = request.args.get("child_id", type=int)
    if child_id is not None:
        child = load_child(child_id)
        return Scope(child_id=child.id), child.name
    class_id = request.args.get("class_id", type=int)
    if class_id is not None:
        school_class = load_class(class_id)
        return Scope(class_id=school_class.id), school_class.name
    if not can("reports.documents"):
        abort(403)
    return Scope(), g.tenant.name


@bp.route("/figures/<figure>")
@permission_required("reports.archive")
def figure(figure: str) -> Response:
    """The children or records a figure counts: the same list the number is the length of."""
    spec = FIGURES.get(figure) or abort(404)
    period = period_from_args()
    scope, whose = scope_from_args()
    figures = Figures(db.session, period, scope, local_today())
    items = figures.items(figure)
    return render(
        "reports/figure.html",
        spec=spec,
        items=items,
        whose=whose,
        period=period,
        Shows=Shows,
        growth_label=lambda record: t.label if (t := growth_type(record)) else "",
    )


# Term plan and term summary ------------------------------------------------------------------


def document_kind(document: str) -> DocumentKind:
    return DOCUMENTS.get(document) or abort(404)


@bp.route("/terms/<int:term_id>/<document>")
@permission_required("reports.documents")
def term_document(term_id: int, document: str) -> Response:
    term = load_term(term_id)
    kind = document_kind(document)
    versions = documents.versions(db.session, term.id, kind)
    wanted = request.args.get("version", type=int)
    shown = next((v for v in versions if v.version == wanted), None) if wanted else None
    if wanted is not None and shown is None:
        abort(404)
    shown = shown or (versions[0] if versions else None)
    period = Period.of_term(term)
    figures = Figures(db.session, period, Scope(), local_today())
    return render(
        "reports/document.html",
        term=term,
        kind=kind,
        document=document,
        shown=shown,
        versions=versions,
        sections=[
            (title, documents.lines(figures, keys))
            for title, keys in documents.SECTIONS[kind.value]
        ],
        trace=tracer(period),
        now=datetime.now(SCHOOL_TIMEZONE),
    )


@bp.route("/terms/<int:term_id>/<document>/edit", methods=("GET", "POST"))
@permission_required("reports.write")
def edit_document(term_id: int, document: str) -> Response:
    term = load_term(term_id)
    kind = document_kind(document)
    versions = documents.versions(db.session, term.id, kind)
    latest = versions[0] if versions else None
    form = NarrativeForm(
        base_version=latest.version if latest else 0, narrative=latest.narrative if latest else ""
    )
    newer = None
    if form.validate_on_submit():
        try:
            saved = service.save_document(
                db.session,
                uid=form.uid_value,
                term_id=term.id,
                kind=kind,
                narrative=form.narrative.data or "",
                base_version=form.base_version.data or 0,
                author_id=current_user.id,
            )
        except service.StaleVersion as stale:
            db.session.rollback()
            newer = stale.latest
            form.base_version.data = newer.version if newer else 0
            form.narrative.errors.append(
                _(
                    "Someone saved a newer version while you were writing. Read it below; "
                    "your text is kept here, and saving again replaces theirs."
                )
            )
        else:
            db.session.commit()
            if saved.created:
                flash(_("Saved as version %(number)d.", number=saved.document.version), "success")
            return redirect(url_for(".term_document", term_id=term.id, document=document), code=303)
    return render(
        "reports/document_edit.html",
        term=term,
        kind=kind,
        document=document,
        form=form,
        newer=newer,
        status=422 if form.errors else 200,
    )


# The monthly report ---------------------------------------------------------------------------


def report_months(today: date) -> list[date]:
    """The months of the school year so far, the latest first."""
    terms = families_queries.school_terms(db.session)
    first = min((t.school_year.starts_on for t in terms), default=today).replace(day=1)
    months, month = [], today.replace(day=1)
    while month >= first and len(months) < 24:
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months


@bp.route("/monthly/")
@permission_required("reports.documents")
def monthly_index() -> Response:
    today = local_today()
    return render(
        "reports/monthly_index.html",
        months=report_months(today),
        reports=documents.monthly_reports(db.session),
        today=today,
        due_day=DUE_DAY,
    )


def monthly_context(month: date) -> dict[str, Any]:
    report = documents.monthly_report(db.session, month)
    period = Period.of_month(month)
    if report is not None and report.is_submitted:
        values = report.figures
        sections = [
            (title, documents.frozen_lines(values, keys))
            for title, keys in documents.SECTIONS["monthly"]
        ]
        activities = documents.activities_by_ids(db.session, report.activity_ids)
    else:
        figures = Figures(db.session, period, Scope(), local_today())
        sections = [
            (title, documents.lines(figures, keys)) for title, keys in documents.SECTIONS["monthly"]
        ]
        activities = figures.items("activities")
    return {
        "month": month,
        "report": report,
        "sections": sections,
        "activities": documents.activities_with_photos(db.session, activities),
        "trace": tracer(period),
        "due_on": month.replace(day=DUE_DAY),
    }


@bp.route("/monthly/<month>")
@permission_required("reports.documents")
def monthly(month: str) -> Response:
    return render(
        "reports/monthly.html",
        submit_form=SubmitForm(),
        now=datetime.now(SCHOOL_TIMEZONE),
        **monthly_context(load_month(month)),
    )


@bp.route("/monthly/<month>/edit", methods=("GET", "POST"))
@permission_required("reports.write")
def edit_monthly(month: str) -> Response:
    chosen = load_month(month)
    report = documents.monthly_report(db.session, chosen)
    if report is not None and report.is_submitted:
        flash(_("This report was submitted: it no longer changes."), "info")
        return redirect(url_for(".monthly", month=month), code=303)
    form = MonthlyForm(narrative=report.narrative if report else "")
    if form.validate_on_submit():
        try:
            service.save_monthly(
                db.session,
                uid=form.uid_value,
                month=chosen,
                narrative=form.narrative.data or "",
                actor_id=current_user.id,
            )
        except service.ReportLocked:
            db.session.rollback()
            flash(_("This report was submitted: it no longer changes."), "info")
        else:
            db.session.commit()
            flash(_("Saved."), "success")
        return redirect(url_for(".monthly", month=month), code=303)
    return render(
        "reports/monthly_edit.html",
        form=form,
        month=chosen,
        status=422 if form.errors else 200,
    )


@bp.route("/monthly/<month>/submit", methods=("POST",))
@permission_required("reports.write")
def submit_monthly(month: str) -> Response:
    chosen = load_month(month)
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    figures = Figures(db.session, Period.of_month(chosen), Scope(), local_today())
    _report, submitted = service.submit_monthly(
        db.session,
        uid=form.uid_value,
        month=chosen,
        figures={key: figures.count(key) for key in documents.monthly_keys()},
        activity_ids=[a.id for a in figures.items("activities")],
        actor_id=current_user.id,
        now=datetime.now(SCHOOL_TIMEZONE),
    )
    db.session.commit()
    if submitted:
        flash(_("Submitted. The report is locked."), "success")
    return redirect(url_for(".monthly", month=month), code=303)
