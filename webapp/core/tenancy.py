"""Tenant isolation, enforced in one place.

Every ORM statement that touches a tenant table gets ``tenant_id = :current`` added to every
occurrence of every tenant entity (joins, subqueries and aliases included). With no tenant set
the statement raises: the filter fails closed. New rows are stamped with the current tenant
before the flush, and any row written for another tenant is refused. Oversight reports, the
CLI and migrations opt out with ``execution_options(all_tenants=True)`` and name the tenants
they read themselves. On PostgreSQL the database holds the same line behind this one, with
row-level security that follows the session's tenant statement by statement (row_security.py).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import ForeignKey, ForeignKeyConstraint, Table, UniqueConstraint, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    object_session,
    with_loader_criteria,
)
from sqlalchemy.sql.util import find_tables

TENANT_KEY = "shouwang.tenant_id"
ALL_TENANTS = "all_tenants"
# On a connection's info: the session working on it now, whose tenant row security follows.
SESSION_OF_CONNECTION = "shouwang.session"


class TenantNotSet(RuntimeError):
    """A tenant table was queried or written with no tenant in scope."""


class TenantMismatch(RuntimeError):
    """A row of one tenant was about to be written while serving another."""


class TenantScoped:
    """A row that belongs to exactly one tenant (school, village school or kindergarten)."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), sort_order=-2)


def tenant_keys(*table_args: Any) -> tuple[Any, ...]:
    """``__table_args__`` for a tenant table: (tenant_id, id) unique, for composite references."""
    return (UniqueConstraint("tenant_id", "id"), *table_args)


def tenant_fk(column: str, target_table: str, **options: Any) -> ForeignKeyConstraint:
    """A reference to another tenant table that the database refuses across tenants."""
    return ForeignKeyConstraint(
        ["tenant_id", column], [f"{target_table}.tenant_id", f"{target_table}.id"], **options
    )


def same_tenant_join(model: str, column: str, target: str) -> str:
    """primaryjoin for a relationship over a composite tenant reference.

    Only ``column`` is marked foreign, so assigning the relationship never copies another
    tenant's id into ``tenant_id``; the database then refuses the mismatch.
    """
    return (
        f"and_({model}.tenant_id == {target}.tenant_id, foreign({model}.{column}) == {target}.id)"
    )


def current_tenant_id(session: Session) -> int | None:
    return session.info.get(TENANT_KEY)


def set_tenant(session: Session, tenant_id: int) -> None:
    """Bind a session to one tenant for its lifetime (one request serves one tenant)."""
    current = session.info.get(TENANT_KEY)
    if current is not None and current != tenant_id:
        raise TenantMismatch("this session already serves another tenant")
    session.info[TENANT_KEY] = tenant_id


@contextmanager
def tenant_context(session: Session, tenant_id: int) -> Iterator[None]:
    """Work for one tenant for a while (CLI, importers, tests), then return to the previous."""
    session.flush()
    previous = session.info.get(TENANT_KEY)
    session.info[TENANT_KEY] = tenant_id
    try:
        yield
        session.flush()
    finally:
        if previous is None:
            session.info.pop(TENANT_KEY, None)
        else:
            session.info[TENANT_KEY] = previous


_tenant_tables_cache: tuple[int, frozenset[Table]] = (-1, frozenset())


def tenant_tables() -> frozenset[Table]:
    global _tenant_tables_cache
    from webapp.core.db import Base

    mappers = Base.registry.mappers
    if _tenant_tables_cache[0] != len(mappers):
        tables = frozenset(m.local_table for m in mappers if issubclass(m.class_, TenantScoped))
        _tenant_tables_cache = (len(mappers), tables)  # type: ignore[assignment]
    return _tenant_tables_cache[1]


def touches_tenant_table(statement: Any) -> bool:
    found = find_tables(
        statement, check_columns=True, include_aliases=True, include_joins=True, include_crud=True
    )
    tables = tenant_tables()
    return any(table in tables for table in found)


@event.listens_for(Session, "do_orm_execute")
def _scope_statement_to_tenant(state: ORMExecuteState) -> None:
    # A column load refreshes an object this session already holds, by primary key.
    if state.is_column_load or state.execution_options.get(ALL_TENANTS):
        return
    tenant_id = state.session.info.get(TENANT_KEY)
    # Walking a statement to find its tables costs as much as a small query: done only where
    # the answer matters. With a tenant set the criteria go on every statement (they touch only
    # tenant entities), so only the fail-closed cases need the walk.
    if tenant_id is None or state.is_insert:
        if not touches_tenant_table(state.statement):
            return
        if tenant_id is None:
            raise TenantNotSet("a tenant table was queried with no tenant in scope")
        raise TenantNotSet("bulk INSERT into a tenant table must opt out and name its tenant")
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, _flush_context: Any, _instances: Any) -> None:
    tenant_id = session.info.get(TENANT_KEY)
    for obj in session.new:
        if isinstance(obj, TenantScoped) and obj.tenant_id is None:
            if tenant_id is None:
                raise TenantNotSet(f"a new {type(obj).__name__} has no tenant in scope")
            obj.tenant_id = tenant_id


def _refuse_other_tenant(_mapper: Any, _connection: Any, target: TenantScoped) -> None:
    # Runs after relationships have synchronised their keys, just before the SQL is emitted.
    session = object_session(target)
    tenant_id = session.info.get(TENANT_KEY) if session is not None else None
    if tenant_id is None:
        raise TenantNotSet(f"a {type(target).__name__} was written with no tenant in scope")
    if target.tenant_id != tenant_id:
        raise TenantMismatch(f"a {type(target).__name__} of another tenant was about to be written")


for _event_name in ("before_insert", "before_update", "before_delete"):
    event.listen(TenantScoped, _event_name, _refuse_other_tenant, propagate=True)


class AppSession(FlaskSession):
    """Flask-SQLAlchemy's session, with the identity map held to the tenant filter too."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        # A session given a connection (a test joining its outer transaction) keeps it.
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kw)

    def connection(self, *args: Any, **kwargs: Any) -> Any:
        # SQL run on the connection directly is held to this session's tenant too (row_security).
        connection = super().connection(*args, **kwargs)
        connection.info[SESSION_OF_CONNECTION] = weakref.ref(self)
        return connection

    def get(self, entity: Any, ident: Any, **kw: Any) -> Any:
        obj = super().get(entity, ident, **kw)
        # get() answers from the identity map without a query; answer as the filter would.
        if isinstance(obj, TenantScoped) and not (kw.get("execution_options") or {}).get(
            ALL_TENANTS
        ):
            tenant_id = self.info.get(TENANT_KEY)
            if tenant_id is None:
                raise TenantNotSet("a tenant table was queried with no tenant in scope")
            if obj.tenant_id != tenant_id:
                return None
        return obj
