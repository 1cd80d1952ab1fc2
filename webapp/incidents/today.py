"""The incidents panel at the top of the today page: every open incident this person may see
with the parties still to be told, counting; an overdue step first of all.

One statement: the unsigned steps of open incidents with their incident and child. A mandatory
report shows its kind and clocks but no child's name: naming them is opening it, which is
logged on its own page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.children.models import Child
from webapp.core.permissions import Role, can
from webapp.incidents.access import visible_incidents
from webapp.incidents.clocks import Clock, clock
from webapp.incidents.models import Incident, IncidentStep

SHOWN = 10


@dataclass
class OpenIncident:
    incident: Incident
    clocks: list[Clock] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # child id → name, when shown

    @property
    def overdue(self) -> bool:
        return any(c.is_overdue for c in self.clocks)


@dataclass
class Panel:
    now: datetime
    incidents: list[OpenIncident] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(c.is_overdue for item in self.incidents for c in item.clocks)

    def __bool__(self) -> bool:
        return bool(self.incidents)


def panel(session: Session, user_id: int, roles: frozenset[Role], now: datetime) -> Panel | None:
    """None for someone who reports no incidents (a volunteer): the page shows nothing of
    them; else the open incidents, falsy when there are none."""
    if not can("incidents.report", roles):
        return None
    rows = session.execute(
        select(IncidentStep, Incident, Child.name)
        .join(Incident, Incident.id == IncidentStep.incident_id)
        .outerjoin(Child, Child.id == IncidentStep.child_id)
        .where(
            Incident.closed_at.is_(None),
            IncidentStep.signed_at.is_(None),
            visible_incidents(user_id, roles),
        )
        .order_by(IncidentStep.due_at, IncidentStep.id)
    ).all()
    found: dict[int, OpenIncident] = {}
    for step, incident, child_name in rows:
        item = found.setdefault(incident.id, OpenIncident(incident))
        item.clocks.append(clock(step, now))
        if child_name and not incident.restricted:
            item.names[step.child_id] = child_name
    ordered = sorted(
        found.values(), key=lambda i: (not i.overdue, i.incident.happened_at, i.incident.id)
    )
    for item in ordered:
        item.clocks.sort(key=lambda c: (not c.is_overdue, c.step.due_at, c.step.id))
    return Panel(now, ordered[:SHOWN])
