"""Roles, the permission table, and the one decorator that checks it.

Roles are held per tenant (or per oversight unit); the scope blueprints put the current
user's roles in ``g.roles``. A permission says what kind of act is allowed; which rows a role
may see (own class, paired children) is decided by each domain's queries.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, request
from flask_babel import lazy_gettext as _l

from webapp.core.choices import Choice


class Role(Choice):
    PRINCIPAL = "principal", _l("Principal")
    COORDINATOR = "coordinator", _l("Programme coordinator")
    CLASS_TEACHER = "class_teacher", _l("Class teacher")
    TEACHER = "teacher", _l("Teacher")
    COUNSELLOR = "counsellor", _l("Counsellor")
    ROOM_KEEPER = "room_keeper", _l("Children's home keeper")
    ARCHIVIST = "archivist", _l("Archivist")
    KINDERGARTEN_TEACHER = "kindergarten_teacher", _l("Kindergarten teacher")
    DORM_SUPERVISOR = "dorm_supervisor", _l("Dorm supervisor")
    SAFETY_LEAD = "safety_lead", _l("Safety lead")
    VOLUNTEER = "volunteer", _l("Volunteer")
    DEPARTMENT_HEAD = "department_head", _l("Department head")
    OVERSIGHT_OFFICER = "oversight_officer", _l("Oversight officer")


SCHOOL_ROLES = frozenset(Role) - {Role.OVERSIGHT_OFFICER}
UNIT_ROLES = frozenset({Role.OVERSIGHT_OFFICER})
LEADERS = frozenset({Role.PRINCIPAL, Role.COORDINATOR, Role.ARCHIVIST})
CLASS_ROLES = frozenset({Role.CLASS_TEACHER, Role.KINDERGARTEN_TEACHER})
# Roles whose work needs every child's name and class, and nothing more (sign-ins, roll calls).
ROSTER_ROLES = frozenset(
    {Role.COUNSELLOR, Role.SAFETY_LEAD, Role.ROOM_KEEPER, Role.DORM_SUPERVISOR}
)

# Staff who care for children themselves: talks, visits, calls, growth and learning records.
CARERS = CLASS_ROLES | {Role.TEACHER, Role.PRINCIPAL, Role.COORDINATOR, Role.COUNSELLOR}
# Counselling records and individual plans are seen by these two roles and nobody else.
COUNSELLING_ROLES = frozenset({Role.COUNSELLOR, Role.PRINCIPAL})

# Who keeps the children's home's ledger and lends its things, and who else reads the ledger.
ASSET_KEEPERS = frozenset({Role.ROOM_KEEPER, Role.PRINCIPAL, Role.COORDINATOR})
ASSET_STAFF = ASSET_KEEPERS | {Role.DEPARTMENT_HEAD}

# permission → the roles that hold it. Read a row to see who may do that act. Which children
# an act may touch (own class, paired children) is decided by children.access.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "school.today": SCHOOL_ROLES,
    "school.setup": frozenset({Role.PRINCIPAL, Role.COORDINATOR}),
    # Staff accounts: one-time codes for a first login or a reset, and roles.
    "members.manage": frozenset({Role.PRINCIPAL}),
    "children.list": SCHOOL_ROLES,
    "children.view": SCHOOL_ROLES,
    "children.view_all": LEADERS,
    "children.roster": ROSTER_ROLES,
    "children.create": LEADERS | CLASS_ROLES,
    "children.edit": LEADERS | CLASS_ROLES,
    "children.reveal": LEADERS | CLASS_ROLES,
    "children.call": LEADERS | CLASS_ROLES | {Role.TEACHER, Role.VOLUNTEER},
    "children.status": LEADERS,
    "children.audit": frozenset({Role.PRINCIPAL}),
    "children.survey": CLASS_ROLES,
    "children.survey_progress": LEADERS,
    "children.import": LEADERS | CLASS_ROLES,
    "children.export": LEADERS | CLASS_ROLES,
    "children.export_unmasked": frozenset({Role.PRINCIPAL, Role.ARCHIVIST}),
    "children.transfer": LEADERS,
    # Care work. Which children each act may touch is decided by care.access.
    "care.timeline": SCHOOL_ROLES,
    "care.talk": CARERS | {Role.VOLUNTEER},
    "care.home_visit": CARERS,
    "care.parent_contact": CARERS | {Role.VOLUNTEER},
    "care.family_call": CARERS | {Role.ROOM_KEEPER},
    "care.letter_home": CARERS | {Role.ROOM_KEEPER},
    "care.counselling": COUNSELLING_ROLES,
    "care.individual_plan": COUNSELLING_ROLES,
    "care.learning": CARERS,
    "care.assistance": LEADERS | CLASS_ROLES,
    "care.growth": CARERS,
    "care.activity": CARERS | {Role.ROOM_KEEPER},
    "care.pairings": frozenset({Role.PRINCIPAL, Role.COORDINATOR}),
    "care.coverage": LEADERS,
    "care.cadences": frozenset({Role.PRINCIPAL, Role.COORDINATOR}),
    # Incidents and safety paperwork. Which incidents a person sees: incidents.access; a class
    # teacher keeps the safety log and the agreements of their own classes.
    "incidents.report": SCHOOL_ROLES - {Role.VOLUNTEER},
    "incidents.oversee": frozenset({Role.PRINCIPAL, Role.SAFETY_LEAD}),
    "incidents.safety_paperwork": CLASS_ROLES | LEADERS | {Role.SAFETY_LEAD},
    "incidents.every_class": LEADERS | {Role.SAFETY_LEAD},
    "oversight.view": UNIT_ROLES,
    # A grant to see one school's names is decided by that school's principal.
    "oversight.decide_grants": frozenset({Role.PRINCIPAL}),
    # The children's home. Teachers run the sign-in board only of the rooms they keep (room.access).
    "room.board": frozenset(
        {Role.ROOM_KEEPER, Role.PRINCIPAL, Role.COORDINATOR, Role.TEACHER, Role.CLASS_TEACHER}
    ),
    "room.setup": frozenset({Role.PRINCIPAL, Role.COORDINATOR, Role.ROOM_KEEPER}),
    # Guardian meetings and training (家长会 / 监护人培训): the class teachers and the leaders.
    "families.meetings": CLASS_ROLES | {Role.PRINCIPAL, Role.COORDINATOR},
    # The children's home's things. The keeper keeps the ledger and lends; a department head
    # countersigns acceptances and write-offs; the principal approves write-offs.
    "assets.view": ASSET_STAFF,
    "assets.manage": ASSET_KEEPERS,
    "assets.countersign": frozenset({Role.DEPARTMENT_HEAD}),
    "assets.approve": frozenset({Role.PRINCIPAL}),
    "assets.settings": frozenset({Role.PRINCIPAL, Role.COORDINATOR}),
    "assets.reminders": ASSET_STAFF | CLASS_ROLES,
    # Safety: roll calls, leave, the dorm. Class teachers take their own classes' roll calls;
    # the leaders and the safety lead any class's, and they see the board of the day.
    "safety.roll_call": LEADERS | CLASS_ROLES | {Role.SAFETY_LEAD},
    "safety.roll_call_board": LEADERS | {Role.SAFETY_LEAD},
    "safety.leave": LEADERS | CLASS_ROLES | {Role.SAFETY_LEAD, Role.DORM_SUPERVISOR},
    "safety.dorm": LEADERS | {Role.SAFETY_LEAD, Role.DORM_SUPERVISOR},
    "safety.dorm_setup": frozenset({Role.PRINCIPAL, Role.COORDINATOR, Role.DORM_SUPERVISOR}),
    "safety.attendance_settings": frozenset({Role.PRINCIPAL, Role.COORDINATOR, Role.SAFETY_LEAD}),
    "safety.alerts": SCHOOL_ROLES,
    # Pickups and the school bus. Which classes a teacher hands over: transport.queries.
    "transport.pickup": CLASS_ROLES | {Role.PRINCIPAL, Role.COORDINATOR, Role.SAFETY_LEAD},
    "transport.pickup_all": frozenset({Role.PRINCIPAL, Role.COORDINATOR, Role.SAFETY_LEAD}),
    "transport.bus_routes": frozenset({Role.PRINCIPAL, Role.COORDINATOR, Role.SAFETY_LEAD}),
    "transport.bus_trip": frozenset(
        {Role.PRINCIPAL, Role.COORDINATOR, Role.SAFETY_LEAD, Role.TEACHER, Role.CLASS_TEACHER}
    ),
    # The archive's eight tables: the leaders of every class, a class teacher of their own
    # classes (reports.routes); the school's term plan, summary and monthly report: the
    # leaders read them, the principal and the coordinator write and submit them.
    "reports.archive": LEADERS | CLASS_ROLES,
    "reports.documents": LEADERS,
    "reports.write": frozenset({Role.PRINCIPAL, Role.COORDINATOR}),
    # The school dashboard: figures only, no child named; each links to its list when allowed.
    "reports.dashboard": frozenset({Role.PRINCIPAL, Role.COORDINATOR, Role.SAFETY_LEAD}),
    # Term roster snapshots sent to the units above, and the school's own assessment sheet.
    "snapshots.view": LEADERS,
    "snapshots.submit": frozenset({Role.PRINCIPAL, Role.COORDINATOR}),
    "assessment.own": LEADERS,
    # A unit's assessment of the schools below it: the scheme and the scores.
    "assessment.manage": UNIT_ROLES,
    # Data protection: everyone sees who the officer is and may ask for a grant; the principal
    # names the officer; who approves grants and reads alerts is the officer (privacy.routes).
    "privacy.overview": SCHOOL_ROLES,
    "privacy.name_officer": frozenset({Role.PRINCIPAL}),
    "privacy.consent": LEADERS | CLASS_ROLES,
    # A guardian's request for a copy of the child's records: the principal, and the officer
    # whatever their role (privacy.routes).
    "privacy.guardian_export": frozenset({Role.PRINCIPAL}),
}


def roles_holding(permission: str) -> frozenset[Role]:
    return PERMISSIONS[permission]


def can(permission: str, roles: set[Role] | frozenset[Role] | None = None) -> bool:
    """Whether the current user (or the given roles) holds a permission."""
    held = g.get("roles", frozenset()) if roles is None else roles
    return not PERMISSIONS[permission].isdisjoint(held)


View = TypeVar("View", bound=Callable[..., Any])

# URL parts that choose a part of a page, not a record: refusing them may say so (403). Any
# other part names a record, and a record one may not touch answers like a missing one.
PAGE_PARTS = frozenset("section relation kind duty table figure document month number year".split())


def refusal_status() -> int:
    """403 on a page; 404 where the URL names a record, exactly as for one that does not exist.

    Otherwise a role without the permission would learn from 403 against 404 that another
    school's id exists (the lookup comes after the check).
    """
    return 404 if set(request.view_args or ()) - PAGE_PARTS else 403


def permission_required(permission: str) -> Callable[[View], View]:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not can(permission):
                abort(refusal_status())
            return view(*args, **kwargs)

        checked.required_permission = permission  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def permission_matrix() -> str:
    """The table above as markdown, one row per permission and one column per role; the
    matrix in docs/security.md is this text (``flask security-matrix``; a test holds them equal)."""
    roles = list(Role)
    lines = [
        "| permission | " + " | ".join(role.value for role in roles) + " |",
        "| --- |" + " :-: |" * len(roles),
    ]
    for permission, holders in sorted(PERMISSIONS.items()):
        marks = "|".join(" ✓ " if role in holders else " " for role in roles)
        lines.append(f"| `{permission}` |{marks}|")
    return "\n".join(lines) + "\n"
