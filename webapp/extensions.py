"""Extensions, created unbound; create_app() binds them."""

from __future__ import annotations

from pathlib import Path

from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from webapp.core.db import Base
from webapp.core.tenancy import AppSession

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")

db = SQLAlchemy(model_class=Base, session_options={"class_": AppSession})
migrate = Migrate(directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
