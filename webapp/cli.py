"""Commands: demo data, and setting up a real school without the demo."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.privacy.cli import (
    audit_verify,
    retention_anonymise,
    retention_hold,
    tenant_offboard,
)


def register(app: Flask) -> None:
    app.cli.add_command(demo_data)
    app.cli.add_command(create_school)
    app.cli.add_command(add_member)
    app.cli.add_command(demo_code)
    app.cli.add_command(audit_verify)
    app.cli.add_command(retention_anonymise)
    app.cli.add_command(retention_hold)
    app.cli.add_command(tenant_offboard)
    app.cli.add_command(security_matrix)


@click.command("security-matrix")
def security_matrix() -> None:
    """Print the permission matrix (role by permission) as markdown, for docs/security.md."""
    from webapp.core.permissions import permission_matrix

    click.echo(permission_matrix(), nl=False)


@click.command("demo-code")
def demo_code() -> None:
    """The demo authenticator's current code (the demo's principals and leads ask for it)."""
    from webapp.demo.authenticator import DEMO_TOTP_SECRET
    from webapp.demo.authenticator import demo_code as current_code

    if current_app.config["SHOUWANG_ENV"] == "production":
        raise click.ClickException("the demo authenticator does not exist in production")
    click.echo(f"{current_code()}  (key {DEMO_TOTP_SECRET}, valid for 30 seconds)")


@click.command("demo-data")
def demo_data() -> None:
    """Load the demo schools, accounts and children (safe to run twice)."""
    from webapp.demo import DEMO_PASSWORD
    from webapp.demo.data import load_demo_data

    if current_app.config["SHOUWANG_ENV"] == "production":
        raise click.ClickException("demo data is never loaded in production")
    report = load_demo_data(db.session)
    db.session.commit()
    if report.changed:
        created = ", ".join(f"{n} {kind}" for kind, n in report.created.items())
        click.echo(f"Demo data loaded: {created}.")
    else:
        click.echo("Demo data already present: nothing changed.")
    click.echo(f"Log in with 13800000002 (班主任, 阳光小学), password {DEMO_PASSWORD}")
    click.echo(
        "Principals and leads confirm exports and reveals with an authenticator code: "
        "`flask --app webapp demo-code` prints it."
    )


@click.command("create-school")
@click.argument("slug")
@click.argument("name")
@click.option(
    "--kind", type=click.Choice(["school", "village_school", "kindergarten"]), default="school"
)
@click.option("--unit", "unit_slug", help="slug of the oversight unit above it")
def create_school(slug: str, name: str, kind: str, unit_slug: str | None) -> None:
    """Create a tenant (a school, village school or kindergarten)."""
    from webapp.core.org import SLUG_PATTERN, OrgUnit, Tenant, TenantKind

    if not SLUG_PATTERN.match(slug):
        raise click.BadParameter(
            "lowercase letters, digits and hyphens, 2 to 40", param_hint="SLUG"
        )
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise click.ClickException(f"a school with slug {slug} exists")
    unit = None
    if unit_slug:
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.slug == unit_slug))
        if unit is None:
            raise click.ClickException(f"no oversight unit {unit_slug}")
    db.session.add(Tenant(slug=slug, name=name, kind=TenantKind(kind), org_unit=unit))
    db.session.commit()
    click.echo(f"Created {name} at /s/{slug}/")


@click.command("add-member")
@click.argument("slug")
@click.argument("phone")
@click.argument("name")
@click.argument("role")
def add_member(slug: str, phone: str, name: str, role: str) -> None:
    """Give a person (created if new, asked for a password) a role in a school."""
    from webapp.auth.service import create_user, find_user_by_phone, hash_password
    from webapp.core.cn import PhoneError, normalise_phone
    from webapp.core.org import Membership, Tenant
    from webapp.core.permissions import SCHOOL_ROLES, Role

    try:
        phone = normalise_phone(phone, allow_landline=False)
        role_value = Role(role)
    except (PhoneError, ValueError) as error:
        raise click.BadParameter(str(error)) from None
    if role_value not in SCHOOL_ROLES:
        raise click.BadParameter(f"not a school role: {role}")
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"no school {slug}")
    user = find_user_by_phone(db.session, phone)
    if user is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        user = create_user(
            db.session, phone=phone, name=name, password_hash=hash_password(password)
        )
    db.session.add(Membership(tenant=tenant, user_id=user.id, role=role_value))
    db.session.commit()
    click.echo(f"{name} is {role_value.value} at {tenant.name}")
