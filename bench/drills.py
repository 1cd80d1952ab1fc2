"""Reliability drills on SQLite behind gunicorn: concurrent writers, kill -9, backup, upgrade.

    .venv/bin/python bench/drills.py [writers|card|kill|backup|upgrade|all] [--kills 20]
        [--writers 8] [--records 25]
    .venv/bin/python bench/drills.py backup-now SOURCE.sqlite3 DEST.sqlite3   # e.g. hourly cron

Each drill builds a fresh SQLite database with the demo data and serves it with the venv's
gunicorn, then, over plain HTTP as the class teacher 13800000002 (its talk form, each talk with
a client-made uid as the form sends it):
- writers: --writers processes each send --records talks at once through 2 workers × 4 threads;
  every answer must be 303, the log free of "database is locked", and the rows exactly as many.
- card: the teacher and the principal (two logins each) open one card's edit form and all save
  it in the same instant: one wins, the others are told with their values kept, the card holds
  the winner's values, and a second try on the new version goes through.
- kill: one client keeps sending talks while gunicorn (master and workers) is killed with
  SIGKILL --kills times (each once the client has had an answer since the last restart, within
  0.1 s of the next request going out) and restarted; the client retries each talk with the
  same uid until it is acknowledged. Every acknowledged talk must be there once, none twice,
  and PRAGMA integrity_check must answer ok.
- backup: an online backup (sqlite3's backup API) taken while a client writes, then one taken
  quiet; both pass integrity_check, the quiet one has every table's count, and the app started
  on a restored copy lets the demo teacher log in and see the today page.
- upgrade: `flask db downgrade -1` then `upgrade` on a database with the demo data: the rows of
  every table the previous revision has are all still there and the demo login works.
tests/reliability/ runs the short version of each (marker `reliability`). Prints a table and
writes bench/results/drills.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import queue
import random
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAX_SESSIONS = 5  # logins one account may hold (webapp/auth/sessions.py)

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import Connection, func, inspect, select  # noqa: E402

from bench.bench_wsgi import MINIMAL_PATH, build_app  # noqa: E402
from bench.http_ratio import (  # noqa: E402
    FAST_HASH,
    GUNICORN,
    PRINCIPAL,
    SCHOOL,
    TEACHER,
    BenchError,
    HttpClient,
    first_child_id,
    free_port,
    get_text,
    log_in,
    must_find,
    new_talk,
)
from webapp.care.models import CareRecord  # noqa: E402
from webapp.children.models import Child  # noqa: E402
from webapp.core.crypto import generate_data_key  # noqa: E402
from webapp.demo import DEMO_PASSWORD  # noqa: E402
from webapp.demo.data import load_demo_data  # noqa: E402
from webapp.extensions import db  # noqa: E402

MIGRATIONS = str(ROOT / "migrations")


@dataclass
class Site:
    """A demo database on disk and what a server needs to open it."""

    directory: Path
    path: Path
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    data_key: str = field(default_factory=generate_data_key)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def app(self, path: Path | None = None) -> Flask:
        config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path or self.path}"}
        config |= {"SECRET_KEY": self.secret_key, "SHOUWANG_DATA_KEY": self.data_key}
        return build_app("development", config | {"PASSWORD_HASH": FAST_HASH})

    def env(self) -> dict[str, str]:
        return os.environ | {
            "SHOUWANG_ENV": "development",
            "SHOUWANG_INSTANCE_PATH": str(self.directory / "instance"),
            "DATABASE_URL": self.url,
            "SECRET_KEY": self.secret_key,
            "SHOUWANG_DATA_KEY": self.data_key,
        }


def demo_site(directory: Path, template: Site | None = None) -> Site:
    """A demo database in directory: built, or copied from template (same keys) to save time."""
    if template is not None:
        site = Site(directory, directory / "drill.sqlite3", template.secret_key, template.data_key)
        backup_now(template.path, site.path)
        return site
    site = Site(directory, directory / "drill.sqlite3")
    app = site.app()
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        load_demo_data(db.session)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return site


class Server:
    """gunicorn on a fixed port, in its own process group so kill -9 reaches every worker."""

    def __init__(self, site: Site, workers: int = 2, threads: int = 1) -> None:
        self.site, self.port, self.process = site, free_port(), None
        self.command = [str(GUNICORN), "--workers", str(workers), "--threads", str(threads)]
        self.command += ["--worker-class", "gthread" if threads > 1 else "sync"]
        self.command += ["--bind", f"127.0.0.1:{self.port}", "--chdir", str(BENCH)]
        self.command += ["bench_wsgi:build_app()"]
        self.log = site.directory / "gunicorn.log"

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                self.command,
                env=self.site.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not start:\n{self.log.read_text()[-2000:]}")
            try:
                client = HttpClient(self.port, keep_cookies=False)
                if client.request("GET", MINIMAL_PATH)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)

    def kill9(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()


def talk_path(client: HttpClient) -> str:
    return f"{SCHOOL}/care/records/new/talk?child_id={first_child_id(client)}"


def send_talk(client: HttpClient, path: str, uid: uuid.UUID) -> tuple[int, str]:
    form = new_talk() | {"uid": str(uid)}
    return client.request("POST", path, {"X-CSRFToken": client.csrf_token}, form)


def count_uids(site: Site, uids: list[uuid.UUID]) -> int:
    app = site.app()
    table = CareRecord.__table__
    with app.app_context(), db.engine.connect() as connection:
        total = 0
        for i in range(0, len(uids), 500):
            chunk = uids[i : i + 500]
            query = select(func.count()).select_from(table).where(table.c.uid.in_(chunk))
            total += connection.scalar(query)
        db.engine.dispose()
    return total


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


# writers ---------------------------------------------------------------------------------------


def _writer(port: int, session: tuple[dict, str, str], records: int, seed: int, out: Any) -> None:
    cookies, token, path = session
    client = HttpClient(port)
    client.cookies, client.csrf_token = dict(cookies), token
    statuses = []
    for i in range(records):
        uid = uuid.uuid5(uuid.NAMESPACE_URL, f"writer-{seed}-{i}")
        status, body = send_talk(client, path, uid)
        statuses.append(status if "database is locked" not in body else -1)
    out.put((seed, statuses))


def writers_drill(
    directory: Path, writers: int = 8, records: int = 25, template: Site | None = None
) -> dict[str, Any]:
    """The writers log in one after another first: a login holds the write lock while it
    hashes the password (argon2), so eight at once queue for seconds (see the report)."""
    site = demo_site(directory, template)
    server = Server(site, workers=2, threads=4)
    server.start()
    context = multiprocessing.get_context("fork")
    results: Any = context.Queue()
    # One teacher holds at most MAX_SESSIONS logins (a sixth ends the oldest): the writers
    # share them, as tabs on a few phones would.
    sessions = []
    for _ in range(min(writers, MAX_SESSIONS)):
        client = HttpClient(server.port)
        log_in(client)
        sessions.append((dict(client.cookies or {}), client.csrf_token, talk_path(client)))
        client.close()
    processes = [
        context.Process(
            target=_writer,
            args=(server.port, sessions[seed % len(sessions)], records, seed, results),
        )
        for seed in range(writers)
    ]
    started = time.perf_counter()
    outcomes: dict[int, list[int]] = {}
    try:
        for process in processes:
            process.start()
        while len(outcomes) < writers:
            try:
                seed, statuses = results.get(timeout=1)
                outcomes[seed] = statuses
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in processes):
                    raise BenchError("a writer process died") from None
        for process in processes:
            process.join(timeout=30)
    finally:
        server.stop()
    elapsed = time.perf_counter() - started
    uids = [
        uuid.uuid5(uuid.NAMESPACE_URL, f"writer-{s}-{i}")
        for s in range(writers)
        for i in range(records)
    ]
    statuses = [status for seed in sorted(outcomes) for status in outcomes[seed]]
    return {
        "drill": "writers",
        "writers": writers,
        "sent": len(statuses),
        "acknowledged": statuses.count(303),
        "other_statuses": sorted({s for s in statuses if s != 303}),
        "locked_in_log": server.log.read_text().count("database is locked"),
        "rows": count_uids(site, uids),
        "expected_rows": writers * records,
        "seconds": round(elapsed, 1),
        "integrity": integrity(site.path),
    }


# two saves of one card ------------------------------------------------------------------------

CARD_LIVING = ("address", "hukou_place", "bus_note", "allergies", "chronic_illness")
CARD_LIVING += ("disability", "character", "interests")
CARD_VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


def card_drill(directory: Path, savers: int = 4, template: Site | None = None) -> dict[str, Any]:
    """The class teacher and the principal (two logins each) open the same card's edit form,
    then all save it in the same instant: one save wins, every other is told (422, its values
    kept), the card holds the winner's values, and a loser's second try goes through."""
    site = demo_site(directory, template)
    server = Server(site, workers=2, threads=4)
    server.start()
    try:
        logins = []
        for i in range(savers):
            client = HttpClient(server.port)
            log_in(client, TEACHER if i % 2 == 0 else PRINCIPAL)
            logins.append((dict(client.cookies or {}), client.csrf_token))
            client.close()  # an idle keep-alive connection would be closed under it
        child_id = first_child_id(reconnect(server.port, logins[0]))
        path = f"{SCHOOL}/children/{child_id}/edit/living"
        versions = [version_in(get_text(reconnect(server.port, x), path)) for x in logins]
        barrier, answers = threading.Barrier(savers), [(0, "")] * savers

        def save(i: int) -> None:
            client = reconnect(server.port, logins[i])
            form = dict.fromkeys(CARD_LIVING, "") | {"version": versions[i], "interests": f"#{i}"}
            barrier.wait()
            answers[i] = client.request("POST", path, {"X-CSRFToken": client.csrf_token}, form)

        threads = [threading.Thread(target=save, args=(i,)) for i in range(savers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        won = [i for i, (status, _) in enumerate(answers) if status == 303]
        told = [i for i, (s, body) in enumerate(answers) if s == 422 and "edit-conflict" in body]
        kept = all(f'value="#{i}"' in answers[i][1] for i in told)
        saved_after_race = card_interests(site, child_id)
        retry_status = 0
        if told:
            loser = told[0]
            client = reconnect(server.port, logins[loser])
            form = dict.fromkeys(CARD_LIVING, "") | {"interests": f"#{loser} again"}
            form["version"] = version_in(answers[loser][1])
            retry_status = client.request("POST", path, {"X-CSRFToken": client.csrf_token}, form)[0]
    finally:
        server.stop()
    return {
        "drill": "card",
        "savers": savers,
        "won": len(won),
        "told": len(told),
        "other_statuses": sorted({s for s, _ in answers if s not in (303, 422)}),
        "typed_values_kept": kept,
        "card_holds_the_winner": bool(won) and saved_after_race == f"#{won[0]}",
        "retry_status": retry_status,
        "card_after_retry": card_interests(site, child_id),
        "retry_value": f"#{told[0]} again" if told else None,
        "locked_in_log": server.log.read_text().count("database is locked"),
    }


def reconnect(port: int, login: tuple[dict[str, str], str]) -> HttpClient:
    client = HttpClient(port)
    client.cookies, client.csrf_token = dict(login[0]), login[1]
    return client


def version_in(page: str) -> str:
    return must_find(CARD_VERSION.pattern, page, "the card's version in the edit form")


def card_interests(site: Site, child_id: str) -> str | None:
    app = site.app()
    table = Child.__table__
    with app.app_context(), db.engine.connect() as connection:
        value = connection.scalar(select(table.c.interests).where(table.c.id == int(child_id)))
        db.engine.dispose()
    return value


# kill -9 ---------------------------------------------------------------------------------------


class RetryingClient(threading.Thread):
    """Sends talks one after another, each retried with its uid until acknowledged."""

    def __init__(self, port: int, cookies: dict[str, str], token: str, path: str) -> None:
        super().__init__(daemon=True)
        self.port, self.cookies, self.token, self.path = port, cookies, token, path
        self.stopping, self.given_up = threading.Event(), threading.Event()
        self.acknowledged: list[uuid.UUID] = []
        self.sent: list[uuid.UUID] = []
        self.retries = 0
        self.failed: list[str] = []

    def client(self) -> HttpClient:
        client = HttpClient(self.port)
        client.cookies = dict(self.cookies)
        client.csrf_token = self.token
        return client

    def run(self) -> None:
        client = self.client()
        n = 0
        while not self.stopping.is_set():
            uid = uuid.uuid5(uuid.NAMESPACE_URL, f"kill-{n}")
            n += 1
            self.sent.append(uid)
            while True:  # the same uid until acknowledged, however many restarts that takes
                try:
                    status, body = send_talk(client, self.path, uid)
                except (OSError, http.client.HTTPException):
                    status, body = 0, ""
                if status == 303:
                    self.acknowledged.append(uid)
                    break
                if status not in (0, 502, 503) and status < 500:
                    self.failed.append(f"{status}: {body[:200]}")
                    break
                if self.given_up.is_set():
                    self.failed.append(f"{uid} never acknowledged")
                    return
                self.retries += 1
                client.close()
                time.sleep(0.05)
                client = self.client()

    def acknowledged_more_than(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) <= count and time.monotonic() < deadline:
            time.sleep(0.01)


def kill_drill(
    directory: Path, kills: int = 20, seed: int = 7, template: Site | None = None
) -> dict[str, Any]:
    site = demo_site(directory, template)
    server = Server(site, workers=2)
    server.start()
    rng = random.Random(seed)
    login = HttpClient(server.port)
    log_in(login)
    path = talk_path(login)
    sender = RetryingClient(server.port, dict(login.cookies or {}), login.csrf_token, path)
    login.close()
    started = time.perf_counter()
    try:
        sender.start()
        for _ in range(kills):
            # Kill while writes are going on: once the client has had an answer since the
            # last restart, at a random moment of the next one.
            sender.acknowledged_more_than(len(sender.acknowledged))
            time.sleep(rng.uniform(0.0, 0.1))
            server.kill9()
            server.start()
        sender.acknowledged_more_than(len(sender.acknowledged))
        sender.stopping.set()
        sender.join(timeout=120)
        sender.given_up.set()
        sender.join(timeout=5)
    finally:
        server.stop()
    rows = count_uids(site, sender.sent)
    return {
        "drill": "kill -9",
        "kills": kills,
        "sent": len(sender.sent),
        "acknowledged": len(sender.acknowledged),
        "retries": sender.retries,
        "rows_of_acknowledged": count_uids(site, sender.acknowledged),
        "rows_of_sent": rows,
        "failures": sender.failed,
        "seconds": round(time.perf_counter() - started, 1),
        "integrity": integrity(site.path),
    }


# backup and restore ----------------------------------------------------------------------------


def backup_now(source: Path, destination: Path) -> None:
    """An online backup: readers and writers carry on while sqlite3 copies the pages."""
    with sqlite3.connect(source) as live, sqlite3.connect(destination) as copy:
        live.backup(copy, pages=256, sleep=0.005)
    copy.close()
    live.close()


def table_counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {n: connection.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        connection.close()


def demo_login_works(app: Flask) -> bool:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    form = {"phone": TEACHER, "password": DEMO_PASSWORD, "csrf_token": token}
    answered = client.post("/login", data=form)
    return answered.status_code == 303 and client.get(f"{SCHOOL}/").status_code == 200


def backup_drill(
    directory: Path, seconds: float = 2.0, template: Site | None = None
) -> dict[str, Any]:
    site = demo_site(directory, template)
    server = Server(site, workers=2)
    server.start()
    login = HttpClient(server.port)
    log_in(login)
    sender = RetryingClient(
        server.port, dict(login.cookies or {}), login.csrf_token, talk_path(login)
    )
    login.close()
    busy, quiet = directory / "busy-backup.sqlite3", directory / "quiet-backup.sqlite3"
    try:
        sender.start()
        time.sleep(seconds / 2)
        before = table_counts(site.path)["care_record"]
        backup_now(site.path, busy)
        time.sleep(seconds / 2)
        sender.stopping.set()
        sender.join(timeout=60)
        sender.given_up.set()
        sender.join(timeout=5)
    finally:
        server.stop()
    after = table_counts(site.path)
    backup_now(site.path, quiet)
    restored = directory / "restored.sqlite3"
    restored.write_bytes(quiet.read_bytes())
    quiet_counts = table_counts(restored)  # before the login below adds its session row
    app = site.app(restored)
    login_ok = demo_login_works(app)
    with app.app_context():
        db.engine.dispose()
    busy_records = table_counts(busy)["care_record"]
    return {
        "drill": "backup",
        "written_during": len(sender.acknowledged),
        "busy_backup_integrity": integrity(busy),
        "busy_backup_care_records": busy_records,
        "care_records_before_after": [before, after["care_record"]],
        "busy_backup_in_range": before <= busy_records <= after["care_record"],
        "restored_integrity": integrity(restored),
        "restored_counts_equal": quiet_counts == after,
        "tables": len(after),
        "restored_login": login_ok,
    }


# upgrade from the previous migration -----------------------------------------------------------


def upgrade_drill(
    directory: Path, url: str | None = None, template: Site | None = None
) -> dict[str, Any]:
    """downgrade -1 and upgrade again on a database with the demo data (SQLite unless url)."""
    if url is None:
        site = demo_site(directory, template)
        app = site.app()
    else:
        app = build_app(
            "development",
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "drill",
                "SHOUWANG_DATA_KEY": generate_data_key(),
                "PASSWORD_HASH": FAST_HASH,
            },
        )
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS)
            load_demo_data(db.session)
            db.session.commit()
            db.session.remove()
    with app.app_context():
        before = counts(db.engine.connect())
        flask_migrate.downgrade(directory=MIGRATIONS, revision="-1")
        middle = counts(db.engine.connect())
        flask_migrate.upgrade(directory=MIGRATIONS)
        after = counts(db.engine.connect())
        db.session.remove()
    kept = {name: n for name, n in middle.items() if name != "alembic_version"}
    login_ok = demo_login_works(app)
    with app.app_context():
        db.engine.dispose()
    return {
        "drill": "upgrade",
        "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0],
        "tables_at_head": len(before),
        "tables_at_previous": len(middle),
        "rows_kept": all(after.get(name) == n for name, n in kept.items()),
        "rows_lost": {n: (kept[n], after.get(n)) for n in kept if after.get(n) != kept[n]},
        "rows_of_previous_tables": sum(kept.values()),
        "login_after": login_ok,
    }


def counts(connection: Connection) -> dict[str, int]:
    with connection:
        names = inspect(connection).get_table_names()
        return {
            name: connection.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar()
            for name in names
        }


# the script --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drill", nargs="?", default="all")
    parser.add_argument("paths", nargs="*", help="backup-now: SOURCE DEST")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--records", type=int, default=25)
    args = parser.parse_args()
    if args.drill == "backup-now":
        source, destination = (Path(p) for p in args.paths)
        backup_now(source, destination)
        print(f"backed up {source} to {destination}: integrity {integrity(destination)}")
        return
    chosen = ["writers", "card", "kill", "backup", "upgrade"]
    chosen = chosen if args.drill == "all" else [args.drill]
    results = []
    with tempfile.TemporaryDirectory(prefix="shouwang-drill-") as base:
        template = demo_site(Path(base))
        for name in chosen:
            directory = Path(base) / name
            directory.mkdir()
            if name == "writers":
                result = writers_drill(directory, args.writers, args.records, template)
            elif name == "card":
                result = card_drill(directory, template=template)
            elif name == "kill":
                result = kill_drill(directory, args.kills, template=template)
            elif name == "backup":
                result = backup_drill(directory, template=template)
            else:
                result = upgrade_drill(directory, template=template)
            results.append(result)
            print(json.dumps(result, ensure_ascii=False, default=str), flush=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    document = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "drills": results}
    (out / "drills.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False, default=str)
    )


if __name__ == "__main__":
    main()
