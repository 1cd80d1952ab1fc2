"""Transfers: sending a child's archive to another school in the deployment, and accepting one."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("transfers", __name__, url_prefix="/transfers")
