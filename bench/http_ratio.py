"""Server cost of each endpoint as a ratio to a minimal Flask endpoint on the same gunicorn.

    .venv/bin/python bench/http_ratio.py [--database-url URL] [--rounds 5] [--requests 200]
        [--scales 0,0.1]

Builds a fresh database with the demo data (a temporary SQLite file, or with --database-url
postgresql://postgres@127.0.0.1:5432/shouwang_bench that database, created if missing, its
public schema dropped and recreated), starts the venv's gunicorn with ONE sync worker serving
bench/bench_wsgi.py, and logs in as the class teacher 13800000002 over plain http.client.

In interleaved rounds every endpoint, the baseline /bench/minimal included, gets --requests
requests in a row; the worker's utime+stime from /proc/<pid>/stat before and after the batch is
its server cost (clock ticks of 10 ms, hence the big batches). Reported per endpoint: CPU ms
per request (median over rounds), its ratio to the baseline (median of per-round ratios,
min-max spread), wall-clock requests/s, and SQL statements per request, counted in-process with a
before_cursor_execute listener after one warm-up call (transaction control, BEGIN and the like,
not counted: as tests/bench/test_sql_counts.py, which asserts them). The baseline is requested
logged out, so a ratio includes loading the session and the user. The sync worker closes the
connection after every response, so each request (the baseline's too) opens a new TCP
connection. Any unexpected status aborts the run. --scales runs it all again on a database that
also holds gen_data's schools at each scale, and compares the demo school's cost across them
(the same school must cost the same however many others share the database; SQL statements must
not grow). Prints the tables and writes bench/results/http_ratio_<database>.json.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Protocol, Required, TypedDict
from urllib.parse import quote, urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import gen_data  # noqa: E402
from bench.bench_wsgi import MINIMAL_PATH, build_app  # noqa: E402
from webapp.config import normalise_database_url  # noqa: E402
from webapp.core.cn import name_search_keys  # noqa: E402
from webapp.core.crypto import generate_data_key  # noqa: E402
from webapp.core.i18n import SCHOOL_TIMEZONE  # noqa: E402
from webapp.demo import DEMO_PASSWORD  # noqa: E402
from webapp.demo.data import load_demo_data  # noqa: E402
from webapp.extensions import db  # noqa: E402

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SCHOOL = "/s/yangguang"
TEACHER = "13800000002"
PRINCIPAL = "13800000001"  # the leaders' pages (coverage, dashboard) are not the teacher's
OFFICER = "13800000009"  # 周明, oversight officer of 青杠镇中心校 (three schools below)
UNIT = "/o/qinggang"
TICKS = os.sysconf("SC_CLK_TCK")
TARGET_RATIO = {"partial": 10, "page": 20, "post": 20, "report": 60}
TARGET_SQL = {"page": 8, "partial": 4}
CHILD_LIST = {"HX-Request": "true", "HX-Target": "child-list"}
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


class BenchError(RuntimeError):
    """The run cannot give a figure worth printing."""


class Client(Protocol):
    csrf_token: str

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, form: Any = None
    ) -> tuple[int, str]: ...


class Endpoint(TypedDict, total=False):
    name: Required[str]
    method: Required[str]
    path: Required[str | Callable[[Client], str] | None]  # None: not built yet
    kind: Required[str]  # page, partial, post, report (and the baseline)
    headers: dict[str, str]
    form: dict[str, str] | Callable[[], dict[str, str]]  # a callable: a fresh form per request
    anonymous: bool  # on the cookie-less connection
    user: str  # "principal" (the leaders' pages) or "officer" (oversight); else the teacher's
    expect: int  # the status it must answer, 200 unless said


def must_find(pattern: str, page: str, what: str) -> str:
    match = re.search(pattern, page)
    if not match:
        raise BenchError(f"could not find {what} (pattern {pattern!r})")
    return match.group(1)


@cache
def teacher_class_id(client: Client) -> str:
    today = get_text(client, f"{SCHOOL}/")
    return must_find(r"/children/\?class_id=(\d+)", today, "the teacher's class on today")


def class_list(client: Client) -> str:
    return f"{SCHOOL}/children/?class_id={teacher_class_id(client)}"


@cache
def class_list_html(client: Client) -> str:
    return get_text(client, class_list(client))


def first_child_card(client: Client) -> str:
    pattern = rf'href="({SCHOOL}/children/\d+)"'
    return must_find(pattern, class_list_html(client), "a child in the class")


def initials_search(client: Client) -> str:
    """Search by the first child's initials, as a teacher types 'zxm' for 张小明."""
    name = must_find(r'class="title">([^<]+)<', class_list_html(client), "a child's name")
    initials = name_search_keys(html.unescape(name))[1].split()[0]
    return f"{SCHOOL}/children/?q={quote(initials)}"


def first_child_id(client: Client) -> str:
    return first_child_card(client).rsplit("/", 1)[1]


def talk_form(client: Client) -> str:
    return f"{SCHOOL}/care/records/new/talk?child_id={first_child_id(client)}"


def timeline(client: Client) -> str:
    return f"{SCHOOL}/care/children/{first_child_id(client)}/timeline"


ROLL_CALL_FORM: dict[str, str] = {}
SHEET_INPUT = re.compile(r"<input\b[^>]*>")


def roll_call(client: Client) -> str:
    """The teacher's class roll call; keeps what its form sends as it stands (all here)."""
    path = f"{SCHOOL}/safety/roll-calls/{teacher_class_id(client)}"
    page = get_text(client, path)
    form = page[page.index("sheet-form") : page.index("</form>", page.index("sheet-form"))]
    ROLL_CALL_FORM.clear()
    for tag in SHEET_INPUT.findall(form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        radio = 'type="radio"' in tag
        if name and (not radio or "checked" in tag):
            ROLL_CALL_FORM[name.group(1)] = html.unescape(value.group(1) if value else "")
    ROLL_CALL_FORM.pop("csrf_token", None)  # the header carries the session's own token
    if not ROLL_CALL_FORM:
        raise BenchError("the roll call page has no sheet form")
    return path


def new_roll_call() -> dict[str, str]:
    """The roll call sent again as it stands, each with its own uid (a new submission)."""
    return {**ROLL_CALL_FORM, "uid": str(uuid.uuid4())}


def new_talk() -> dict[str, str]:
    """A talk as the form sends it, each with its own uid: every POST makes a new record."""
    return {
        "uid": str(uuid.uuid4()),
        "topics": "study",
        "mood": "4",
        "notes": "聊了这周的学习和生活，她说想妈妈了。",
        "channel": "face_to_face",
        "happened_on": datetime.now(SCHOOL_TIMEZONE).date().isoformat(),
    }


BASELINE: Endpoint = {
    "name": "minimal (baseline)",
    "method": "GET",
    "path": MINIMAL_PATH,
    "kind": "baseline",
    "anonymous": True,
}
ENDPOINTS: list[Endpoint] = [
    {"name": "login page", "method": "GET", "path": "/login", "kind": "page", "anonymous": True},
    {"name": "today", "method": "GET", "path": f"{SCHOOL}/", "kind": "page"},
    {"name": "class child list", "method": "GET", "path": class_list, "kind": "page"},
    {
        "name": "child list partial",
        "method": "GET",
        "path": class_list,
        "headers": CHILD_LIST,
        "kind": "partial",
    },
    {"name": "child card", "method": "GET", "path": first_child_card, "kind": "page"},
    {
        "name": "search partial",
        "method": "GET",
        "path": initials_search,
        "headers": CHILD_LIST,
        "kind": "partial",
    },
    # Not built yet: give each a path (or a callable) when its page lands.
    {"name": "talk form", "method": "GET", "path": talk_form, "kind": "page"},
    {
        "name": "talk POST",
        "method": "POST",
        "path": talk_form,
        "form": new_talk,
        "kind": "post",
        "expect": 303,
    },
    {
        "name": "timeline partial",
        "method": "GET",
        "path": timeline,
        "headers": {"HX-Request": "true", "HX-Target": "timeline"},
        "kind": "partial",
    },
    {"name": "roll call", "method": "GET", "path": roll_call, "kind": "page"},
    {
        "name": "roll call POST",
        "method": "POST",
        "path": roll_call,
        "form": new_roll_call,
        "kind": "post",
        "expect": 303,
    },
    # 27 Nov 2026, SQLite, machine load ≈ 15: coverage board 19.9x (7 SQL), coverage by week
    # 37.6x (10 SQL), school dashboard 43.3x (17 SQL; the heaviest report, bound 60x). After
    # sessions and data protection landed (23:15, quieter): 27.1x, 62.6x, 61.5x: over the bound.
    # 28 Nov, with the dashboard's and the term's figures kept per school (core.kept; the
    # bench repeats GETs, so it measures the kept page): 20.8x, 14.1x, 12.6x.
    {
        "name": "coverage board",
        "method": "GET",
        "path": f"{SCHOOL}/care/coverage",
        "kind": "report",
        "user": "principal",
    },
    {
        "name": "coverage by week",
        "method": "GET",
        "path": f"{SCHOOL}/reports/coverage/",
        "kind": "report",
        "user": "principal",
    },
    {
        "name": "school dashboard",
        "method": "GET",
        "path": f"{SCHOOL}/reports/dashboard/",
        "kind": "report",
        "user": "principal",
    },
    # The township's rollup of three schools. 27 Nov 2026, SQLite: 14.5x (9 SQL) with each
    # school's duty figures kept for five minutes; 34x with every school's engine run afresh.
    {
        "name": "oversight rollup",
        "method": "GET",
        "path": f"{UNIT}/",
        "kind": "report",
        "user": "officer",
    },
]


class HttpClient:
    """One http.client connection that keeps its own cookies (or none, logged out)."""

    def __init__(self, port: int, keep_cookies: bool = True) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] | None = {} if keep_cookies else None
        self.csrf_token = ""

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, form: Any = None
    ) -> tuple[int, str]:
        sent = {"Connection": "keep-alive", **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        data = response.read()
        if self.cookies is not None:
            for header in response.msg.get_all("Set-Cookie") or []:
                self.cookies.update((m.key, m.value) for m in SimpleCookie(header).values())
        return response.status, data.decode()

    def close(self) -> None:
        self.connection.close()


class InProcessClient:
    """The same interface over Flask's test client, for counting SQL statements."""

    def __init__(self, app: Flask, keep_cookies: bool = True) -> None:
        self.client = app.test_client(use_cookies=keep_cookies)
        self.csrf_token = ""

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, form: Any = None
    ) -> tuple[int, str]:
        response = self.client.open(path, method=method, headers=headers, data=form)
        return response.status_code, response.get_data(as_text=True)


def get_text(client: Client, path: str) -> str:
    status, body = client.request("GET", path)
    if status != 200:
        raise BenchError(f"GET {path} answered {status}, expected 200")
    return body


def call(client: Client, endpoint: Endpoint) -> None:
    """One request; an unexpected status, or a whole page for a partial, ends the run."""
    method, path, headers = endpoint["method"], str(endpoint["path"]), endpoint.get("headers", {})
    if method == "POST":
        headers = {**headers, "X-CSRFToken": client.csrf_token}
    form = endpoint.get("form")
    status, body = client.request(method, path, headers, form() if callable(form) else form)
    expected = endpoint.get("expect", 200)
    if status != expected or (endpoint["kind"] == "partial" and "<html" in body):
        raise BenchError(
            f"{endpoint['name']}: {method} {path} answered {status} (expected {expected}"
            f"{', a fragment' if endpoint['kind'] == 'partial' else ''}); "
            f"not measuring a broken endpoint.\n{body[:400]}"
        )


def csrf_token_in(page: str) -> str:
    return json.loads(must_find(r"hx-headers='([^']+)'", page, "the CSRF token"))["X-CSRFToken"]


def log_in(client: Client, phone: str = TEACHER, home: str = f"{SCHOOL}/") -> None:
    form = {"phone": phone, "password": DEMO_PASSWORD, "csrf_token": ""}
    form["csrf_token"] = csrf_token_in(get_text(client, "/login"))
    status, _ = client.request("POST", "/login", form=form)
    if status != 303:
        raise BenchError(f"logging in as {phone} answered {status}, expected 303")
    client.csrf_token = csrf_token_in(get_text(client, home))


def prepare_database(url: str | None, tmp: Path) -> str:
    if url is None:
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    url = normalise_database_url(url)
    name = make_url(url).database or ""
    if "bench" not in name:
        raise BenchError(f"refusing to drop the schema of {name!r}: use e.g. shouwang_bench")
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        query = text("SELECT 1 FROM pg_database WHERE datname = :name")
        if not connection.scalar(query, {"name": name}):
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    server.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_pid(master: int) -> int:
    """The master's one child: the sync worker that serves every request."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == master:
            children.append(int(stat.parent.name))
    if len(children) != 1:
        raise BenchError(f"expected one gunicorn worker under {master}, found {children}")
    return children[0]


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)


@contextmanager
def gunicorn(
    env: dict[str, str], workers: int, threads: int, log: Path
) -> Iterator[tuple[int, int]]:
    """(port, master pid) of a gunicorn serving bench_wsgi, stopped whatever happens."""
    port = free_port()
    command = [str(GUNICORN), "--workers", str(workers), "--threads", str(threads)]
    command += ["--worker-class", "gthread" if threads > 1 else "sync"]
    command += ["--bind", f"127.0.0.1:{port}", "--chdir", str(BENCH), "bench_wsgi:build_app()"]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not start:\n{log.read_text()[-2000:]}")
            try:
                ready = HttpClient(port, keep_cookies=False).request("GET", MINIMAL_PATH)[0] == 200
            except OSError:
                ready = False
            if ready:
                break
            time.sleep(0.2)
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure(
    port: int, worker: int, endpoints: list[Endpoint], rounds: int, requests: int
) -> tuple[list[Endpoint], dict[str, dict[str, list[float]]]]:
    """The endpoints with their paths found, and CPU ms and req/s per endpoint and round."""
    session, anonymous = HttpClient(port), HttpClient(port, keep_cookies=False)
    principal, officer = HttpClient(port), HttpClient(port)
    log_in(session)
    log_in(principal, PRINCIPAL)
    log_in(officer, OFFICER, f"{UNIT}/")
    endpoints = [resolve(endpoint, session) for endpoint in endpoints]
    samples = {e["name"]: {"cpu_ms": [], "rps": []} for e in endpoints}
    for round_number in range(-1, rounds):  # round -1 warms up and is not kept
        for endpoint in endpoints:
            client = pick(endpoint, session, anonymous, principal, officer)
            batch = max(10, requests // 10) if round_number < 0 else requests
            before, started = cpu_ticks(worker), time.perf_counter()
            for _ in range(batch):
                call(client, endpoint)
            elapsed, used = time.perf_counter() - started, cpu_ticks(worker) - before
            if round_number >= 0:
                samples[endpoint["name"]]["cpu_ms"].append(used * 1000 / TICKS / batch)
                samples[endpoint["name"]]["rps"].append(batch / elapsed)
    session.close()
    anonymous.close()
    principal.close()
    officer.close()
    return endpoints, samples


def pick(
    endpoint: Endpoint, session: Client, anonymous: Client, principal: Client, officer: Client
) -> Client:
    if endpoint.get("anonymous"):
        return anonymous
    return {"principal": principal, "officer": officer}.get(endpoint.get("user", ""), session)


def resolve(endpoint: Endpoint, client: Client) -> Endpoint:
    path = endpoint["path"]
    return {**endpoint, "path": path(client) if callable(path) else path}


TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def count_sql(app: Flask, endpoints: list[Endpoint]) -> dict[str, int]:
    statements = 0

    def counted(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal statements
        if not TRANSACTION_CONTROL.match(statement):
            statements += 1

    session, anonymous = InProcessClient(app), InProcessClient(app, keep_cookies=False)
    principal, officer = InProcessClient(app), InProcessClient(app)
    log_in(session)
    log_in(principal, PRINCIPAL)
    log_in(officer, OFFICER, f"{UNIT}/")
    counts = {}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counted)
    for endpoint in endpoints:
        client = pick(endpoint, session, anonymous, principal, officer)
        call(client, endpoint)  # warm-up
        statements = 0
        call(client, endpoint)
        counts[endpoint["name"]] = statements
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", counted)
    return counts


def summarise(
    endpoints: list[Endpoint], samples: dict[str, dict[str, list[float]]], sql: dict[str, int]
) -> list[dict[str, Any]]:
    base = samples[BASELINE["name"]]["cpu_ms"]
    if 0 in base:
        raise BenchError("the baseline used no CPU tick in a round: raise --requests")
    rows = []
    for endpoint in endpoints:
        cpu = samples[endpoint["name"]]["cpu_ms"]
        ratios = [ms / b for ms, b in zip(cpu, base, strict=True)]
        kind = endpoint["kind"]
        target, sql_target = TARGET_RATIO.get(kind), TARGET_SQL.get(kind)
        ratio = statistics.median(ratios)
        over = (target is not None and ratio > target) or (
            sql_target is not None and sql[endpoint["name"]] > sql_target
        )
        rows.append(
            {
                "name": endpoint["name"],
                "kind": kind,
                "path": endpoint["path"],
                "cpu_ms": round(statistics.median(cpu), 3),
                "ratio": round(ratio, 2),
                "ratio_min": round(min(ratios), 2),
                "ratio_max": round(max(ratios), 2),
                "requests_per_s": round(statistics.median(samples[endpoint["name"]]["rps"]), 1),
                "sql": sql[endpoint["name"]],
                "target_ratio": target,
                "target_sql": sql_target,
                "verdict": "" if target is None else ("OVER" if over else "PASS"),
            }
        )
    return rows


def print_table(rows: list[dict[str, Any]], skipped: list[str], title: str) -> None:
    print(title)
    head = f"{'endpoint':<20}{'kind':<9}{'CPU ms':>8}{'ratio':>8}{'spread':>13}"
    print(head + f"{'req/s':>8}{'SQL':>6}{'target':>11}  verdict")
    for r in rows:
        mark = "!" if r["target_ratio"] and r["ratio"] > r["target_ratio"] else " "
        sql_mark = "!" if r["target_sql"] is not None and r["sql"] > r["target_sql"] else " "
        spread = f"{r['ratio_min']:.1f}-{r['ratio_max']:.1f}"
        target = f"≤{r['target_ratio']}" if r["target_ratio"] else "-"
        if r["target_sql"] is not None:
            target += f"/≤{r['target_sql']}"
        print(
            f"{r['name']:<20}{r['kind']:<9}{r['cpu_ms']:>8.3f}{r['ratio']:>7.1f}{mark}"
            f"{spread:>13}{r['requests_per_s']:>8.0f}{r['sql']:>5}{sql_mark}{target:>11}"
            f"  {r['verdict']}"
        )
    for name in skipped:
        print(f"{name:<20}not built yet")
    print("ratio: worker CPU per request / the baseline's (median of rounds, min-max spread);")
    print("target: ratio / SQL statements per request; '!' marks a figure over its target")


def demo_site(
    database_url: str | None, tmp: Path, scale: float = 0
) -> tuple[Flask, dict[str, str]]:
    """A fresh database with the demo (and gen_data's schools at ``scale``): the app bound to
    it and the environment a gunicorn serving the same database and keys needs."""
    secret_key, data_key = secrets.token_hex(32), generate_data_key()
    url = prepare_database(database_url, tmp)
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret_key}
    config |= {"SHOUWANG_DATA_KEY": data_key, "PASSWORD_HASH": FAST_HASH}
    app = build_app("development", config)
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        load_demo_data(db.session)
        db.session.commit()
        db.session.remove()
    if scale > 0:
        stats = gen_data.generate(app, scale)
        print(f"gen_data S={scale}: {sum(stats.rows.values()):,} rows", flush=True)
    with app.app_context():
        db.engine.dispose()
    env = os.environ | {
        "SHOUWANG_ENV": "development",
        "SHOUWANG_INSTANCE_PATH": str(tmp / "instance"),
        "DATABASE_URL": url,
        "SECRET_KEY": secret_key,
        "SHOUWANG_DATA_KEY": data_key,
    }
    return app, env


def run_once(args: argparse.Namespace, scale: float) -> tuple[list[dict[str, Any]], str]:
    """One full run on a fresh database: the demo, plus gen_data's schools at that scale."""
    endpoints = [BASELINE] + [e for e in ENDPOINTS if e["path"] is not None]
    with tempfile.TemporaryDirectory(prefix="shouwang-bench-") as tmp:
        app, env = demo_site(args.database_url, Path(tmp), scale)
        url = env["DATABASE_URL"]
        with gunicorn(env, 1, 1, Path(tmp) / "gunicorn.log") as (port, master):
            worker = worker_pid(master)
            endpoints, samples = measure(port, worker, endpoints, args.rounds, args.requests)
        sql = count_sql(app, endpoints)
        with app.app_context():
            db.engine.dispose()
    return summarise(endpoints, samples, sql), make_url(url).get_backend_name()


def print_comparison(runs: dict[float, list[dict[str, Any]]]) -> None:
    """The same school's cost as the database grows: CPU ms and SQL statements per scale."""
    scales = sorted(runs)
    print("the demo school as the database grows (gen_data scale S):")
    print(f"{'endpoint':<20}" + "".join(f"{f'ms S={s}':>13}{'SQL':>5}" for s in scales))
    for i, row in enumerate(runs[scales[0]]):
        cells = "".join(f"{runs[s][i]['cpu_ms']:>13.3f}{runs[s][i]['sql']:>5}" for s in scales)
        grows = len({runs[s][i]["sql"] for s in scales}) > 1
        print(f"{row['name']:<20}{cells}{'  SQL grows!' if grows else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgresql://.../shouwang_bench (else SQLite)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="requests per batch")
    parser.add_argument(
        "--scales",
        default="0",
        help="comma-separated gen_data scales added to the demo, one full run each (e.g. 0,0.1)",
    )
    args = parser.parse_args()

    skipped = [e["name"] for e in ENDPOINTS if e["path"] is None]
    runs: dict[float, list[dict[str, Any]]] = {}
    backend = ""
    for scale in [float(s) for s in args.scales.split(",")]:
        rows, backend = run_once(args, scale)
        runs[scale] = rows
        title = f"{backend}, demo + gen_data S={scale}, gunicorn 1 sync worker, "
        print_table(rows, skipped, title + f"{args.rounds} rounds × {args.requests} requests")
    if len(runs) > 1:
        print_comparison(runs)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": backend,
        "rounds": args.rounds,
        "requests": args.requests,
        "clock_ticks_per_s": TICKS,
        "runs": [{"scale": scale, "endpoints": rows} for scale, rows in runs.items()],
        "not_built_yet": skipped,
    }
    name = f"http_ratio_{backend}.json"
    (out / name).write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        sys.exit(f"http_ratio: {error}")
