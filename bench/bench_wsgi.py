"""The app as bench/http_ratio.py serves it: the real app plus one minimal route, the baseline.

    gunicorn --chdir bench 'bench_wsgi:build_app()'

Configured from the environment like webapp.wsgi (DATABASE_URL, SECRET_KEY, SHOUWANG_DATA_KEY,
SHOUWANG_INSTANCE_PATH), but development unless SHOUWANG_ENV says otherwise: production refuses
the demo accounts the benchmark logs in with.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask

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

    return app
