"""The parent blueprints every school page and every oversight page hangs from.

``/s/<tenant_slug>/…``: the slug is resolved against the user's memberships (a school the user
does not belong to answers 404, exactly like one that does not exist), the session is bound to
that tenant, and ``url_for`` puts the slug back by itself. ``/o/<unit_slug>/…`` does the same
for oversight units and binds no tenant: oversight reads name their tenants explicitly.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g
from flask_login import current_user

from webapp.core.org import roles_in_tenant, roles_in_unit
from webapp.core.tenancy import set_tenant
from webapp.extensions import db, login_manager


def school_scope(children: list[Blueprint]) -> Blueprint:
    scope = Blueprint("school", __name__, url_prefix="/s/<tenant_slug>")

    @scope.url_value_preprocessor
    def _pull_slug(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.tenant_slug = (values or {}).pop("tenant_slug", None)

    @scope.url_defaults
    def _push_slug(_endpoint: str, values: dict[str, Any]) -> None:
        if "tenant_slug" not in values and g.get("tenant") is not None:
            # The slug as the request named it: after a commit g.tenant is expired, and its
            # slug would be read again from the database.
            values["tenant_slug"] = g.get("tenant_slug") or g.tenant.slug

    @scope.before_request
    def _enter_tenant() -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        known = g.pop("membership", None)  # read with the login, in the same query
        if known is not None and known[:2] == (current_user.id, g.tenant_slug):
            tenant, roles = known[2:]
        else:
            tenant, roles = roles_in_tenant(db.session, current_user.id, g.tenant_slug)
        if tenant is None:
            abort(404)
        g.tenant, g.roles = tenant, frozenset(roles)
        set_tenant(db.session, tenant.id)
        return None

    for child in children:
        scope.register_blueprint(child)
    return scope


def unit_scope(children: list[Blueprint]) -> Blueprint:
    scope = Blueprint("unit", __name__, url_prefix="/o/<unit_slug>")

    @scope.url_value_preprocessor
    def _pull_slug(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.unit_slug = (values or {}).pop("unit_slug", None)

    @scope.url_defaults
    def _push_slug(_endpoint: str, values: dict[str, Any]) -> None:
        if "unit_slug" not in values and g.get("unit") is not None:
            values["unit_slug"] = g.unit.slug

    @scope.before_request
    def _enter_unit() -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        unit, roles = roles_in_unit(db.session, current_user.id, g.unit_slug)
        if unit is None:
            abort(404)
        g.unit, g.roles = unit, frozenset(roles)
        return None

    for child in children:
        scope.register_blueprint(child)
    return scope
