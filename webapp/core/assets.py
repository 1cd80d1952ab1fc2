"""Static assets with a content fingerprint, so phones cache them for a year and re-fetch
only what changed; our own scripts go out minified (every byte counts over 3G)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import cache
from pathlib import Path

import rjsmin
from flask import Flask, Response, url_for

# Hand-written scripts served minified; vendored ones (htmx.min.js) are minified already.
MINIFIED = frozenset({"app.js", "offline.js"})


def init_app(app: Flask) -> None:
    static_dir = Path(app.static_folder or "static")
    fingerprints: dict[str, str] = {}

    def asset_url(filename: str) -> str:
        if filename not in fingerprints or app.debug:
            digest = hashlib.sha256((static_dir / filename).read_bytes()).hexdigest()
            fingerprints[filename] = digest[:10]
        return url_for("static", filename=filename, v=fingerprints[filename])

    @cache
    def minified(filename: str) -> bytes:
        return rjsmin.jsmin((static_dir / filename).read_text(encoding="utf-8")).encode()

    send_static = app.view_functions["static"]

    def static(filename: str) -> Response:
        if filename not in MINIFIED or app.debug:
            return send_static(filename=filename)
        response = send_static(filename=filename)  # its caching headers, then our body
        if response.status_code == 200:
            response.direct_passthrough = False
            response.set_data(minified(filename))
        return response

    app.view_functions["static"] = static
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = timedelta(days=365)
    app.jinja_env.globals["asset_url"] = asset_url
