"""The clocks of an incident: for each party to be told, the time left or how long overdue.

Pure functions of the steps and an injected ``now``: the pages, the today panel and the tests
all ask the same question at the time they choose. A step is overdue the moment its due time
has passed unsigned; minutes are counted up, so 29 minutes 30 seconds after the start a
30-minute step has one minute left, and 30 minutes 1 second after it is one minute overdue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.core.choices import Choice
from webapp.incidents.models import STEP_LIMITS, Incident, IncidentStep, StepKind

# What each step asks, with its limit, as the school's emergency rules word it.
STEP_TITLES = {
    StepKind.POLICE: _l("Report to the police at once"),
    StepKind.GUARDIAN: _l("Tell the guardian within 30 minutes"),
    StepKind.PARENTS: _l("Tell the parents within 1 hour"),
    StepKind.AUTHORITY: _l("Report to the education authority within 2 hours"),
    StepKind.GOVERNMENT: _l("Report to the local government within 2 hours"),
}


class ClockState(Choice):
    RUNNING = "running"  # not yet told, time left
    OVERDUE = "overdue"  # not yet told, past its due time
    DONE = "done"  # told in time
    LATE = "late"  # told, but after its due time
    NOT_NEEDED = "not_needed"  # signed as not needed, with the reason


@dataclass(frozen=True)
class Clock:
    step: IncidentStep
    state: ClockState
    minutes: int  # left while running; overdue or late by, otherwise

    @property
    def is_pending(self) -> bool:
        return self.state in (ClockState.RUNNING, ClockState.OVERDUE)

    @property
    def is_overdue(self) -> bool:
        return self.state == ClockState.OVERDUE


def due_at(kind: StepKind, start: datetime) -> datetime:
    return start + STEP_LIMITS[kind]


def _minutes_up(span: timedelta) -> int:
    return max(0, math.ceil(span.total_seconds() / 60))


def clock(step: IncidentStep, now: datetime) -> Clock:
    if step.is_signed:
        if step.not_needed:
            return Clock(step, ClockState.NOT_NEEDED, 0)
        late = _minutes_up(step.done_at - step.due_at) if step.done_at else 0
        return Clock(step, ClockState.LATE if late else ClockState.DONE, late)
    if now > step.due_at:
        return Clock(step, ClockState.OVERDUE, _minutes_up(now - step.due_at))
    return Clock(step, ClockState.RUNNING, _minutes_up(step.due_at - now))


def clocks(incident: Incident, now: datetime) -> list[Clock]:
    """Every step of an incident, in the order they fall due."""
    return [clock(step, now) for step in incident.steps]


def pending(incident: Incident, now: datetime) -> list[Clock]:
    """The steps not yet signed, the overdue ones first."""
    waiting = [c for c in clocks(incident, now) if c.is_pending]
    return sorted(waiting, key=lambda c: (not c.is_overdue, c.step.due_at, c.step.id))


def is_overdue(incident: Incident, now: datetime) -> bool:
    return incident.is_open and any(c.is_overdue for c in clocks(incident, now))


def may_close(incident: Incident) -> bool:
    """An incident closes once every party is told, or signed as not needed."""
    return incident.is_open and all(step.is_signed for step in incident.steps)


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and not rest:
        return _("%(hours)s h", hours=hours)
    if hours:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=rest)
    return _("%(minutes)s min", minutes=rest)


def clock_text(found: Clock) -> str:
    """ "还剩 12 分钟", "已超时 5 分钟", "按时完成" …"""
    if found.state == ClockState.RUNNING:
        return _("%(time)s left", time=duration_text(found.minutes))
    if found.state == ClockState.OVERDUE:
        return _("%(time)s overdue", time=duration_text(found.minutes))
    if found.state == ClockState.LATE:
        return _("Done %(time)s late", time=duration_text(found.minutes))
    if found.state == ClockState.NOT_NEEDED:
        return _("Not needed")
    return _("Done in time")


def ticker_words() -> dict[str, str]:
    """The same phrases as patterns, for the small ticker in app.js that counts on the page."""
    return {
        "data-clock-left": _("%(time)s left", time="{t}"),
        "data-clock-over": _("%(time)s overdue", time="{t}"),
        "data-clock-h": _("%(hours)s h", hours="{h}"),
        "data-clock-hm": _("%(hours)s h %(minutes)s min", hours="{h}", minutes="{m}"),
        "data-clock-m": _("%(minutes)s min", minutes="{m}"),
    }
