"""Setting up a school: classes and their teachers, school years and terms."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("setup", __name__, url_prefix="/setup")
