"""``flask audit-verify``: walk each school's audit chain and name the first row that breaks."""

from __future__ import annotations

import click
from sqlalchemy import select

from webapp.core.audit import verify_chain
from webapp.core.org import Tenant
from webapp.extensions import db

WHY = {
    "row_hash": "its content no longer matches its hash (changed after it was written)",
    "prev_hash": "it does not follow the row before it (a row before it was changed or removed)",
    "missing": "rows before it are missing",
    "duplicate": "its place in the chain is taken twice",
}


@click.command("audit-verify")
@click.option("--tenant", "slug", help="Only this school (its slug).")
def audit_verify(slug: str | None) -> None:
    """Verify the hash chain of the audit log of every school (or one)."""
    statement = select(Tenant.id, Tenant.slug).order_by(Tenant.id)
    if slug:
        statement = statement.where(Tenant.slug == slug)
    tenants = db.session.execute(statement).all()
    if slug and not tenants:
        raise click.ClickException(f"no school with the slug {slug!r}")
    connection = db.session.connection()
    broken = False
    for tenant_id, tenant_slug in tenants:
        found = verify_chain(connection, tenant_id)
        if found is None:
            click.echo(f"{tenant_slug}: chain intact")
            continue
        broken = True
        click.echo(
            f"{tenant_slug}: BROKEN at audit row {found.row_id} (place {found.seq} in the chain):"
            f" {WHY[found.why]}",
            err=True,
        )
    db.session.rollback()
    if broken:
        raise SystemExit(1)
