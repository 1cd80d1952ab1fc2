"""What pickups and the bus put on the today page: a refusal at the classroom door (urgent, to
the class teacher), the classes she hands over with how many still wait, and trips not closed
(to the safety lead and the principal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from webapp.children.models import SchoolClass
from webapp.core.permissions import Role, can
from webapp.transport import queries
from webapp.transport.models import BusTrip, PickupRefusal


@dataclass
class Panel:
    refusals: list[PickupRefusal]
    classes: list[tuple[SchoolClass, int]]  # a class handed over, and how many still wait
    open_trips: list[BusTrip]
    watches: bool  # the safety lead and leaders: links to every pickup and to the bus


def panel(
    session: Session,
    user_id: int,
    roles: frozenset[Role],
    today: date,
    taught: list[SchoolClass],
) -> Panel | None:
    """Nothing (and no statement) for a person with no pickup class and no bus to watch."""
    classes = [c for c in taught if queries.has_pickups(c)]
    watches = can("transport.bus_routes", roles)
    if not classes and not watches:
        return None
    waiting = queries.waiting_counts(session, classes, today)
    return Panel(
        refusals=queries.open_refusals_for(session, user_id) if classes else [],
        classes=[(c, waiting.get(c.id, 0)) for c in classes],
        open_trips=queries.open_trips(session, today) if watches else [],
        watches=watches,
    )
