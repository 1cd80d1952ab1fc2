"""Page weight: what a phone downloads for each page, gzipped.

    .venv/bin/python bench/page_weight.py

Serves the app on a fresh SQLite database with the demo data, logs in as the class teacher,
and measures each page's document and the CSS and JS it loads (gzip -6, as a server sends
them). Prints a table and writes bench/results/page_weight.json.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.core.crypto import generate_data_key  # noqa: E402
from webapp.demo import DEMO_PASSWORD  # noqa: E402
from webapp.demo.data import load_demo_data  # noqa: E402
from webapp.extensions import db  # noqa: E402

PAGES = {
    "login": ("/login", None),
    "today": ("/s/yangguang/", "13800000002"),
    "child list": ("/s/yangguang/children/", "13800000002"),
    "child card": (None, "13800000002"),  # filled with a child of the teacher's class
}
BUDGET = {"document": 14_000, "css": 10_000, "js": 24_000, "first visit": 60_000}
ASSET = re.compile(r'(?:href|src)="(/static/[^"?]+)(?:\?[^"]*)?"')


def gzipped(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
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
            flask_migrate.upgrade()
            load_demo_data(db.session)
            db.session.commit()
        rows = measure(app)
    print_table(rows)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "page_weight.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))


def measure(app) -> list[dict]:
    client = app.test_client()
    rows = []
    logged_in = False
    for name, (path, phone) in PAGES.items():
        if phone and not logged_in:
            login_page = client.get("/login").get_data(as_text=True)
            token = re.search(r'"X-CSRFToken": "([^"]+)"', login_page).group(1)
            client.post(
                "/login", data={"phone": phone, "password": DEMO_PASSWORD, "csrf_token": token}
            )
            logged_in = True
        if path is None:
            listing = client.get("/s/yangguang/children/").get_data(as_text=True)
            path = re.search(r'href="(/s/yangguang/children/\d+)"', listing).group(1)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        html = response.get_data()
        assets = sorted(set(ASSET.findall(html.decode())))
        css = sum(gzipped(client.get(a).get_data()) for a in assets if a.endswith(".css"))
        js = sum(gzipped(client.get(a).get_data()) for a in assets if a.endswith(".js"))
        document = gzipped(html)
        rows.append(
            {
                "page": name,
                "path": path,
                "document": document,
                "css": css,
                "js": js,
                "first visit": document + css + js,
                "requests": 1 + len(assets),
            }
        )
    return rows


def print_table(rows: list[dict]) -> None:
    columns = ["document", "css", "js", "first visit", "requests"]
    print(f"{'page':<12}" + "".join(f"{c:>13}" for c in columns))
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            over = column in BUDGET and value > BUDGET[column]
            cells.append(f"{value:>12,}{'!' if over else ' '}")
        print(f"{row['page']:<12}" + "".join(cells))
    print("bytes gzipped; budget " + ", ".join(f"{k} {v:,}" for k, v in BUDGET.items()))
    print("'!' marks a figure over budget")


if __name__ == "__main__":
    main()
