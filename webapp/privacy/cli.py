"""``flask audit-verify``: walk each school's audit chain and name the first row that breaks."""

from __future__ import annotations

from pathlib import Path

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


@click.command("retention-anonymise")
@click.option("--tenant", "slug", help="Only this school (its slug).")
@click.option("--dry-run", is_flag=True, help="Count the cards due, change nothing.")
def retention_anonymise(slug: str | None, dry_run: bool) -> None:
    """Anonymise the cards of children who left more than three years ago (not on hold)."""
    from webapp.core.files import delete_file
    from webapp.core.i18n import local_today
    from webapp.core.tenancy import tenant_context
    from webapp.privacy import retention

    statement = select(Tenant.id, Tenant.slug).order_by(Tenant.id)
    if slug:
        statement = statement.where(Tenant.slug == slug)
    for tenant_id, tenant_slug in db.session.execute(statement).all():
        with tenant_context(db.session, tenant_id):
            cards = retention.due(db.session, local_today())
            photos = []
            if not dry_run:
                for child in cards:
                    photos += retention.anonymise(db.session, child)
        verb = "due" if dry_run else "anonymised"
        click.echo(f"{tenant_slug}: {len(cards)} cards {verb}")
        if dry_run:
            db.session.rollback()
            continue
        db.session.commit()
        for photo in photos:
            delete_file(tenant_id, photo)


@click.command("retention-hold")
@click.argument("slug")
@click.argument("child_id", type=int)
@click.argument("reason")
def retention_hold(slug: str, child_id: int, reason: str) -> None:
    """Keep a child's card whole past the retention period (a dispute, an open case)."""
    from webapp.core.tenancy import tenant_context
    from webapp.privacy import retention

    tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        raise click.ClickException(f"no school with the slug {slug!r}")
    with tenant_context(db.session, tenant_id):
        from webapp.children.models import Child

        if db.session.get(Child, child_id) is None:
            raise click.ClickException("no such child in that school")
        retention.place_hold(db.session, child_id, reason=reason, actor_id=None)
    db.session.commit()
    click.echo(f"{slug}: card {child_id} on hold")


@click.command("tenant-offboard")
@click.argument("slug")
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="An empty directory (or a new one) to write the school's export to. Required.",
)
def tenant_offboard(slug: str, export_dir: Path | None) -> None:
    """Export every row and file of a school, check the export, then delete them for good."""
    from webapp.core.tenancy import tenant_context
    from webapp.privacy import offboarding

    try:
        tenant = offboarding.refuse_unless_ready(db.session, slug, export_dir)
        assert export_dir is not None
        # Named as the school's own work, so a database that checks the tenant itself agrees.
        with tenant_context(db.session, tenant.id):
            summary = offboarding.export(db.session, tenant, export_dir)
            offboarding.verify(db.session, tenant, summary)
    except offboarding.OffboardingRefused as refused:
        db.session.rollback()
        raise click.ClickException(f"{refused}; nothing was deleted") from None
    click.echo(
        f"{slug}: exported {summary.total_rows} rows of {len(summary.rows)} tables and"
        f" {len(summary.files)} files to {export_dir}, read back and checked"
    )
    tenant_id = tenant.id
    with tenant_context(db.session, tenant_id):
        deleted, kept_by = offboarding.purge(db.session, tenant)
    db.session.commit()
    offboarding.remove_files(tenant_id)
    click.echo(f"{slug}: deleted {sum(deleted.values())} rows and its files")
    if kept_by:
        click.echo(
            f"{slug}: its name is kept, inactive and with no members, because other schools'"
            f" history names it ({', '.join(kept_by)})"
        )
    else:
        click.echo(f"{slug}: the school is gone")
