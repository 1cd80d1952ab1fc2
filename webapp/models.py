"""Every model, imported once so the metadata (and Alembic) knows the whole schema."""

from webapp.auth.models import LoginThrottle, User
from webapp.care.models import (
    ActivityParticipant,
    CareActivity,
    CareAlert,
    CarePhoto,
    CareRecord,
    DutyCadence,
    IndividualPlan,
    LearningPlan,
    Pairing,
    PlanReview,
    TermScore,
)
from webapp.children.models import (
    Child,
    ChildStatusChange,
    ChildTransfer,
    Guardian,
    ImportBatch,
    Parent,
    SchoolClass,
    SurveyConfirmation,
)
from webapp.core.audit import AuditEvent
from webapp.core.org import Membership, OrgUnit, Tenant, UnitMembership
from webapp.room.models import Room, RoomHours, SignIn
from webapp.safety.models import Leave
from webapp.tenants.models import SchoolYear, Term
from webapp.transport.models import (
    BusRider,
    BusRoute,
    BusStop,
    BusTrip,
    Dismissal,
    PickupRefusal,
    Release,
    TodayCollector,
    TripEvent,
    TripPassenger,
)

__all__ = [
    "ActivityParticipant",
    "AuditEvent",
    "BusRider",
    "BusRoute",
    "BusStop",
    "BusTrip",
    "CareActivity",
    "CareAlert",
    "CarePhoto",
    "CareRecord",
    "Child",
    "ChildStatusChange",
    "ChildTransfer",
    "Dismissal",
    "DutyCadence",
    "Guardian",
    "ImportBatch",
    "IndividualPlan",
    "LearningPlan",
    "Leave",
    "LoginThrottle",
    "Membership",
    "OrgUnit",
    "Pairing",
    "Parent",
    "PickupRefusal",
    "PlanReview",
    "Release",
    "Room",
    "RoomHours",
    "SchoolClass",
    "SchoolYear",
    "SignIn",
    "SurveyConfirmation",
    "Tenant",
    "Term",
    "TermScore",
    "TodayCollector",
    "TripEvent",
    "TripPassenger",
    "UnitMembership",
    "User",
]
