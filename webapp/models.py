"""Every model, imported once so the metadata (and Alembic) knows the whole schema."""

from webapp.auth.models import LoginThrottle, User
from webapp.care.models import Pairing
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
from webapp.tenants.models import SchoolYear, Term

__all__ = [
    "AuditEvent",
    "Child",
    "ChildStatusChange",
    "ChildTransfer",
    "Guardian",
    "ImportBatch",
    "LoginThrottle",
    "Membership",
    "OrgUnit",
    "Pairing",
    "Parent",
    "SchoolClass",
    "SchoolYear",
    "SurveyConfirmation",
    "Tenant",
    "Term",
    "UnitMembership",
    "User",
]
