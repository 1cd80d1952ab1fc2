"""Working without signal: the service worker, the offline page, a fresh CSRF token for the
phone's outbox, and the home-visit pack a teacher takes to the farmhouses.

The outbox itself lives on the phone (static/app.js): a form that cannot be sent is kept in
IndexedDB, encrypted, and replayed here later through the ordinary form routes, which are
idempotent by the form's uid. Only the shell (styles, scripts, the offline page) is cached by
the service worker; the pack is children's data and travels as JSON into the encrypted store.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from webapp.care import queries
from webapp.care import service as care_service
from webapp.care.access import may_record
from webapp.care.forms import MAX_PHOTOS, people_choices
from webapp.care.kinds import KINDS, OFFLINE_KINDS
from webapp.care.models import CareKind
from webapp.care.routes import photo_refusal
from webapp.children.access import access_to
from webapp.children.models import Child
from webapp.children.routes import load_child
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.crypto import mask_phone
from webapp.core.db import utcnow, writes_on_get
from webapp.core.files import NotAnImage, shrink_photo
from webapp.core.i18n import local_today, long_date
from webapp.core.permissions import permission_required
from webapp.extensions import db
from webapp.offline import plan

bp = Blueprint("offline", __name__)  # at the root: the worker's scope is the whole site
pack_bp = Blueprint("offline_pack", __name__, url_prefix="/offline")

PACK_DAYS = 7
PACK_LIMIT = 12  # a day of visits; a bigger pack is a bigger loss if the phone is lost
SHELL = ("app.css", "htmx.min.js", "app.js", "offline.js")


def shell_urls() -> list[str]:
    """What the worker keeps: the fingerprinted styles and scripts, and the offline page."""
    asset_url = current_app.jinja_env.globals["asset_url"]
    return [asset_url(name) for name in SHELL] + ["/offline"]


@bp.route("/sw.js")
def service_worker() -> Response:
    source = (Path(current_app.static_folder or "static") / "sw.js").read_text("utf-8")
    urls = shell_urls()
    version = hashlib.sha256(("".join(urls) + source).encode()).hexdigest()[:10]
    body = source.replace("__VERSION__", version).replace(
        '["__SHELL__"]', json.dumps(urls, separators=(",", ":"))
    )
    response = make_response(body)
    response.mimetype = "text/javascript"
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
def offline_page() -> Response:
    """The page the worker shows when there is no signal: no name, no child, filled in on the
    phone from its own encrypted store. Kept by the worker, so it says nothing of who asks."""
    response = make_response(render_template("offline/offline.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/csrf")
def csrf_token() -> Response:
    """A fresh token before a replay; 401 when the session is over (log in, then replay)."""
    if not current_user.is_authenticated:
        return make_response(jsonify(user=None), 401)
    return jsonify(token=generate_csrf(), user=current_user.id)


@pack_bp.route("/pack")
@permission_required("care.home_visit")
def pack_page() -> Response:
    """Today's plan ticked (or, with nothing planned, the paired children due a visit), then
    the rest of the teacher's own children to add."""
    today = local_today()
    chosen = plan.planned_children(db.session, current_user.id, today)
    source = "plan"
    if not chosen:
        chosen = plan.paired_due_a_visit(db.session, current_user.id, today, PACK_LIMIT)
        source = "due" if chosen else "none"
    own = queries.own_children(db.session, current_user.id, g.roles)
    ticked = {c.id for c in chosen}
    return make_response(
        render_template(
            "offline/pack.html",
            chosen=chosen,
            source=source,
            children=[c for c in own if c.id not in ticked],
            today=today,
            unplan=plan.PlanVisitForm(formdata=None),
        )
    )


@pack_bp.route("/plan/<int:child_id>", methods=("GET", "POST"))
@permission_required("care.home_visit")
def plan_visit(child_id: int) -> Response:
    """Mark a child "to visit" on a day (the card leads here); or take it back, from the pack
    page."""
    child, access = load_child(child_id)
    if not may_record(CareKind.HOME_VISIT, access, g.roles):
        abort(404)
    form = plan.PlanVisitForm()
    if request.method == "GET" or (not form.validate_on_submit() and form.back.data != "pack"):
        status = 422 if form.errors else 200
        return make_response(render_template("offline/plan.html", child=child, form=form), status)
    back = (
        url_for(".pack_page")
        if form.back.data == "pack"
        else url_for("school.children.card", child_id=child.id)
    )
    if form.errors:
        for message in form.day.errors or [_("This form is damaged. Reload the page.")]:
            flash(str(message), "error")
        return redirect(back, code=303)
    who = {"child": child, "user_id": current_user.id, "day": form.day.data}
    if "remove" in request.form:
        plan.unplan_visit(db.session, **who)
        flash(_("%(name)s is off the visit plan.", name=child.name), "success")
    else:
        plan.plan_visit(db.session, **who)
        flash(
            _(
                "%(name)s is on your visit plan for %(day)s.",
                name=child.name,
                day=long_date(form.day.data),
            ),
            "success",
        )
    db.session.commit()
    return redirect(back, code=303)


@pack_bp.route("/pack.json")
@writes_on_get  # what left the school on a phone is logged
@permission_required("care.home_visit")
def pack() -> Response:
    """Today's visits for the phone: a minimal card (name, class, masked phone) and the quick
    forms of each child (visit, talk, parent contact, family call). Never counselling,
    incidents or plans."""
    own = {c.id: c for c in queries.own_children(db.session, current_user.id, g.roles)}
    own |= {c.id: c for c in plan.planned_children(db.session, current_user.id, local_today())}
    wanted = [own[i] for i in request.args.getlist("child_id", type=int) if i in own]
    if not wanted or len(wanted) > PACK_LIMIT:
        abort(400)
    cards = [_card(child) for child in wanted]
    for child in wanted:  # what left the school on a phone is on the child's access log
        audit.record(
            db.session,
            AuditAction.EXPORT,
            actor_id=current_user.id,
            subject="home_visit_pack",
            child_id=child.id,
        )
    db.session.commit()
    made = utcnow()
    return jsonify(
        user=current_user.id,
        tenant=g.tenant.slug,
        made=made.isoformat(),
        expires=(made + timedelta(days=PACK_DAYS)).isoformat(),
        children=cards,
    )


@pack_bp.route("/records/<uuid:record_uid>/photos/<int:number>", methods=("POST",))
@permission_required("care.home_visit")
def add_photo(record_uid: uuid.UUID, number: int) -> Response:
    """A photo kept on the phone, sent after its record: the record's ``number``-th photo, so
    a photo sent again (its answer lost on the way) is not added twice. Only the author, while
    the record may still be changed."""
    record = care_service.find_by_uid(db.session, record_uid)
    if record is None or not care_service.may_edit(record, current_user.id):
        abort(404)
    if number >= MAX_PHOTOS:
        abort(400)
    if len(record.photos) > number:  # already here
        return Response(status=204)
    refusal = photo_refusal([record.child])  # the record stays, without the photo
    if refusal:
        return make_response(f'<p class="error">{escape(refusal)}</p>', 422)
    upload = request.files.get("photo")
    try:
        data = shrink_photo(upload.read()) if upload else b""
    except NotAnImage:
        data = b""
    if not data:
        refused = escape(_("This is not a photo we can use."))
        return make_response(f'<p class="error">{refused}</p>', 422)
    care_service.add_photo(db.session, record, data, actor_id=current_user.id)
    db.session.commit()
    return Response(status=204)


# The quick forms a pack carries for each child: every kind the phone may keep, the visit
# first (what a trip to the village is for), then the others in their usual order.
PACK_KINDS = sorted(
    OFFLINE_KINDS, key=lambda kind: (kind != CareKind.HOME_VISIT, list(CareKind).index(kind))
)


def _card(child: Child) -> dict:
    access = access_to(db.session, child, current_user.id, g.roles)
    forms = []
    for kind in PACK_KINDS:
        if not may_record(kind, access, g.roles):
            continue
        spec = KINDS[kind]
        options = spec.form_options(child)
        # Relations only (奶奶, 父亲): the pack carries no adult's name or number in full.
        options["people"] = people_choices(child, named=False)
        form = spec.form(formdata=None, **options)
        for one in form:  # four forms on one card: each field's id (and label) its own
            one.id = one.label.field_id = f"{kind.value}-{one.id}"
        forms.append((spec, form))
    phones = [p.phone for p in child.active_guardians] + [p.phone for p in child.parents]
    return {
        "id": child.id,
        "name": child.name,
        "class": child.school_class.name if child.school_class else "",
        "phone": mask_phone(next((p for p in phones if p), None)),
        "forms": render_template("offline/_pack_forms.html", child=child, forms=forms),
    }
