"""Walking the app's routes with real ids: every route under /s/ is covered the day it lands.

A route with a path parameter this file does not know fails the walks until it is added here.
"""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from tests.conftest import app_session
from webapp.assets.models import AssetItem, Stocktake, WriteOff
from webapp.care.kinds import KINDS
from webapp.care.models import (
    CareActivity,
    CareAlert,
    CarePhoto,
    CareRecord,
    DutyKey,
    IndividualPlan,
    LearningPlan,
    Pairing,
)
from webapp.children.models import Child, ChildTransfer, Guardian, ImportBatch, SchoolClass
from webapp.core.org import Membership, Tenant
from webapp.core.tenancy import ALL_TENANTS
from webapp.families.models import GuardianMeeting, MeetingPhoto
from webapp.incidents.models import Agreement, Incident, IncidentStep
from webapp.oversight.models import OversightGrant
from webapp.oversight.snapshot_models import RosterSnapshot
from webapp.privacy.models import AccessGrant, Consent, PrivacyAlert
from webapp.reports.archive import Table
from webapp.room.models import Room, RoomAction, RoomHours
from webapp.safety.models import BedAssignment, DormRoom, Leave, RollCallMark, SafetyAlert
from webapp.tenants.models import SchoolYear, Term
from webapp.transport.models import (
    BusRider,
    BusRoute,
    BusTrip,
    PickupRefusal,
    Release,
    TripPassenger,
)

# path parameter → the model whose ids (or uids) it takes
ID_PARAMETERS = {
    "child_id": (Child, "id"),
    "class_id": (SchoolClass, "id"),
    "guardian_id": (Guardian, "id"),
    "term_id": (Term, "id"),
    "year_id": (SchoolYear, "id"),
    "transfer_id": (ChildTransfer, "id"),
    "batch_uid": (ImportBatch, "uid"),
    "record_id": (CareRecord, "id"),
    "record_uid": (CareRecord, "uid"),
    "photo_id": (CarePhoto, "id"),
    "plan_id": (IndividualPlan, "id"),
    "learning_plan_id": (LearningPlan, "id"),
    "pairing_id": (Pairing, "id"),
    "group_uid": (CareRecord, "group_uid"),
    "activity_id": (CareActivity, "id"),
    "alert_id": (CareAlert, "id"),
    "room_id": (Room, "id"),
    "hours_id": (RoomHours, "id"),
    "action_uid": (RoomAction, "uid"),
    "meeting_id": (GuardianMeeting, "id"),
    "meeting_photo_id": (MeetingPhoto, "id"),
    "code": (AssetItem, "code"),
    "stocktake_id": (Stocktake, "id"),
    "write_off_id": (WriteOff, "id"),
    "roll_mark_id": (RollCallMark, "id"),
    "leave_id": (Leave, "id"),
    "dorm_room_id": (DormRoom, "id"),
    "bed_id": (BedAssignment, "id"),
    "safety_alert_id": (SafetyAlert, "id"),
    "release_id": (Release, "id"),
    "refusal_id": (PickupRefusal, "id"),
    "route_id": (BusRoute, "id"),
    "rider_id": (BusRider, "id"),
    "trip_id": (BusTrip, "id"),
    "passenger_id": (TripPassenger, "id"),
    "incident_id": (Incident, "id"),
    "step_id": (IncidentStep, "id"),
    "agreement_id": (Agreement, "id"),
    "snapshot_id": (RosterSnapshot, "id"),
    "oversight_grant_id": (OversightGrant, "id"),
    "user_id": (Membership, "user_id"),
    "grant_id": (AccessGrant, "id"),
    "privacy_alert_id": (PrivacyAlert, "id"),
    "consent_id": (Consent, "id"),
}
# path parameters that name a part of a page rather than a row: every value is tried
FIXED_PARAMETERS = {
    "section": ["identity", "living", "care"],
    "relation": ["father", "mother"],
    "kind": [kind.value for kind in KINDS],
    "duty": [duty.value for duty in DutyKey],
    "table": [table.value for table in Table],
    "figure": ["left_behind", "talks", "activities", "incidents"],
    "document": ["plan", "summary"],
    "month": ["2026-11"],
    "number": ["0"],
}
SCOPE_PARAMETERS = {"tenant_slug", "unit_slug"}


def school_rules(app: Flask) -> list:
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/s/<tenant_slug>")]


def ids_of(app: Flask, slug: str, limit: int = 3) -> dict[str, list]:
    with app_session(app) as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        return {
            name: list(
                session.scalars(
                    select(getattr(model, column))
                    .where(model.tenant_id == tenant_id, getattr(model, column).is_not(None))
                    .order_by(model.id)
                    .limit(limit)
                    .execution_options(**{ALL_TENANTS: True})
                )
            )
            for name, (model, column) in ID_PARAMETERS.items()
        }


def urls_for(rule, slug: str, ids: dict[str, list]) -> list[str]:
    unknown = set(rule.arguments) - SCOPE_PARAMETERS - set(ID_PARAMETERS) - set(FIXED_PARAMETERS)
    assert not unknown, f"{rule.rule}: add {unknown} to ID_PARAMETERS or FIXED_PARAMETERS"
    variants = [rule.rule.replace("<tenant_slug>", slug)]
    for name in rule.arguments - SCOPE_PARAMETERS:
        values = FIXED_PARAMETERS.get(name) or ids[name]
        variants = [
            re.sub(rf"<(?:\w+:)?{name}>", str(value), variant)
            for variant in variants
            for value in values
        ]
    return variants
