"""Who sees which incident, and whose name a page may show as its reporter.

- The principal and the safety lead (``incidents.oversee``) see every incident and sign, edit
  and close any of them.
- The reporter sees the incidents they reported.
- A class teacher sees the regular incidents of the children of their class: they are the ones
  who call the guardian. A mandatory report (强制报告) is not theirs to see unless they made it:
  for anyone else it does not exist (404, absent from every list).
- The reporter of a mandatory report is named only to the principal, the safety lead and the
  reporter; everywhere else (the child's access history included) it reads "报告人（已隐藏）".
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from webapp.children.models import Child, SchoolClass
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.permissions import CLASS_ROLES, Role, can
from webapp.incidents.models import Incident, IncidentChild

# The audit subjects of incidents: a mandatory report's events are told apart, so that an
# access history read by someone outside the circle never names who made or opened it.
INCIDENT_SUBJECT = "incident"
MANDATORY_SUBJECT = "mandatory_report"


def audit_subject(incident: Incident) -> str:
    return MANDATORY_SUBJECT if incident.restricted else INCIDENT_SUBJECT


def sees_every_incident(roles: frozenset[Role]) -> bool:
    return can("incidents.oversee", roles)


def visible_incidents(user_id: int, roles: frozenset[Role]) -> ColumnElement[bool]:
    """A WHERE clause for the incidents this person may see."""
    if sees_every_incident(roles):
        return true()
    reported = Incident.reporter_id == user_id
    if not roles & CLASS_ROLES:
        return reported
    of_my_class = (
        select(IncidentChild.incident_id)
        .join(Child, Child.id == IncidentChild.child_id)
        .join(SchoolClass, SchoolClass.id == Child.class_id)
        .where(SchoolClass.teacher_id == user_id)
    )
    return or_(reported, and_(Incident.restricted.is_(False), Incident.id.in_(of_my_class)))


def may_see(session: Session, incident: Incident, user_id: int, roles: frozenset[Role]) -> bool:
    if sees_every_incident(roles) or incident.reporter_id == user_id:
        return True
    return (
        session.scalar(
            select(Incident.id).where(Incident.id == incident.id, visible_incidents(user_id, roles))
        )
        is not None
    )


def may_edit(incident: Incident, user_id: int, roles: frozenset[Role]) -> bool:
    """The facts are corrected by the reporter or the school's incident owners while open."""
    return incident.is_open and (incident.reporter_id == user_id or sees_every_incident(roles))


def knows_reporter(incident: Incident, user_id: int, roles: frozenset[Role]) -> bool:
    return not incident.restricted or incident.reporter_id == user_id or sees_every_incident(roles)


def reporter_label(incident: Incident, user_id: int, roles: frozenset[Role]) -> str:
    """The reporter's name, or "报告人（已隐藏）" to anyone who may not know it."""
    if not knows_reporter(incident, user_id, roles):
        return _("Reporter (hidden)")
    return incident.reporter.name if incident.reporter else _("System")


def audit_actor_label(event: AuditEvent, roles: frozenset[Role]) -> str | None:
    """How an access history names the actor of an entry about a mandatory report, to someone
    outside its circle; None where the actor may be named."""
    if event.subject != MANDATORY_SUBJECT or sees_every_incident(roles):
        return None
    return _("Reporter (hidden)") if event.action == AuditAction.CREATE else _("Hidden")
