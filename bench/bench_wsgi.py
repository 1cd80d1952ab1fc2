"""The app as bench/http_ratio.py serves it: the real app plus one minimal route, the baseline.

    gunicorn --chdir bench 'bench_wsgi:build_app()'

Configured from the environment like webapp.wsgi (DATABASE_URL, SECRET_KEY, SHOUWANG_DATA_KEY,
SHOUWANG_INSTANCE_PATH), but development unless SHOUWANG_ENV says otherwise: production refuses
the demo accounts the benchmark logs in with. BENCH_GZIP=1 gzips text answers as the reverse
proxy in front of gunicorn does in production (bench/browser_timing.py over a slow network).
"""

from __future__ import annotations

import gzip
import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from webapp import create_app  # noqa: E402

MINIMAL_PATH = "/bench/minimal"


def build_app(env: str | None = None, config: dict[str, Any] | None = None) -> Flask:
    app = create_app(env=env or os.environ.get("SHOUWANG_ENV", "development"), config=config)

    @app.get(MINIMAL_PATH)
    def bench_minimal() -> tuple[str, int, dict[str, str]]:
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}

    if os.environ.get("BENCH_GZIP"):
        app.after_request(gzip_response)
    return app


COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


def gzip_response(response: Response) -> Response:
    """gzip -6 a text answer the client accepts gzipped, as nginx's gzip on does."""
    if (
        "gzip" not in request.headers.get("Accept-Encoding", "")
        or response.status_code != 200
        or "Content-Encoding" in response.headers
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
    ):
        return response
    response.direct_passthrough = False  # a static file is streamed: read it to compress it
    body = gzip.compress(response.get_data(), compresslevel=6)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(body))
    response.vary.add("Accept-Encoding")
    return response
