"""Offboarding a school (退出): export every row and file it owns, check the export, then purge.

Run by an operator only (``flask tenant-offboard <slug> --export <dir>``), never from the web.
The export is written first and read back: each table's file must hold as many rows as the
database does, and each file must read back to the bytes it was written with. Only then, in one
transaction, every row of every tenant table that carries the school's id is deleted (children
before the tables they point at), the audit log through its sanctioned ``purging()`` path, then
the memberships and the school itself (its bare name stays while another school's
history names it); its sealed files are removed after the commit.

Sensitive fields are written decrypted under their public names (the ciphertext is bound to this
deployment's key and would be of no use to the school): the export directory must be kept as the
school's own archive is kept, and handed over, not left on the server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID

from flask import current_app
from sqlalchemy import Table, delete, func, or_, select
from sqlalchemy.orm import Session

from webapp.core.audit import purging
from webapp.core.crypto import cipher, sensitive_field_names
from webapp.core.db import Base
from webapp.core.org import Membership, Tenant
from webapp.core.tenancy import ALL_TENANTS, tenant_tables

MANIFEST = "manifest.json"
TABLES = "tables"
FILES = "files"


class OffboardingRefused(RuntimeError):
    """The school cannot be offboarded as asked; nothing was changed."""


@dataclass
class ExportSummary:
    directory: Path
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # file name → sha256

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def purge_order() -> list[Table]:
    """Tenant tables, each after every table that points at it (delete in this order)."""
    tables = tenant_tables()
    return [table for table in reversed(Base.metadata.sorted_tables) if table in tables]


def file_directory(tenant_id: int) -> Path:
    return Path(current_app.instance_path) / "files" / str(tenant_id)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date | UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, frozenset | set):
        return sorted(str(v) for v in value)
    return value


class _Sealed:
    """What Sensitive needs to open one row's value: its table and uid."""

    def __init__(self, tablename: str, uid: Any) -> None:
        self.__tablename__ = tablename
        self.uid = uid


def _openers(table: Table) -> dict[str, tuple[str, Any]]:
    """sealed column name → (public field name, its Sensitive descriptor)."""
    mapper = next((m for m in Base.registry.mappers if m.local_table is table), None)
    if mapper is None:
        return {}
    openers = {}
    for sealed_attribute, public in sensitive_field_names(mapper.class_).items():
        column = mapper.attrs[sealed_attribute].columns[0]
        openers[column.name] = (public, getattr(mapper.class_, public))
    return openers


def readable_rows(session: Session, table: Table, tenant_id: int) -> Iterator[dict[str, Any]]:
    """The school's rows of one table, sensitive fields opened and blind indexes left out."""
    openers = _openers(table)
    hashes = {c.name for c in table.columns if c.name.endswith("_hash")} if openers else set()
    if table.name == "audit_event":
        hashes = set()  # the chain's own hashes are part of what the export proves
    statement = (
        select(table)
        .where(table.c.tenant_id == tenant_id)
        .order_by(table.c.id)
        .execution_options(**{ALL_TENANTS: True})
    )
    for row in session.execute(statement).mappings():
        out: dict[str, Any] = {}
        for name, value in row.items():
            if name in hashes:
                continue
            if name in openers:
                public, descriptor = openers[name]
                out[public] = _plain(_opened(descriptor, table.name, row["uid"], value))
                continue
            out[name] = _plain(value)
        yield out


def _opened(descriptor: Any, tablename: str, uid: Any, token: str | None) -> Any:
    if token is None:
        return descriptor.empty()
    associated = descriptor.associated_data(_Sealed(tablename, uid))
    return descriptor.load(cipher().decrypt(token, associated))


def count_rows(session: Session, table: Table, tenant_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(table)
        .where(table.c.tenant_id == tenant_id)
        .execution_options(**{ALL_TENANTS: True})
    )


def refuse_unless_ready(session: Session, slug: str, directory: Path | None) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise OffboardingRefused(f"no school with the slug {slug!r}")
    if directory is None:
        raise OffboardingRefused("--export <dir> is required: nothing is purged before it is kept")
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise OffboardingRefused(f"{directory} is not an empty directory")
    return tenant


def other_schools_pointing_at(session: Session, tenant_id: int) -> list[str]:
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if column.name == "tenant_id" or not any(
                fk.column.table.name == "tenant" for fk in column.foreign_keys
            ):
                continue
            others = select(func.count()).select_from(table).where(column == tenant_id)
            if "tenant_id" in table.c:
                others = others.where(
                    or_(table.c.tenant_id != tenant_id, table.c.tenant_id.is_(None))
                )
            count = session.scalar(others.execution_options(**{ALL_TENANTS: True}))
            if count:
                found.append(f"{table.name}.{column.name}: {count}")
    return found


def _write_lines(path: Path, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True, default=str) + "\n")
            count += 1
    return count


def _members(session: Session, tenant_id: int) -> Iterator[dict[str, Any]]:
    from webapp.auth.models import User

    rows = session.execute(
        select(Membership, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.tenant_id == tenant_id)
        .order_by(Membership.id)
    )
    for membership, name in rows:
        yield {
            "id": membership.id,
            "tenant_id": membership.tenant_id,
            "user_id": membership.user_id,
            "user_name": name,
            "role": membership.role.value,
            "created_at": _plain(membership.created_at),
        }


def export(session: Session, tenant: Tenant, directory: Path) -> ExportSummary:
    """Write every row and file of the school under ``directory``; returns what was written."""
    summary = ExportSummary(directory)
    (directory / TABLES).mkdir(parents=True, exist_ok=True)
    (directory / FILES).mkdir(exist_ok=True)
    school = {"id": tenant.id, "slug": tenant.slug, "name": tenant.name,
              "kind": tenant.kind.value, "org_unit_id": tenant.org_unit_id,
              "created_at": _plain(tenant.created_at)}  # fmt: skip
    summary.rows["tenant"] = _write_lines(directory / TABLES / "tenant.jsonl", iter([school]))
    summary.rows["membership"] = _write_lines(
        directory / TABLES / "membership.jsonl", _members(session, tenant.id)
    )
    for table in sorted(tenant_tables(), key=lambda t: t.name):
        summary.rows[table.name] = _write_lines(
            directory / TABLES / f"{table.name}.jsonl", readable_rows(session, table, tenant.id)
        )
    from webapp.core.files import load_sealed

    stored = file_directory(tenant.id)
    for sealed in sorted(stored.glob("*.bin")) if stored.is_dir() else []:
        data = load_sealed(tenant.id, UUID(sealed.stem))
        name = sealed.stem + (".pdf" if data.startswith(b"%PDF-") else ".jpg")
        (directory / FILES / name).write_bytes(data)
        summary.files[name] = hashlib.sha256(data).hexdigest()
    manifest = {
        "school": school,
        "exported_at": datetime.now(UTC).replace(tzinfo=None).isoformat(),
        "rows": summary.rows,
        "files": summary.files,
        "note": "Sensitive fields are decrypted: keep this export as the school's archive.",
    }
    (directory / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    return summary


def verify(session: Session, tenant: Tenant, summary: ExportSummary) -> None:
    """Read the export back against the database; raises unless every row and file is there."""
    directory = summary.directory
    expected = {table.name: count_rows(session, table, tenant.id) for table in tenant_tables()}
    expected["tenant"] = 1
    expected["membership"] = session.scalar(
        select(func.count()).select_from(Membership).where(Membership.tenant_id == tenant.id)
    )
    for name, count in expected.items():
        path = directory / TABLES / f"{name}.jsonl"
        with path.open(encoding="utf-8") as lines:
            written = sum(1 for line in lines if json.loads(line) is not None)
        if written != count or summary.rows.get(name) != count:
            raise OffboardingRefused(f"{name}: {written} rows exported, {count} in the database")
    stored = file_directory(tenant.id)
    originals = {p.stem for p in stored.glob("*.bin")} if stored.is_dir() else set()
    if {Path(name).stem for name in summary.files} != originals:
        raise OffboardingRefused("the exported files are not the school's stored files")
    for name, digest in summary.files.items():
        if hashlib.sha256((directory / FILES / name).read_bytes()).hexdigest() != digest:
            raise OffboardingRefused(f"file {name} does not read back as written")


def purge(session: Session, tenant: Tenant) -> tuple[dict[str, int], list[str]]:
    """Delete every row the school owns (the caller commits, then removes its files).

    Returns the rows deleted per table, and what kept the school's own row: another school's
    history that names it (a child transferred from it). That row is then kept as a bare name
    (inactive, under no oversight unit, nobody a member), since changing another school's
    records is not this school's offboarding.
    """
    deleted: dict[str, int] = {}
    with purging(session):
        for table in purge_order():
            result = session.execute(
                delete(table)
                .where(table.c.tenant_id == tenant.id)
                .execution_options(**{ALL_TENANTS: True})
            )
            deleted[table.name] = result.rowcount
        deleted["membership"] = session.execute(
            delete(Membership).where(Membership.tenant_id == tenant.id)
        ).rowcount
    kept_by = other_schools_pointing_at(session, tenant.id)
    if kept_by:
        tenant.is_active, tenant.org_unit_id = False, None
    else:
        session.delete(tenant)
        deleted["tenant"] = 1
    session.flush()
    return deleted, kept_by


def remove_files(tenant_id: int) -> None:
    shutil.rmtree(file_directory(tenant_id), ignore_errors=True)
