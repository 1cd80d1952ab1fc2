"""Every model, imported once so the metadata (and Alembic) knows the whole schema."""

from webapp.assets.models import (
    AssetEvent,
    AssetItem,
    AssetSettings,
    Loan,
    Stocktake,
    StocktakeLine,
    WriteOff,
    WriteOffLine,
)
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
from webapp.families.models import GuardianMeeting, MeetingAttendance, MeetingPhoto
from webapp.room.models import Room, RoomAction, RoomHours, SignIn
from webapp.safety.models import Leave
from webapp.tenants.models import SchoolYear, Term

__all__ = [
    "ActivityParticipant",
    "AssetEvent",
    "AssetItem",
    "AssetSettings",
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
    "GuardianMeeting",
    "ImportBatch",
    "IndividualPlan",
    "LearningPlan",
    "Leave",
    "Loan",
    "LoginThrottle",
    "MeetingAttendance",
    "MeetingPhoto",
    "Membership",
    "OrgUnit",
    "Pairing",
    "Parent",
    "PlanReview",
    "Room",
    "RoomAction",
    "RoomHours",
    "SchoolClass",
    "SchoolYear",
    "SignIn",
    "Stocktake",
    "StocktakeLine",
    "SurveyConfirmation",
    "Tenant",
    "Term",
    "TermScore",
    "UnitMembership",
    "User",
    "WriteOff",
    "WriteOffLine",
]
