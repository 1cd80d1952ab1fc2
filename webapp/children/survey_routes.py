"""The term survey (摸底): each class teacher confirms each card at term start."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("survey", __name__, url_prefix="/survey")
