"""守望 Shouwang: care for left-behind children, run by rural schools on their phones."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.exc import OperationalError, ProgrammingError

from webapp.config import ConfigError, build_config
from webapp.core.crypto import DataCipher
from webapp.extensions import babel, csrf, db, htmx, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(env: str | None = None, config: dict[str, Any] | None = None) -> Flask:
    env = env or os.environ.get("SHOUWANG_ENV", "development")
    app = Flask(
        __name__,
        instance_path=os.environ.get("SHOUWANG_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(build_config(env, Path(app.instance_path), config))
    app.testing = env == "testing"
    app.extensions["shouwang.cipher"] = DataCipher.from_setting(app.config["SHOUWANG_DATA_KEY"])

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    if env == "production":
        _refuse_demo_password(app)
        _warn_if_row_security_is_passed(app)
    return app


def _init_extensions(app: Flask) -> None:
    import webapp.models  # noqa: F401 - every model mapped before the first query
    from webapp.care.record_forms import readable_details
    from webapp.core import assets, errors, i18n, security
    from webapp.core.db import configure_sqlite
    from webapp.core.permissions import Role, can
    from webapp.core.row_security import configure_postgresql

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            configure_postgresql(db.engine)
    migrate.init_app(app, db)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    _init_login(app)
    i18n.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    app.jinja_env.globals.update(can=can, Role=Role, care_details=readable_details)


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from webapp.auth import login_state

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in first.")
    login_manager.login_message_category = "info"
    # Not bound to an address: a phone moving from 4G to Wi-Fi keeps its login.
    login_manager.session_protection = None
    login_state.init_app(app, login_manager)


def _register_blueprints(app: Flask) -> None:
    from webapp.assets.routes import bp as assets_bp
    from webapp.auth.member_routes import bp as members_bp
    from webapp.auth.routes import bp as auth_bp
    from webapp.care.duty_routes import bp as duties_bp
    from webapp.care.learning_routes import bp as learning_bp
    from webapp.care.pairing_routes import bp as pairings_bp
    from webapp.care.plan_routes import bp as plans_bp
    from webapp.care.routes import bp as care_bp
    from webapp.children.roster_routes import bp as roster_bp
    from webapp.children.routes import bp as children_bp
    from webapp.children.survey_routes import bp as survey_bp
    from webapp.children.transfer_routes import bp as transfers_bp
    from webapp.core.scopes import school_scope, unit_scope
    from webapp.families.routes import bp as families_bp
    from webapp.incidents.agreement_routes import bp as agreements_bp
    from webapp.incidents.lesson_routes import bp as safety_lessons_bp
    from webapp.incidents.routes import bp as incidents_bp
    from webapp.offline.routes import bp as offline_bp
    from webapp.offline.routes import pack_bp as offline_pack_bp
    from webapp.oversight import assessment_routes, snapshot_routes
    from webapp.oversight.grant_routes import bp as oversight_grants_bp
    from webapp.oversight.routes import bp as unit_home_bp
    from webapp.privacy.routes import bp as privacy_bp
    from webapp.reports.coverage_routes import bp as coverage_history_bp
    from webapp.reports.dashboard_routes import bp as dashboard_bp
    from webapp.reports.routes import bp as reports_bp
    from webapp.room.routes import bp as room_bp
    from webapp.room.setup_routes import bp as room_setup_bp
    from webapp.safety.dorm_routes import bp as dorm_bp
    from webapp.safety.leave_routes import bp as leave_bp
    from webapp.safety.routes import bp as safety_bp
    from webapp.tenants.routes import bp as tenants_bp
    from webapp.tenants.routes import school_home_bp
    from webapp.tenants.setup_routes import bp as setup_bp
    from webapp.transport.bus_routes import bp as bus_bp
    from webapp.transport.pickup_routes import bp as pickups_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(tenants_bp)
    app.register_blueprint(offline_bp)
    school_pages = [
        school_home_bp,
        children_bp,
        survey_bp,
        roster_bp,
        transfers_bp,
        setup_bp,
        care_bp,
        plans_bp,
        learning_bp,
        pairings_bp,
        duties_bp,
        room_bp,
        room_setup_bp,
        families_bp,
        assets_bp,
        safety_bp,
        leave_bp,
        dorm_bp,
        pickups_bp,
        bus_bp,
        incidents_bp,
        safety_lessons_bp,
        agreements_bp,
        reports_bp,
        coverage_history_bp,
        dashboard_bp,
        oversight_grants_bp,
        offline_pack_bp,
        members_bp,
        privacy_bp,
    ]
    school_pages += [snapshot_routes.school_bp, assessment_routes.school_bp]
    app.register_blueprint(school_scope(school_pages))
    app.register_blueprint(
        unit_scope([unit_home_bp, snapshot_routes.unit_bp, assessment_routes.unit_bp])
    )


def _register_cli(app: Flask) -> None:
    from webapp.cli import register

    register(app)


def _refuse_demo_password(app: Flask) -> None:
    from webapp.auth.service import demo_password_in_use
    from webapp.demo import DEMO_PHONES

    with app.app_context():
        try:
            in_use = demo_password_in_use(db.session, DEMO_PHONES)
        except (OperationalError, ProgrammingError):  # not migrated yet: no accounts at all
            in_use = False
        finally:
            db.session.remove()
    if in_use:
        raise ConfigError(
            "demo accounts with the demo password exist; production refuses to start. "
            "Change their passwords or deactivate them first."
        )


def _warn_if_row_security_is_passed(app: Flask) -> None:
    """On PostgreSQL the app should connect as a role that owns nothing (README)."""
    from webapp.core.row_security import why_the_policies_do_not_hold

    with app.app_context():
        try:
            why = why_the_policies_do_not_hold(db.session.connection())
        except (OperationalError, ProgrammingError):
            why = None  # no database yet: the first migration has not run
        finally:
            db.session.remove()
    if why:
        app.logger.warning(
            "row-level security does not hold for the app's database role: %s. Connect as a "
            "role that owns nothing (flask --app webapp db-grant-app-role).",
            why,
        )
