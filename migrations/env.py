"""Alembic environment: the app's engine and metadata; SQLite foreign keys paused meanwhile.

Batch migrations on SQLite rebuild tables, which foreign-key enforcement would refuse half-way;
so enforcement is off during the upgrade and `PRAGMA foreign_key_check` proves the result.

On PostgreSQL a migration works on every school's rows (``shouwang.all_tenants`` on for its
transaction, as row security asks of the owner too), and once the row-security policies are in
force every upgrade step is followed by ``apply_row_security``: a tenant table a later
migration adds gets its policy without anyone remembering to.
"""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

from webapp.core.db import UTCDateTime  # noqa: E402
from webapp.core.row_security import (  # noqa: E402
    apply_row_security,
    open_all_tenants,
    row_security_in_force,
)

migrate_ext = current_app.extensions["migrate"]
engine = migrate_ext.db.engine
target_metadata = migrate_ext.db.metadata
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def render_item(type_, obj, autogen_context):
    """Migrations stand alone: the app's column types are written as plain SQLAlchemy types."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, sa.Enum) and not obj.native_enum:
        return f"sa.String(length={obj.length})"  # values live in the code, not the schema
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def keep_row_security(ctx, step, heads, run_args) -> None:
    if step.is_upgrade and row_security_in_force(ctx.connection):
        apply_row_security(ctx.connection)


def run_migrations_online() -> None:
    def skip_empty(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(migrate_ext.configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty)
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("on_version_apply", keep_row_security)

    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        # On the driver's connection: the pragma is ignored inside a transaction.
        raw = connection.connection.driver_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
            with context.begin_transaction():
                open_all_tenants(connection)  # nothing on SQLite
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        finally:
            if raw is not None:
                if connection.in_transaction():
                    connection.rollback()  # only the check above is open; it wrote nothing
                raw.execute("PRAGMA foreign_keys=ON")
                if raw.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
                    connection.invalidate()  # never hand the pool a connection without them


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
