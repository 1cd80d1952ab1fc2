"""The child list and the child's card."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, request
from flask_login import current_user

from webapp.children import queries
from webapp.core.htmx import render
from webapp.core.permissions import permission_required
from webapp.extensions import db

bp = Blueprint("children", __name__, url_prefix="/children")


@bp.route("/")
@permission_required("children.list")
def index() -> Response:
    text = request.args.get("q", "")[:50]
    class_id = request.args.get("class_id", type=int)
    classes = queries.visible_classes(db.session, current_user.id, g.roles)
    children = queries.search_children(
        db.session, current_user.id, g.roles, text=text, class_id=class_id
    )
    return render(
        "children/index.html",
        partial="children/_list.html",
        target="child-list",
        children=children,
        classes=classes,
        q=text,
        class_id=class_id,
    )


@bp.route("/<int:child_id>")
@permission_required("children.view")
def card(child_id: int) -> Response:
    child = queries.find_visible_child(db.session, child_id, current_user.id, g.roles)
    if child is None:
        abort(404)  # another school's child, or one this role may not see: simply not found
    return render("children/card.html", child=child)
