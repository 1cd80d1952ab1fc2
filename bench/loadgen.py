"""Open-loop load at fixed rates: a teachers' mixed journey against gunicorn, stepped up.

    .venv/bin/python bench/loadgen.py [--database-url URL] [--rates 50,100,200,300]
        [--seconds 15] [--scale 0.01] [--workers 2] [--threads 4]

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database named, its public
schema dropped and recreated) with the demo data and gen_data's schools at --scale, serves it
with the venv's gunicorn as `make run` does (--workers sync processes with --threads threads
each: gthread), and logs in --sessions sessions of the class teacher 13800000002.

Each step offers one rate for --seconds: request i is due at start + i/rate whatever happened to
the ones before (open loop), and its latency is counted from when it was due, not from when a
client thread got round to sending it, so a stall of the server shows as the queue behind it
instead of hiding as a lower rate. The mix is a teacher's journey: today page 1, class child
list 1, child timeline partial 2, talk POST 1 (each a new record with its own uid). Reported per
step and endpoint: p50/p95/p99 in ms, the rate achieved (completed / elapsed), and errors.
Capacity is the highest offered rate achieved within 5% with p99 under 1 s (stepping stops at
the first rate not sustained); the last step runs
at half of it and is checked against the targets (p95 ≤ 30 ms partial, ≤ 50 ms page; ≥ 300
requests/s mixed). The client runs on the same machine and takes CPU from the server: the
figures are a floor. Prints the tables and writes bench/results/loadgen_<database>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from bench.http_ratio import (  # noqa: E402
    SCHOOL,
    TICKS,
    BenchError,
    HttpClient,
    class_list_html,
    demo_site,
    gunicorn,
    log_in,
    new_talk,
    teacher_class_id,
)

TARGET_P95_MS = {"partial": 30, "page": 50}
TARGET_MIXED_RPS = 300
TIMELINE = {"HX-Request": "true", "HX-Target": "timeline"}


@dataclass
class Step:
    name: str
    kind: str
    weight: int


JOURNEY = [
    Step("today", "page", 1),
    Step("class child list", "page", 1),
    Step("timeline partial", "partial", 2),
    Step("talk POST", "post", 1),
]


@dataclass
class Session:
    cookie: str
    csrf_token: str
    class_id: str
    child_ids: list[str]


@dataclass
class Sample:
    name: str
    due: float
    done: float
    status: int


def login_sessions(port: int, count: int) -> list[Session]:
    sessions = []
    for _ in range(count):
        client = HttpClient(port)
        log_in(client)
        teacher_class_id.cache_clear()
        class_list_html.cache_clear()
        class_id = teacher_class_id(client)
        listing = class_list_html(client)
        child_ids = sorted(set(re.findall(rf'href="{SCHOOL}/children/(\d+)"', listing)))
        if not child_ids:
            raise BenchError("the teacher's class lists no child")
        cookie = "; ".join(f"{k}={v}" for k, v in (client.cookies or {}).items() if v)
        sessions.append(Session(cookie, client.csrf_token, class_id, child_ids))
        client.close()
    return sessions


def request_for(step: Step, session: Session, n: int) -> tuple[str, str, dict, str | None]:
    """(method, path, headers, body) of the n-th request of a step."""
    headers = {"Cookie": session.cookie}
    child = session.child_ids[n % len(session.child_ids)]
    if step.name == "today":
        return "GET", f"{SCHOOL}/", headers, None
    if step.name == "class child list":
        return "GET", f"{SCHOOL}/children/?class_id={session.class_id}", headers, None
    if step.name == "timeline partial":
        return "GET", f"{SCHOOL}/care/children/{child}/timeline", headers | TIMELINE, None
    form = new_talk()
    headers |= {
        "X-CSRFToken": session.csrf_token,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return "POST", f"{SCHOOL}/care/records/new/talk?child_id={child}", headers, urlencode(form)


EXPECTED = {"GET": 200, "POST": 303}


class Load:
    """Client threads, each with its own keep-alive connection, fed by a clock-driven queue."""

    def __init__(self, port: int, threads: int) -> None:
        self.port, self.jobs = port, queue.Queue()
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.workers = [threading.Thread(target=self.work, daemon=True) for _ in range(threads)]
        for worker in self.workers:
            worker.start()

    def work(self) -> None:
        connection = None
        while True:
            job = self.jobs.get()
            if job is None:
                return
            name, due, method, path, headers, body = job
            for attempt in range(2):  # a keep-alive connection the server closed: once more
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                    connection.request(method, path, body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                        connection = None
                    break
                except (OSError, http.client.HTTPException):
                    if connection is not None:
                        connection.close()
                    connection = None
                    status = 0
                    if attempt:
                        break
            done = time.perf_counter()
            with self.lock:
                self.samples.append(Sample(name, due, done, status))

    def run(self, rate: float, seconds: float, sessions: list[Session]) -> tuple[list, float]:
        """Offers `rate` requests/s for `seconds`; (samples, wall seconds to finish them all)."""
        self.samples = []
        mix = [s for s in JOURNEY for _ in range(s.weight)]
        total = int(rate * seconds)
        start = time.perf_counter() + 0.05
        for i in range(total):
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            step = mix[i % len(mix)]
            session = sessions[i % len(sessions)]
            method, path, headers, body = request_for(step, session, i // len(mix))
            self.jobs.put((step.name, due, method, path, headers, body))
        while True:
            with self.lock:
                if len(self.samples) >= total:
                    break
            time.sleep(0.01)
        return list(self.samples), time.perf_counter() - start

    def stop(self) -> None:
        for _ in self.workers:
            self.jobs.put(None)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summarise(rate: float, samples: list[Sample], elapsed: float) -> dict[str, Any]:
    expected = {"talk POST": 303}
    rows = []
    for step in JOURNEY:
        mine = [s for s in samples if s.name == step.name]
        latencies = [(s.done - s.due) * 1000 for s in mine]
        rows.append(
            {
                "endpoint": step.name,
                "kind": step.kind,
                "requests": len(mine),
                "errors": sum(s.status != expected.get(step.name, 200) for s in mine),
                "p50_ms": round(percentile(latencies, 50), 1),
                "p95_ms": round(percentile(latencies, 95), 1),
                "p99_ms": round(percentile(latencies, 99), 1),
            }
        )
    every = [(s.done - s.due) * 1000 for s in samples]
    return {
        "offered_rps": rate,
        "achieved_rps": round(len(samples) / elapsed, 1),
        "errors": sum(r["errors"] for r in rows),
        "p50_ms": round(statistics.median(every), 1),
        "p95_ms": round(percentile(every, 95), 1),
        "p99_ms": round(percentile(every, 99), 1),
        "endpoints": rows,
    }


def sustained(step: dict[str, Any]) -> bool:
    return (
        step["achieved_rps"] >= 0.95 * step["offered_rps"]
        and step["p99_ms"] < 1000
        and step["errors"] == 0
    )


def server_ticks(master: int) -> int:
    """CPU ticks used so far by the master's workers."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total


def print_step(step: dict[str, Any], label: str = "") -> None:
    verdict = "sustained" if sustained(step) else "NOT sustained"
    cpu = step.get("server_cpu_ms_per_request")
    print(
        (f"server CPU {cpu:.1f} ms/request  " if cpu is not None else "")
        + f"offered {step['offered_rps']:>6.0f}/s achieved {step['achieved_rps']:>6.1f}/s  "
        f"p50 {step['p50_ms']:>7.1f}  p95 {step['p95_ms']:>7.1f}  p99 {step['p99_ms']:>7.1f} ms"
        f"  errors {step['errors']}  {verdict}{label}"
    )
    for row in step["endpoints"]:
        target = TARGET_P95_MS.get(row["kind"])
        mark = "!" if target and row["p95_ms"] > target else " "
        print(
            f"    {row['endpoint']:<18}{row['requests']:>7}  p50 {row['p50_ms']:>7.1f}  "
            f"p95 {row['p95_ms']:>7.1f}{mark} p99 {row['p99_ms']:>7.1f}  errors {row['errors']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgresql://.../shouwang_bench (else SQLite)")
    parser.add_argument("--rates", default="50,100,150,200,300", help="offered requests/s")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--scale", type=float, default=0.01, help="gen_data scale added")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--client-threads", type=int, default=64)
    args = parser.parse_args()

    steps: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="shouwang-load-") as tmp:
        _app, env = demo_site(args.database_url, Path(tmp), args.scale)
        url = env["DATABASE_URL"]
        backend = make_url(url).get_backend_name()
        print(
            f"{backend}, demo + gen_data S={args.scale}, gunicorn {args.workers} workers × "
            f"{args.threads} threads, {args.seconds:.0f} s per step, open loop"
        )
        log = Path(tmp) / "gunicorn.log"
        with gunicorn(env, args.workers, args.threads, log) as (port, master):
            sessions = login_sessions(port, args.sessions)
            load = Load(port, args.client_threads)
            load.run(20, 2, sessions)  # warm-up, not kept
            for rate in [float(r) for r in args.rates.split(",")]:
                before = server_ticks(master)
                step = summarise(rate, *load.run(rate, args.seconds, sessions))
                used_ms = (server_ticks(master) - before) * 1000 / TICKS
                step["server_cpu_ms_per_request"] = round(used_ms / int(rate * args.seconds), 2)
                steps.append(step)
                print_step(step)
                if not sustained(step):
                    break  # past capacity: higher rates only lengthen the queue
            capacity = max((s["offered_rps"] for s in steps if sustained(s)), default=0)
            half = None
            if capacity:
                half = summarise(capacity / 2, *load.run(capacity / 2, args.seconds, sessions))
                print_step(half, f"  (half of capacity {capacity:.0f}/s)")
            load.stop()
    cpu = statistics.median(s["server_cpu_ms_per_request"] for s in steps)
    verdicts = targets(capacity, half)
    verdicts.append(
        f"server CPU {cpu:.1f} ms per mixed request: at most {2000 / cpu:.0f} requests/s on "
        f"two idle cores (load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    for line in verdicts:
        print(line)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": backend,
        "scale": args.scale,
        "workers": args.workers,
        "threads": args.threads,
        "seconds_per_step": args.seconds,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "steps": steps,
        "capacity_rps": capacity,
        "server_cpu_ms_per_request": cpu,
        "half_capacity": half,
        "verdicts": verdicts,
    }
    (out / f"loadgen_{backend}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))


def targets(capacity: float, half: dict[str, Any] | None) -> list[str]:
    lines = [
        f"capacity {capacity:.0f} requests/s mixed: "
        + ("PASS" if capacity >= TARGET_MIXED_RPS else f"UNDER the {TARGET_MIXED_RPS}/s target")
    ]
    for row in (half or {}).get("endpoints", []):
        target = TARGET_P95_MS.get(row["kind"])
        if target:
            verdict = "PASS" if row["p95_ms"] <= target else "OVER"
            lines.append(
                f"p95 {row['endpoint']} at half capacity {row['p95_ms']} ms ≤ {target}: {verdict}"
            )
    return lines


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        sys.exit(f"loadgen: {error}")
