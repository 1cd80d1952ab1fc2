"""Rosters in and out: import from Excel with a preview, export of the archive tables."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roster", __name__, url_prefix="/roster")
