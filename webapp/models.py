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
from webapp.incidents.models import (
    Agreement,
    Incident,
    IncidentChild,
    IncidentStep,
    SafetyLesson,
)
from webapp.room.models import Room, RoomHours, SignIn
from webapp.safety.models import Leave
from webapp.tenants.models import SchoolYear, Term

__all__ = [
    "ActivityParticipant",
    "Agreement",
    "AuditEvent",
    "CareActivity",
    "CareAlert",
    "CarePhoto",
    "CareRecord",
    "Child",
    "ChildStatusChange",
    "ChildTransfer",
    "DutyCadence",
    "Guardian",
    "ImportBatch",
    "Incident",
    "IncidentChild",
    "IncidentStep",
    "IndividualPlan",
    "LearningPlan",
    "Leave",
    "LoginThrottle",
    "Membership",
    "OrgUnit",
    "Pairing",
    "Parent",
    "PlanReview",
    "Room",
    "RoomHours",
    "SafetyLesson",
    "SchoolClass",
    "SchoolYear",
    "SignIn",
    "SurveyConfirmation",
    "Tenant",
    "Term",
    "TermScore",
    "UnitMembership",
    "User",
]
