"""Roles, the permission table, and the one decorator that checks it.

Roles are held per tenant (or per oversight unit); the scope blueprints put the current
user's roles in ``g.roles``. A permission says what kind of act is allowed; which rows a role
may see (own class, paired children) is decided by each domain's queries.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g
from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    PRINCIPAL = "principal"
    COORDINATOR = "coordinator"
    CLASS_TEACHER = "class_teacher"
    TEACHER = "teacher"
    COUNSELLOR = "counsellor"
    ROOM_KEEPER = "room_keeper"
    ARCHIVIST = "archivist"
    KINDERGARTEN_TEACHER = "kindergarten_teacher"
    DORM_SUPERVISOR = "dorm_supervisor"
    SAFETY_LEAD = "safety_lead"
    VOLUNTEER = "volunteer"
    OVERSIGHT_OFFICER = "oversight_officer"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.PRINCIPAL: _l("Principal"),
    Role.COORDINATOR: _l("Programme coordinator"),
    Role.CLASS_TEACHER: _l("Class teacher"),
    Role.TEACHER: _l("Teacher"),
    Role.COUNSELLOR: _l("Counsellor"),
    Role.ROOM_KEEPER: _l("Children's home keeper"),
    Role.ARCHIVIST: _l("Archivist"),
    Role.KINDERGARTEN_TEACHER: _l("Kindergarten teacher"),
    Role.DORM_SUPERVISOR: _l("Dorm supervisor"),
    Role.SAFETY_LEAD: _l("Safety lead"),
    Role.VOLUNTEER: _l("Volunteer"),
    Role.OVERSIGHT_OFFICER: _l("Oversight officer"),
}

SCHOOL_ROLES = frozenset(Role) - {Role.OVERSIGHT_OFFICER}
UNIT_ROLES = frozenset({Role.OVERSIGHT_OFFICER})

# permission → the roles that hold it. Read a row to see who may do that act.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "school.today": SCHOOL_ROLES,
    # Every school role may open the child list; the query narrows it to what the role may see.
    "children.list": SCHOOL_ROLES,
    "children.view": SCHOOL_ROLES,
    "children.view_all": frozenset(
        {Role.PRINCIPAL, Role.COORDINATOR, Role.ARCHIVIST, Role.COUNSELLOR, Role.SAFETY_LEAD}
    ),
    "oversight.view": UNIT_ROLES,
}


def roles_holding(permission: str) -> frozenset[Role]:
    return PERMISSIONS[permission]


def can(permission: str, roles: set[Role] | frozenset[Role] | None = None) -> bool:
    """Whether the current user (or the given roles) holds a permission."""
    held = g.get("roles", frozenset()) if roles is None else roles
    return not PERMISSIONS[permission].isdisjoint(held)


View = TypeVar("View", bound=Callable[..., Any])


def permission_required(permission: str) -> Callable[[View], View]:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        checked.required_permission = permission  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate
