"""Rosters in and out: import from Excel with a preview, export of the archive tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from webapp.auth.step_up import step_up_required
from webapp.children import exports, queries, roster_io
from webapp.children.models import ImportBatch, ImportStatus, SchoolClass
from webapp.children.roster_forms import ExportForm, UploadForm
from webapp.core.htmx import render
from webapp.core.i18n import SCHOOL_TIMEZONE, local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.privacy.queries import NoProtectionOfficer, officer

bp = Blueprint("roster", __name__, url_prefix="/roster")

RECENT_BATCHES = 10


def importable_classes() -> list[SchoolClass]:
    """Leaders import into any class; a class teacher only into the classes they teach."""
    if can("children.view_all"):
        return queries.school_classes(db.session)
    return queries.classes_taught_by(db.session, current_user.id)


def load_batch(batch_uid: uuid.UUID, *, for_update: bool = False) -> ImportBatch:
    """A batch of this school, seen only by its uploader and the leaders; else not found."""
    statement = select(ImportBatch).where(ImportBatch.uid == batch_uid)
    if for_update:  # a second confirmation waits for the first, then finds it imported
        statement = statement.with_for_update().execution_options(populate_existing=True)
    batch = db.session.scalar(statement)
    if batch is None or not (batch.created_by_id == current_user.id or can("children.view_all")):
        abort(404)
    return batch


def recent_batches() -> list[ImportBatch]:
    statement = select(ImportBatch).order_by(ImportBatch.created_at.desc()).limit(RECENT_BATCHES)
    if not can("children.view_all"):
        statement = statement.where(ImportBatch.created_by_id == current_user.id)
    return list(db.session.scalars(statement))


@bp.route("/", methods=("GET", "POST"))
@permission_required("children.import")
def upload() -> Response:
    if officer(db.session) is None:
        return render("privacy/officer_needed.html", status=409)
    classes = importable_classes()
    form = UploadForm(
        classes=classes,
        may_import_register=can("children.view_all"),
        class_id=request.args.get("class_id", type=int)
        or (classes[0].id if len(classes) == 1 else None),
    )
    if form.validate_on_submit():
        school_class = next((c for c in classes if c.id == form.class_id.data), None)
        kind = form.kind.data
        try:
            data = roster_io.read_upload(form.file.data.stream)
            check = roster_io.check_roster(
                db.session,
                data,
                kind=kind,
                school_class=school_class if kind == roster_io.KIND_CLASS else None,
                classes=classes,
                today=local_today(),
            )
        except roster_io.RosterFileError as refusal:
            form.file.errors.append(refusal.message)
        else:
            batch = roster_io.create_batch(
                db.session,
                check,
                filename=form.file.data.filename,
                school_class=school_class if kind == roster_io.KIND_CLASS else None,
                created_by_id=current_user.id,
            )
            db.session.commit()
            return redirect(url_for(".batch", batch_uid=batch.uid), code=303)
    return render(
        "roster/upload.html",
        form=form,
        classes=classes,
        batches=recent_batches(),
        status=422 if form.errors else 200,
    )


@bp.route("/template.xlsx")
@permission_required("children.import")
def template() -> Response:
    data = roster_io.template_workbook(school_register=can("children.view_all"))
    return _xlsx(data, _("Roster template") + ".xlsx", "roster-template.xlsx")


@bp.route("/imports/<uuid:batch_uid>")
@permission_required("children.import")
def batch(batch_uid: uuid.UUID) -> Response:
    batch = load_batch(batch_uid)
    check = roster_io.contents_of(batch)
    return render(
        "roster/batch.html",
        batch=batch,
        check=check,
        preview=roster_io.preview_rows(check),
        school_class=db.session.get(SchoolClass, batch.class_id) if batch.class_id else None,
        ImportStatus=ImportStatus,
    )


@bp.route("/imports/<uuid:batch_uid>", methods=("POST",))
@permission_required("children.import")
def confirm(batch_uid: uuid.UUID) -> Response:
    batch = load_batch(batch_uid, for_update=True)
    if not can("children.view_all") and batch.class_id not in {c.id for c in importable_classes()}:
        abort(404)  # no longer this teacher's class
    try:
        imported = roster_io.import_batch(db.session, batch, actor_id=current_user.id)
    except roster_io.ImportConflict as conflict:
        db.session.rollback()
        flash(conflict.message + " " + _("Nothing was imported; upload the file again."), "error")
        return redirect(url_for(".batch", batch_uid=batch_uid), code=303)
    except NoProtectionOfficer as missing:
        db.session.rollback()
        flash(str(missing.message), "error")
        return redirect(url_for("school.privacy.index"), code=303)
    db.session.commit()
    if imported:
        flash(
            ngettext("%(num)d child imported.", "%(num)d children imported.", imported), "success"
        )
    elif batch.status == ImportStatus.PREVIEWED:
        flash(_("Nothing was imported: every row must be right first."), "error")
    return redirect(url_for(".batch", batch_uid=batch.uid), code=303)


@bp.route("/imports/<uuid:batch_uid>/discard", methods=("POST",))
@permission_required("children.import")
def discard(batch_uid: uuid.UUID) -> Response:
    batch = load_batch(batch_uid, for_update=True)
    if roster_io.discard_batch(db.session, batch):
        db.session.commit()
        flash(_("The upload was discarded; nothing was imported."), "success")
    return redirect(url_for(".upload"), code=303)


def exportable_class(class_id: int) -> SchoolClass:
    """Leaders export any class of the school; a class teacher only a class they teach."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        abort(404)
    if not can("children.view_all") and school_class.teacher_id != current_user.id:
        abort(404)
    return school_class


@bp.route("/classes/<int:class_id>/export", methods=("GET", "POST"))
@permission_required("children.export")
@step_up_required
def export(class_id: int) -> Response:
    school_class = exportable_class(class_id)
    form = ExportForm(may_unmask=can("children.export_unmasked"))
    if form.validate_on_submit():
        unmasked = "unmasked" in form and form.unmasked.data
        export = exports.export_class(
            db.session,
            school_class,
            table=form.table.data,
            unmasked=bool(unmasked),
            school_name=g.tenant.name,
            exporter_name=current_user.name,
            actor_id=current_user.id,
            now=datetime.now(SCHOOL_TIMEZONE),
        )
        db.session.commit()  # the file leaves only once its audit rows are written
        return _xlsx(export.data, export.filename, export.ascii_filename)
    return render(
        "roster/export.html",
        form=form,
        school_class=school_class,
        status=422 if form.errors else 200,
    )


def _xlsx(data: bytes, filename: str, fallback: str) -> Response:
    """An Excel download named in Chinese (RFC 6266 filename*), plainly for old browsers."""
    response = Response(data, mimetype=exports.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response
