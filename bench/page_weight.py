"""Page weight: what a phone downloads for each page, gzipped, and what a repeat visit costs.

    .venv/bin/python bench/page_weight.py

Serves the app on a fresh SQLite database with the demo data and, for several demo roles, logs
in, opens the landing page and every page it links to (one hop, the links a user taps first),
and measures each page's document and the CSS, JS and images it loads (gzip -6, as a server
sends them). Budgets: document ≤ 14 KB, first visit (HTML + CSS + JS) ≤ 60 KB, JS ≤ 24 KB,
CSS ≤ 10 KB, ≤ 4 requests, no web fonts, one origin, and every static asset fingerprinted
(?v=<digest>) with a year's caching, so a repeat visit transfers only the document; the service
worker ≤ 5 KB and all it keeps for working without signal ≤ 80 KB.
tests/bench/test_page_weight.py asserts the same budgets. Prints a table and writes
bench/results/page_weight.json.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.core.crypto import generate_data_key  # noqa: E402
from webapp.demo import DEMO_PASSWORD  # noqa: E402
from webapp.demo.data import load_demo_data  # noqa: E402
from webapp.extensions import db  # noqa: E402

# The roles whose pages are weighed: (label, phone); None is the login page, logged out.
ROLES = [
    ("anonymous", None),
    ("principal", "13800000001"),
    ("class teacher", "13800000002"),
    ("room keeper", "13800000003"),
    ("kindergarten", "13800000004"),
    ("oversight", "13800000009"),
    ("volunteer", "13900000150"),
    ("safety lead", "13900000190"),
]
BUDGET = {"document": 14_000, "css": 10_000, "js": 24_000, "first visit": 60_000, "requests": 4}
YEAR = 365 * 24 * 3600
SUBRESOURCE = re.compile(
    r'<(?:script[^>]*\ssrc|link[^>]*rel="stylesheet"[^>]*\shref|img[^>]*\ssrc)="([^"]+)"'
)
LINK = re.compile(r'<a\s[^>]*href="(/[^"#]*)"')
FONT = re.compile(r"@font-face|\.woff2?\b|\.ttf\b|\.otf\b", re.IGNORECASE)
SKIP_LINK = re.compile(r"/logout|\.xlsx|/export|/download|/print|/photo")


def gzipped(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


def demo_app(tmp: str) -> Flask:
    app = create_app(
        env="testing",
        config={
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
            "SECRET_KEY": "bench",
            "SHOUWANG_DATA_KEY": generate_data_key(),
            "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        },
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        load_demo_data(db.session)
        db.session.commit()
        db.session.remove()
    return app


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = demo_app(tmp)
        rows = measure(app)
        kit = offline_kit(app)
    print_table(rows)
    print(
        f"service worker {kit['worker']:,} B (≤ {WORKER_BUDGET:,}); what it keeps "
        f"{kit['precache']:,} B (≤ {PRECACHE_BUDGET:,}): {', '.join(kit['kept'])}"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    results = {"pages": rows, "offline": kit}
    (out / "page_weight.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


# Working without signal: the worker itself and all it keeps (styles, scripts, offline page).
WORKER_BUDGET = 5 * 1024
PRECACHE_BUDGET = 80 * 1024


def offline_kit(app: Flask) -> dict[str, Any]:
    """The service worker and what it precaches, gzipped; the worker names what it keeps."""
    client = app.test_client()
    worker = client.get("/sw.js").get_data()
    kept = json.loads(re.search(rb"var SHELL = (\[.*?\]);", worker).group(1))
    return {
        "worker": gzipped(worker),
        "precache": sum(gzipped(client.get(url).get_data()) for url in kept),
        "kept": kept,
    }


def log_in(client: FlaskClient, phone: str) -> str:
    """Logs in; the path of the landing page."""
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', login_page).group(1)
    form = {"phone": phone, "password": DEMO_PASSWORD, "csrf_token": token}
    response = client.post("/login", data=form, follow_redirects=True)
    assert response.status_code == 200, (phone, response.status_code)
    return response.request.path


def pattern(path: str) -> str:
    """/s/x/children/25/timeline and …/26/timeline are one page: ids and query values go."""
    return re.sub(r"=[^&]*", "=", re.sub(r"\d+", "N", path))


def measure(app: Flask, roles: list[tuple[str, str | None]] = ROLES) -> list[dict[str, Any]]:
    """A row per page (path pattern) within two taps of a role's landing page; the first role
    to reach a pattern weighs it."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    assets: dict[str, dict[str, Any]] = {}
    for role, phone in roles:
        client = app.test_client()
        frontier = ["/login" if phone is None else log_in(client, phone)]
        for hop in range(3):  # the landing page, then two taps
            found = []
            for path in frontier:
                new = pattern(path) not in seen
                if SKIP_LINK.search(path) or not (new or hop == 0):
                    continue
                response = client.get(path)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue  # a redirect or a download: not a page
                if new:
                    seen.add(pattern(path))
                    rows.append({"role": role, **weigh(client, path, response.get_data(), assets)})
                found += map(html.unescape, LINK.findall(response.get_data(as_text=True)))
            frontier = sorted(set(found))
    return rows


def weigh(
    client: FlaskClient, path: str, document_bytes: bytes, assets: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    text = document_bytes.decode()
    urls = sorted({html.unescape(u) for u in SUBRESOURCE.findall(text)})
    loaded = [asset(client, url, assets) for url in urls if not url.startswith("data:")]
    css = sum(a["gzipped"] for a in loaded if a["kind"] == "css")
    js = sum(a["gzipped"] for a in loaded if a["kind"] == "js")
    images = sum(a["gzipped"] for a in loaded if a["kind"] == "image")
    document = gzipped(document_bytes)
    return {
        "page": path,
        "document": document,
        "css": css,
        "js": js,
        "images": images,
        "first visit": document + css + js,
        "repeat visit": document + sum(a["gzipped"] for a in loaded if not a["cached"]),
        "requests": 1 + len(loaded),
        "other origins": sorted({u for u in urls if re.match(r"^(https?:)?//", u)}),
        "fonts": bool(FONT.search(text)) or any(a["font"] for a in loaded),
        "uncached": [a["url"] for a in loaded if not a["cached"]],
    }


def asset(client: FlaskClient, url: str, assets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """An asset's gzipped size and whether a phone keeps it: fingerprinted and cached a year."""
    if url not in assets:
        response = client.get(url)
        body = response.get_data()
        max_age = re.search(r"max-age=(\d+)", response.headers.get("Cache-Control", ""))
        path = url.split("?")[0]
        kind = {"css": "css", "js": "js"}.get(path.rsplit(".", 1)[-1], "image")
        assets[url] = {
            "url": url,
            "kind": kind,
            "gzipped": gzipped(body) if kind != "image" else len(body),
            "cached": response.status_code == 200
            and bool(re.search(r"[?&]v=[0-9a-f]{8,}", url))
            and bool(max_age and int(max_age.group(1)) >= YEAR),
            "font": kind == "css" and bool(FONT.search(body.decode(errors="replace"))),
        }
    return assets[url]


def over_budget(row: dict[str, Any]) -> list[str]:
    """What about a page breaks the budget, in words; empty when it holds."""
    faults = [f"{k} {row[k]:,} > {v:,}" for k, v in BUDGET.items() if row[k] > v]
    if row["other origins"]:
        faults.append(f"other origins {row['other origins']}")
    if row["fonts"]:
        faults.append("web fonts")
    if row["uncached"]:
        faults.append(f"not fingerprinted and cached a year: {row['uncached']}")
    return faults


def print_table(rows: list[dict[str, Any]]) -> None:
    columns = ["document", "css", "js", "first visit", "repeat visit", "requests"]
    print(f"{'role':<14}{'page':<42}" + "".join(f"{c:>13}" for c in columns))
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            over = column in BUDGET and value > BUDGET[column]
            cells.append(f"{value:>12,}{'!' if over else ' '}")
        print(f"{row['role']:<14}{row['page'][:41]:<42}" + "".join(cells))
        for fault in over_budget(row):
            if "> " not in fault:
                print(f"{'':<14}! {fault}")
    print(
        f"{len(rows)} pages; bytes gzipped; budget "
        + ", ".join(f"{k} {v:,}" for k, v in BUDGET.items())
    )
    print("repeat visit: the document plus any asset not fingerprinted and cached for a year")
    print("'!' marks a figure over budget")


if __name__ == "__main__":
    main()
