"""Static assets with a content fingerprint, so phones cache them for a year and re-fetch
only what changed."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from flask import Flask, url_for


def init_app(app: Flask) -> None:
    static_dir = Path(app.static_folder or "static")
    fingerprints: dict[str, str] = {}

    def asset_url(filename: str) -> str:
        if filename not in fingerprints or app.debug:
            digest = hashlib.sha256((static_dir / filename).read_bytes()).hexdigest()
            fingerprints[filename] = digest[:10]
        return url_for("static", filename=filename, v=fingerprints[filename])

    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = timedelta(days=365)
    app.jinja_env.globals["asset_url"] = asset_url
