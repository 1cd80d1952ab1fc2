"""Generated schools at scale: a deterministic data set for load and latency work.

    .venv/bin/python bench/gen_data.py [--scale 0.1] [--seed 9] [--anchor 2026-11-27]

At scale S=1: 1,000 schools, 100,000 children, 5 million talk records and 10 million audit
rows; S=0.01 is the CI smoke (10 schools, 1,000 children), S=0.1 a developer's. Writes into the
database the app is configured with (DATABASE_URL, else the instance SQLite file; SHOUWANG_ENV
development unless set), migrating it to the head first, on top of whatever is there (the demo
included); a second run into the same database finds the generated schools and stops.

The skew is a rural county's: school sizes lognormal (a few town schools of 1,000 and many
village schools of 30), one class per 40 children, left-behind children about two in three,
and inside a school a few teachers write most of the talks (Zipf weights over its staff). Rows
are written with bulk Core inserts (executemany, --batch rows at a time). Each sealed value is
sealed by the app's real cipher, once per row: AES-GCM binds a ciphertext to its row's uid, so
a sealed value cannot be reused across rows; what is cached per distinct value is the work
around it (a name's pinyin search keys, the one password hash, the topic lists). Everything
but the ciphertexts (random nonces) is a pure function of --seed, --scale and --anchor (the
"today" the records lead up to, Beijing date): checksum() proves it.

Generated staff log in with the demo password: the principal of school k (slug gen-0001 …)
and its class teachers have phones from phone_of(); teachers() lists them. Prints rows/s per
table and writes bench/results/gen_data.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import Connection, Table, func, select, text  # noqa: E402

from webapp.auth.models import User  # noqa: E402
from webapp.auth.service import hash_password  # noqa: E402
from webapp.care.models import CareRecord  # noqa: E402
from webapp.children.models import Child, SchoolClass  # noqa: E402
from webapp.core.audit import GENESIS, AuditEvent, row_hash_of  # noqa: E402
from webapp.core.cn import name_search_keys  # noqa: E402
from webapp.core.crypto import cipher  # noqa: E402
from webapp.core.i18n import SCHOOL_TIMEZONE  # noqa: E402
from webapp.core.org import Membership, OrgUnit, Tenant  # noqa: E402
from webapp.demo import DEMO_PASSWORD  # noqa: E402
from webapp.demo.people import BOY_GIVEN, GIRL_GIVEN, SURNAMES  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.tenants.models import SchoolYear, Term  # noqa: E402

PER_SCALE = {"schools": 1_000, "children": 100_000, "talks": 5_000_000, "audit": 10_000_000}
SLUG_PREFIX = "gen-"
PHONE_PREFIX = "137"  # the demo staff are 138… and 139…; generated staff 137 + their ordinal
CLASS_SIZE = 40
HISTORY_DAYS = 365
TOPICS = ["study", "daily_life", "feelings", "friends", "health", "safety", "family"]
CHANNELS = ["face_to_face"] * 6 + ["phone", "video", "wechat"]
NOTES = [
    "聊了这周的学习和生活，她说想妈妈了。",
    "数学作业完成得不好，约好每天放学后问老师。",
    "和同桌闹了矛盾，已经和好。",
    "爷爷生病住院，孩子有点担心，安慰了他。",
    "妈妈过年回来，孩子很开心。",
    "最近睡得晚，提醒按时休息。",
    "主动说起想当老师，鼓励了他。",
    "午饭吃得少，和食堂说了。",
]
AUDIT_ACTIONS = ["view"] * 7 + ["create"] * 2 + ["update"]
SURNAME_LIST = [s for s, weight in SURNAMES for _ in range(weight)]
# The tables the generator writes, in the order it writes them.
TABLES: list[type] = [OrgUnit, Tenant, User, Membership, SchoolYear, Term, SchoolClass, Child]
TABLES += [CareRecord, AuditEvent]


@dataclass
class School:
    ordinal: int
    id: int
    slug: str
    children: int
    class_ids: list[int] = field(default_factory=list)
    staff_ids: list[int] = field(default_factory=list)  # principal first, then class teachers
    child_ids: list[int] = field(default_factory=list)


@dataclass
class Stats:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def counts_for(scale: float) -> dict[str, int]:
    """The number of schools, children, talks and audit rows at a scale."""
    counts = {k: max(1, round(v * scale)) for k, v in PER_SCALE.items()}
    counts["schools"] = max(2, min(counts["schools"], counts["children"]))
    return counts


def phone_of(ordinal: int) -> str:
    """The phone of the generated user with that ordinal (1-based, in creation order)."""
    return f"{PHONE_PREFIX}{ordinal:08d}"


def deterministic_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def split(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """total shared out in proportion to weights, each at least minimum, summing exactly."""
    spare = total - minimum * len(weights)
    scaled = [w * spare / sum(weights) for w in weights]
    shares = [minimum + math.floor(s) for s in scaled]
    by_remainder = sorted(range(len(weights)), key=lambda i: scaled[i] - math.floor(scaled[i]))
    for i in reversed(by_remainder[: total - sum(shares)]):
        shares[i] += 1
    return shares


def zipf_weights(n: int, exponent: float = 1.3) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, n + 1)]


@cache
def search_keys(name: str) -> tuple[str, str]:
    return name_search_keys(name)


class Writer:
    """Bulk inserts into one table, --batch rows per executemany, timed."""

    def __init__(self, connection: Connection, model: type, batch: int, stats: Stats) -> None:
        self.connection, self.table, self.batch = connection, model.__table__, batch
        self.stats, self.pending, self.started = stats, [], time.perf_counter()
        self.name = self.table.name
        stats.rows.setdefault(self.name, 0)

    def add(self, row: dict[str, Any]) -> None:
        self.pending.append(row)
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.connection.execute(self.table.insert(), self.pending)
            self.stats.rows[self.name] += len(self.pending)
            self.pending = []

    def close(self) -> None:
        self.flush()
        elapsed = time.perf_counter() - self.started
        self.stats.seconds[self.name] = self.stats.seconds.get(self.name, 0) + elapsed


def next_id(connection: Connection, table: Table) -> int:
    return (connection.scalar(select(func.max(table.c.id))) or 0) + 1


def already_generated(connection: Connection) -> bool:
    query = select(Tenant.__table__.c.id).where(Tenant.__table__.c.slug == f"{SLUG_PREFIX}0001")
    return connection.scalar(query) is not None


def generate(
    app: Flask, scale: float, seed: int = 9, anchor: date | None = None, batch: int = 5_000
) -> Stats:
    """Write the data set at that scale; returns rows and seconds per table."""
    anchor = anchor or datetime.now(SCHOOL_TIMEZONE).date()
    counts = counts_for(scale)
    rng = random.Random(seed)
    stats = Stats()
    with app.app_context():
        seal = cipher()
        password = hash_password(DEMO_PASSWORD)
        engine = db.engine
        with engine.begin() as connection:
            if already_generated(connection):
                raise SystemExit("gen_data: this database already holds the generated schools")
            ids = {m.__tablename__: next_id(connection, m.__table__) for m in TABLES}
        created = datetime.combine(anchor - timedelta(days=HISTORY_DAYS), datetime.min.time())
        created = created.replace(tzinfo=UTC)
        with engine.begin() as connection:
            schools = _schools(connection, counts, rng, ids, created, batch, stats)
            _staff(connection, schools, rng, ids, created, batch, stats, seal, password)
            _calendar(connection, schools, ids, anchor, created, batch, stats)
        with engine.begin() as connection:
            _children(connection, schools, rng, ids, anchor, created, batch, stats)
        with engine.begin() as connection:
            _talks(connection, schools, counts["talks"], rng, ids, anchor, batch, stats, seal)
        with engine.begin() as connection:
            _audit(connection, schools, counts["audit"], rng, ids, anchor, batch, stats)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                for model in TABLES:
                    name = model.__tablename__
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                            f'(SELECT max(id) FROM "{name}"))'
                        )
                    )
    return stats


def _schools(
    connection: Connection,
    counts: dict[str, int],
    rng: random.Random,
    ids: dict[str, int],
    created: datetime,
    batch: int,
    stats: Stats,
) -> list[School]:
    n = counts["schools"]
    counties = max(1, round(n / 200))
    townships = max(1, round(n / 12))
    units = Writer(connection, OrgUnit, batch, stats)
    county_ids = []
    for c in range(counties):
        county_ids.append(ids["org_unit"])
        units.add(_unit(ids, f"{SLUG_PREFIX}county-{c + 1}", f"第{c + 1}县教育局", "county"))
    units.flush()  # the townships refer to their county
    township_ids = []
    for t in range(townships):
        township_ids.append(ids["org_unit"])
        row = _unit(ids, f"{SLUG_PREFIX}town-{t + 1}", f"第{t + 1}镇中心校", "township")
        row["parent_id"] = county_ids[t % counties]
        units.add(row)
    units.close()

    sizes = split(counts["children"], [rng.lognormvariate(0, 0.9) for _ in range(n)])
    tenants = Writer(connection, Tenant, batch, stats)
    schools = []
    for k in range(n):
        slug = f"{SLUG_PREFIX}{k + 1:04d}"
        school = School(ordinal=k + 1, id=ids["tenant"], slug=slug, children=sizes[k])
        ids["tenant"] += 1
        kind = "village_school" if sizes[k] < 60 else "school"
        suffix = "村小" if kind == "village_school" else "小学"
        tenants.add(
            {
                "id": school.id,
                "slug": slug,
                "name": f"生成第{k + 1}{suffix}",
                "kind": kind,
                "org_unit_id": township_ids[k % townships],
                "is_active": True,
                "created_at": created,
            }
        )
        schools.append(school)
    tenants.close()
    return schools


def _unit(ids: dict[str, int], slug: str, name: str, kind: str) -> dict[str, Any]:
    row = {"id": ids["org_unit"], "slug": slug, "name": name, "kind": kind, "parent_id": None}
    ids["org_unit"] += 1
    return row


def _staff(
    connection: Connection,
    schools: list[School],
    rng: random.Random,
    ids: dict[str, int],
    created: datetime,
    batch: int,
    stats: Stats,
    seal: Any,
    password: str,
) -> None:
    """A principal per school and a class teacher per class (one class per 40 children)."""
    users = Writer(connection, User, batch, stats)
    memberships = Writer(connection, Membership, batch, stats)
    classes = Writer(connection, SchoolClass, batch, stats)
    ordinal = 0
    for school in schools:
        n_classes = max(1, math.ceil(school.children / CLASS_SIZE))
        for position in range(n_classes + 1):
            ordinal += 1
            uid = deterministic_uuid(rng)
            phone = phone_of(ordinal)
            user_id = ids["user"]
            ids["user"] += 1
            users.add(
                {
                    "id": user_id,
                    "uid": uid,
                    "phone": seal.encrypt(phone, f"user.phone:{uid}".encode()),
                    "phone_hash": seal.blind_index(phone, "user.phone"),
                    "name": f"{rng.choice(SURNAME_LIST)}老师",
                    "password_hash": password,
                    "is_active": True,
                    "locale": None,
                    "created_at": created,
                }
            )
            role = "principal" if position == 0 else "class_teacher"
            memberships.add(
                {
                    "id": ids["membership"],
                    "tenant_id": school.id,
                    "user_id": user_id,
                    "role": role,
                    "created_at": created,
                }
            )
            ids["membership"] += 1
            school.staff_ids.append(user_id)
            if position == 0:
                continue
            grade, section = (position - 1) % 6 + 1, (position - 1) // 6 + 1
            school.class_ids.append(ids["school_class"])
            classes.add(
                {
                    "id": ids["school_class"],
                    "tenant_id": school.id,
                    "name": f"{'一二三四五六'[grade - 1]}年级{section}班",
                    "stage": "primary",
                    "grade": grade,
                    "section": section,
                    "teacher_id": user_id,
                    "is_active": True,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            ids["school_class"] += 1
    # users before memberships and classes, which refer to them
    users.close()
    memberships.close()
    classes.close()


def _calendar(
    connection: Connection,
    schools: list[School],
    ids: dict[str, int],
    anchor: date,
    created: datetime,
    batch: int,
    stats: Stats,
) -> None:
    """The school year around the anchor, in two terms (September and February)."""
    start_year = anchor.year if anchor.month >= 8 else anchor.year - 1
    years = Writer(connection, SchoolYear, batch, stats)
    terms = Writer(connection, Term, batch, stats)
    spans = [
        (1, "第一学期", date(start_year, 9, 1), date(start_year + 1, 1, 22)),
        (2, "第二学期", date(start_year + 1, 2, 22), date(start_year + 1, 7, 9)),
    ]
    stamps = {"created_at": created, "updated_at": created}
    for school in schools:
        year_id = ids["school_year"]
        ids["school_year"] += 1
        years.add(
            {
                "id": year_id,
                "tenant_id": school.id,
                "name": f"{start_year}—{start_year + 1}学年",
                "starts_on": spans[0][2],
                "ends_on": spans[-1][3],
                **stamps,
            }
        )
        for number, name, starts_on, ends_on in spans:
            terms.add(
                {
                    "id": ids["term"],
                    "tenant_id": school.id,
                    "school_year_id": year_id,
                    "number": number,
                    "name": name,
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    **stamps,
                }
            )
            ids["term"] += 1
    years.close()
    terms.close()


def _children(
    connection: Connection,
    schools: list[School],
    rng: random.Random,
    ids: dict[str, int],
    anchor: date,
    created: datetime,
    batch: int,
    stats: Stats,
) -> None:
    children = Writer(connection, Child, batch, stats)
    left_behind = ["one_parent"] * 40 + ["both_parents"] * 25 + ["none"] * 35
    for school in schools:
        for i in range(school.children):
            gender = rng.choice(("male", "female"))
            given = rng.choice(BOY_GIVEN if gender == "male" else GIRL_GIVEN)
            name = rng.choice(SURNAME_LIST) + given
            pinyin, initials = search_keys(name)
            class_index = i * len(school.class_ids) // school.children
            grade = class_index % 6 + 1
            lbt = rng.choice(left_behind)
            birth = date(anchor.year - 6 - grade, rng.randint(1, 12), rng.randint(1, 28))
            child_id = ids["child"]
            ids["child"] += 1
            school.child_ids.append(child_id)
            children.add(
                {
                    "id": child_id,
                    "tenant_id": school.id,
                    "uid": deterministic_uuid(rng),
                    "name": name,
                    "name_pinyin": pinyin,
                    "name_initials": initials,
                    "gender": gender,
                    "birth_date": birth,
                    "ethnicity": "汉族",
                    "class_id": school.class_ids[class_index],
                    "enrolled_on": date(anchor.year - grade, 9, 1),
                    "status": "active",
                    "is_boarder": rng.random() < 0.3,
                    "rides_bus": rng.random() < 0.2,
                    "left_behind_type": lbt,
                    "civil_parent_condition": lbt == "both_parents",
                    "is_migrant": False,
                    "created_at": created,
                    "updated_at": created,
                }
            )
    children.close()


def _talks(
    connection: Connection,
    schools: list[School],
    total: int,
    rng: random.Random,
    ids: dict[str, int],
    anchor: date,
    batch: int,
    stats: Stats,
    seal: Any,
) -> None:
    """Talks spread over the last year, per school in proportion to its children; inside a
    school the children drawn uniformly and the authors by Zipf weights (a few write most)."""
    records = Writer(connection, CareRecord, batch, stats)
    shares = split(total, [s.children for s in schools], minimum=0)
    topic_sets = [",".join(sorted(rng.sample(TOPICS, k))) for k in (1, 1, 2, 2, 3) * 4]
    for school, n in zip(schools, shares, strict=True):
        authors = school.staff_ids
        weights = zipf_weights(len(authors))
        cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
        for _ in range(n):
            uid = deterministic_uuid(rng)
            day = anchor - timedelta(days=int(rng.triangular(0, HISTORY_DAYS, 0)))
            at = datetime(day.year, day.month, day.day, 12, tzinfo=SCHOOL_TIMEZONE)
            at = at + timedelta(minutes=rng.randint(-240, 300))
            author = authors[_pick(rng, cumulative)]
            mood = rng.choice("1223444455")
            notes = rng.choice(NOTES)
            records.add(
                {
                    "id": ids["care_record"],
                    "tenant_id": school.id,
                    "uid": uid,
                    "child_id": rng.choice(school.child_ids),
                    "kind": "talk",
                    "author_id": author,
                    "happened_at": at,
                    "happened_on": day,
                    "channel": rng.choice(CHANNELS),
                    "direction": None,
                    "parent_id": None,
                    "guardian_id": None,
                    "minutes": rng.choice((5, 10, 10, 15, 20, 30)),
                    "topics": rng.choice(topic_sets),
                    "mood": mood,
                    "concern": mood == "1",
                    "notes": seal.encrypt(notes, f"care_record.notes:{uid}".encode()),
                    "details": None,
                    "follow_up": None,
                    "follow_up_due": None,
                    "follow_up_done_on": None,
                    "follow_up_done_by_id": None,
                    "amends_id": None,
                    "amend_reason": None,
                    "group_uid": None,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            ids["care_record"] += 1
    records.close()


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    point = rng.random() * cumulative[-1]
    low, high = 0, len(cumulative) - 1
    while low < high:
        middle = (low + high) // 2
        if cumulative[middle] < point:
            low = middle + 1
        else:
            high = middle
    return low


def _audit(
    connection: Connection,
    schools: list[School],
    total: int,
    rng: random.Random,
    ids: dict[str, int],
    anchor: date,
    batch: int,
    stats: Stats,
) -> None:
    """Who opened, created and changed what: card views mostly, over the last year."""
    events = Writer(connection, AuditEvent, batch, stats)
    shares = split(total, [s.children for s in schools], minimum=0)
    midnight = datetime(anchor.year, anchor.month, anchor.day, tzinfo=SCHOOL_TIMEZONE)
    for school, n in zip(schools, shares, strict=True):
        # Each school's rows form its hash chain (core/audit.py), oldest first, as the app
        # would have written them: audit-verify holds on generated data too.
        previous = GENESIS
        times = sorted(
            midnight - timedelta(seconds=rng.randint(0, HISTORY_DAYS * 86_400)) for _ in range(n)
        )
        for seq, at in enumerate(times, start=1):
            action = rng.choice(AUDIT_ACTIONS)
            child_id = rng.choice(school.child_ids)
            row = {
                "id": ids["audit_event"],
                "tenant_id": school.id,
                "seq": seq,
                "at": at,
                "actor_id": rng.choice(school.staff_ids),
                "action": action,
                "subject": "child" if action != "create" else "care_record",
                "subject_id": child_id,
                "child_id": child_id,
                "fields": '["notes"]' if action == "update" else None,
                "reason": None,
                "ip": None,
                "prev_hash": previous,
            }
            row["row_hash"] = previous = row_hash_of(row)
            events.add(row)
            ids["audit_event"] += 1
    events.close()


def generated_counts(connection: Connection) -> dict[str, int]:
    """Rows of each table that belong to the generated schools (or their staff)."""
    tenant = Tenant.__table__
    ids = select(tenant.c.id).where(tenant.c.slug.like(f"{SLUG_PREFIX}%"))
    counts = {"tenant": connection.scalar(select(func.count()).where(tenant.c.id.in_(ids)))}
    for model in (SchoolClass, Child, CareRecord, AuditEvent, Membership, Term):
        table = model.__table__
        counts[table.name] = connection.scalar(
            select(func.count()).select_from(table).where(table.c.tenant_id.in_(ids))
        )
    return counts


def checksum(connection: Connection) -> str:
    """SHA-256 over the generated rows, every column but the ciphertexts (random nonces)."""
    digest = hashlib.sha256()
    tenant = Tenant.__table__
    ids = select(tenant.c.id).where(tenant.c.slug.like(f"{SLUG_PREFIX}%"))
    for model in (Tenant, SchoolClass, Child, CareRecord, AuditEvent, Membership, Term):
        table = model.__table__
        columns = [c for c in table.c if c.name not in {"notes", "phone"}]
        key = table.c.id if model is Tenant else table.c.tenant_id
        query = select(*columns).where(key.in_(ids)).order_by(table.c.id)
        for row in connection.execute(query):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def teachers(connection: Connection, slug: str) -> list[tuple[str, int]]:
    """(phone, class id) of the class teachers of a generated school, first class first."""
    tenant = Tenant.__table__
    classes = SchoolClass.__table__
    rows = connection.execute(
        select(classes.c.teacher_id, classes.c.id)
        .join(tenant, tenant.c.id == classes.c.tenant_id)
        .where(tenant.c.slug == slug)
        .order_by(classes.c.id)
    ).all()
    first = _first_generated_user(connection)
    return [(phone_of(user_id - first + 1), class_id) for user_id, class_id in rows]


def _first_generated_user(connection: Connection) -> int:
    tenant, staff = Tenant.__table__, Membership.__table__
    return connection.scalar(
        select(func.min(staff.c.user_id))
        .join(tenant, tenant.c.id == staff.c.tenant_id)
        .where(tenant.c.slug.like(f"{SLUG_PREFIX}%"))
    )


def print_table(stats: Stats, scale: float, backend: str) -> None:
    print(f"gen_data at S={scale} into {backend}")
    print(f"{'table':<16}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
    total_rows, total_seconds = 0, 0.0
    for name, rows in stats.rows.items():
        seconds = stats.seconds.get(name, 0.0)
        total_rows, total_seconds = total_rows + rows, total_seconds + seconds
        print(f"{name:<16}{rows:>12,}{seconds:>10.2f}{rows / max(seconds, 1e-9):>12,.0f}")
    rate = total_rows / max(total_seconds, 1e-9)
    print(f"{'all':<16}{total_rows:>12,}{total_seconds:>10.2f}{rate:>12,.0f}")


def iter_rows(stats: Stats) -> Iterator[dict[str, Any]]:
    for name, rows in stats.rows.items():
        seconds = stats.seconds.get(name, 0.0)
        yield {"table": name, "rows": rows, "seconds": round(seconds, 3)}


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--anchor", type=date.fromisoformat, help="today (Beijing), YYYY-MM-DD")
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--checksum", action="store_true", help="also print the checksum")
    args = parser.parse_args(list(argv) if argv is not None else None)

    from webapp import create_app

    app = create_app(env=os.environ.get("SHOUWANG_ENV", "development"))
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        backend = db.engine.dialect.name
    started = time.perf_counter()
    stats = generate(app, args.scale, args.seed, args.anchor, args.batch)
    wall = time.perf_counter() - started
    print_table(stats, args.scale, backend)
    print(f"wall clock {wall:.1f} s")
    result: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": backend,
        "scale": args.scale,
        "seed": args.seed,
        "wall_seconds": round(wall, 2),
        "tables": list(iter_rows(stats)),
    }
    if args.checksum:
        with app.app_context(), db.engine.connect() as connection:
            result["checksum"] = checksum(connection)
        print(f"checksum {result['checksum']}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "gen_data.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
