"""PostgreSQL row-level security: the second wall behind the tenant filter (tenancy.py).

Every table with a ``tenant_id`` column gets a forced policy, ``tenant_isolation``: a row is
visible and writable only while the transaction names its tenant in ``shouwang.tenant_id``, or
while a sanctioned cross-tenant statement (``ALL_TENANTS``: oversight, the CLI, migrations) has
``shouwang.all_tenants`` on. FORCE makes the policy hold for the tables' owner too; only a
superuser or a role with BYPASSRLS passes it, which is why the app connects as a role that owns
nothing and holds only SELECT, INSERT, UPDATE and DELETE (``flask db-grant-app-role``).

The settings follow the session, statement by statement: before a statement goes to the
database, the connection is given the tenant the session works for (``set_tenant`` or
``tenant_context``) and whether this one statement opted out. Both are transaction-local
(``set_config(..., true)``), so nothing outlives the transaction, and a connection back in the
pool carries no tenant. A statement the Python filter would let through is let through here,
and nothing more: the policy catches what a bug in the filter, a ``text()`` query or a
hand-made connection would otherwise leak.

The policy is put on by a migration, and again after every later migration step (migrations/
env.py), so a tenant table added later is covered without anyone remembering to;
``tests/core/test_row_security.py`` fails if one is not.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import ORMExecuteState, Session

from webapp.core.tenancy import ALL_TENANTS, SESSION_OF_CONNECTION, TENANT_KEY

POLICY = "tenant_isolation"
TENANT_SETTING = "shouwang.tenant_id"
ALL_TENANTS_SETTING = "shouwang.all_tenants"
RULE = (
    f"tenant_id = NULLIF(current_setting('{TENANT_SETTING}', true), '')::integer"
    f" OR current_setting('{ALL_TENANTS_SETTING}', true) = 'on'"
)

# Tables with a tenant_id column that are not a school's data, with the reason.
NOT_TENANT_DATA = {
    "membership": "who works at which school: read at login, before any school is chosen",
}

_INTEGER_TYPES = frozenset({"integer", "bigint", "smallint"})


class RowSecurityError(RuntimeError):
    """The database cannot be given (or the app role cannot be given) row security as asked."""


# --- The policies ------------------------------------------------------------------------------


def tenant_table_names(connection: Connection) -> list[str]:
    """Every table of the current schema with a tenant_id column, less ``NOT_TENANT_DATA``."""
    rows = connection.execute(
        text(
            "SELECT c.table_name, c.data_type FROM information_schema.columns c"
            " JOIN information_schema.tables t"
            " ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
            " WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id'"
            " AND t.table_type = 'BASE TABLE' ORDER BY c.table_name"
        )
    ).all()
    odd = [f"{name} ({data_type})" for name, data_type in rows if data_type not in _INTEGER_TYPES]
    if odd:
        raise RowSecurityError(f"tenant_id is not an integer in: {', '.join(odd)}")
    return [name for name, _type in rows if name not in NOT_TENANT_DATA]


def missing_row_security(connection: Connection) -> dict[str, list[str]]:
    """Tenant tables whose wall is not whole, with what each lacks ({} when all hold)."""
    state = {
        name: (enabled, forced, has_policy)
        for name, enabled, forced, has_policy in connection.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
                " EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = n.nspname"
                " AND p.tablename = c.relname AND p.policyname = :policy)"
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            ),
            {"policy": POLICY},
        )
    }
    missing = {}
    for name in tenant_table_names(connection):
        enabled, forced, has_policy = state.get(name, (False, False, False))
        lacks = [
            what
            for what, held in (("enabled", enabled), ("forced", forced), (POLICY, has_policy))
            if not held
        ]
        if lacks:
            missing[name] = lacks
    return missing


def apply_row_security(connection: Connection) -> list[str]:
    """Put the forced policy on every tenant table that lacks it; returns the tables changed.

    Safe to run again: tables that already hold are left alone. Later migrations need not call
    it (env.py does after each step), but may, to cover a table within their own step.
    """
    if connection.dialect.name != "postgresql":
        return []
    missing = missing_row_security(connection)
    for name, lacks in missing.items():
        table = connection.dialect.identifier_preparer.quote(name)
        connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        connection.exec_driver_sql(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        if POLICY in lacks:
            connection.exec_driver_sql(
                f"CREATE POLICY {POLICY} ON {table} USING ({RULE}) WITH CHECK ({RULE})"
            )
    return list(missing)


def remove_row_security(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    for name in tenant_table_names(connection):
        table = connection.dialect.identifier_preparer.quote(name)
        connection.exec_driver_sql(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        connection.exec_driver_sql(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def row_security_in_force(connection: Connection) -> bool:
    """Whether this database has been given the policies (by the migration that brings them)."""
    if connection.dialect.name != "postgresql":
        return False
    return bool(
        connection.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_policies"
                " WHERE schemaname = current_schema() AND policyname = :policy)"
            ),
            {"policy": POLICY},
        ).scalar()
    )


def open_all_tenants(connection: Connection) -> None:
    """Let this transaction read and write every school's rows (migrations, bulk loaders)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT set_config(:name, 'on', true)"), {"name": ALL_TENANTS_SETTING}
        )


# --- The app's role ----------------------------------------------------------------------------


def grant_app_role(connection: Connection, role: str) -> None:
    """Give ``role`` the rights the app needs and no more, on every table now and later.

    Run as the owner of the tables (the role migrations run as): the default privileges then
    cover the tables its later migrations create. Refuses a role that would pass the policies.
    """
    found = connection.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    if found is None:
        raise RowSecurityError(f"no role {role!r}: CREATE ROLE {role} LOGIN PASSWORD '…' first")
    if found.rolsuper or found.rolbypassrls:
        raise RowSecurityError(f"{role} is a superuser or bypasses row security")
    if connection.scalar(text("SELECT pg_has_role(:role, current_user, 'USAGE')"), {"role": role}):
        raise RowSecurityError(f"{role} is or inherits the owner's rights: it must own nothing")
    owned = connection.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND pg_get_userbyid(c.relowner) = :role"
        ),
        {"role": role},
    ).scalars()
    owned = list(owned)
    if owned:
        raise RowSecurityError(f"{role} owns {', '.join(sorted(owned)[:5])}: it must own nothing")
    quote = connection.dialect.identifier_preparer.quote
    name, schema = quote(role), quote(connection.execute(text("SELECT current_schema()")).scalar())
    for statement in (
        f"GRANT USAGE ON SCHEMA {schema} TO {name}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {name}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}"
        f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {name}",
        # The app never changes the schema's bookkeeping.
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {name}",
    ):
        connection.exec_driver_sql(statement)


def why_the_policies_do_not_hold(connection: Connection) -> str | None:
    """Why the policies would not bind the role this connection works as, or None."""
    if connection.dialect.name != "postgresql":
        return None
    role = connection.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).one()
    if role.rolsuper or role.rolbypassrls:
        return "it is a superuser or bypasses row security"
    owned = connection.scalar(
        text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND pg_has_role(c.relowner, 'USAGE')"
        )
    )
    if owned:
        return "it owns the tables, so it could lift the policies"
    return None


# --- Following the session ---------------------------------------------------------------------

_SESSION = SESSION_OF_CONNECTION
_APPLIED = "shouwang.row_security.applied"
_UNKNOWN = object()
# A transaction begins with neither setting (transaction-local values end with the transaction).
_AT_BEGIN: tuple[int | None, bool] = (None, False)
_SAVEPOINT_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
_SET = "SELECT set_config(%s, %s, true), set_config(%s, %s, true)"


def configure_postgresql(engine: Engine) -> None:
    """Hand each statement's tenant to the database (the app's engine; see the module doc)."""
    event.listen(engine, "begin", _at_begin)
    event.listen(engine, "commit", _at_end)
    event.listen(engine, "rollback", _at_end)
    event.listen(engine, "rollback_savepoint", _after_savepoint_rollback)
    event.listen(engine, "before_cursor_execute", _before_cursor_execute)


def _at_begin(connection: Connection) -> None:
    # A session that joins the transaction says so next (after_begin); a plain connection
    # stays its own.
    connection.info.pop(_SESSION, None)
    connection.info[_APPLIED] = _AT_BEGIN


def _at_end(connection: Connection) -> None:
    connection.info.pop(_SESSION, None)
    connection.info[_APPLIED] = _AT_BEGIN


def _after_savepoint_rollback(connection: Connection, _name: Any, _context: Any) -> None:
    # The settings went back to whatever they were when the savepoint began.
    connection.info[_APPLIED] = _UNKNOWN


def _before_cursor_execute(
    connection: Connection,
    _cursor: Any,
    statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    if statement.startswith(_SAVEPOINT_STATEMENTS):
        return  # a rollback to it would undo the setting given just before
    ref = connection.info.get(_SESSION)
    session = ref() if ref is not None else None
    if session is None:
        return  # a connection of its own (migrations, scripts): it sets what it needs itself
    options = context.execution_options if context is not None else {}
    wanted = (session.info.get(TENANT_KEY), bool(options.get(ALL_TENANTS)))
    if connection.info.get(_APPLIED) == wanted:
        return
    tenant_id, all_tenants = wanted
    with connection.connection.cursor() as cursor:
        cursor.execute(
            _SET,
            (
                TENANT_SETTING,
                "" if tenant_id is None else str(tenant_id),
                ALL_TENANTS_SETTING,
                "on" if all_tenants else "off",
            ),
        )
    connection.info[_APPLIED] = wanted


def _follow(session: Session) -> None:
    # Sessions may take turns on one connection (a test's, joined by each session in turn):
    # the one about to run SQL is the one whose tenant counts.
    if session.get_bind().dialect.name == "postgresql":
        session.connection().info[_SESSION] = weakref.ref(session)


@event.listens_for(Session, "after_begin")
def _follow_session(session: Session, _transaction: Any, connection: Connection) -> None:
    connection.info[_SESSION] = weakref.ref(session)


@event.listens_for(Session, "before_flush", insert=True)  # before the audit chain reads its head
def _follow_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    _follow(session)


@event.listens_for(Session, "do_orm_execute")
def _follow_statement(state: ORMExecuteState) -> None:
    _follow(state.session)
    # Refreshing an object the session already holds, by primary key: the tenant filter lets it
    # through whatever the tenant (it was read legitimately), and so does the policy.
    if state.is_column_load:
        state.update_execution_options(**{ALL_TENANTS: True})
