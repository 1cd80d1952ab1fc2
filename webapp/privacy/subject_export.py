"""A guardian's request for what the school holds about their child (个人信息查阅复制): one ZIP
with a page to read or print, the same records as JSON, and the photos and scans kept.

Every tenant record that names the child (its ``child_id``) is in it, the sealed fields opened,
except what is withheld by design, and the page says so:
- counselling records and individual plans (心理辅导, 个别教育方案): restricted to the counsellor
  and the principal; what a child tells a counsellor is not handed to the family unasked;
- mandatory reports and restricted incidents (强制报告): the family may be what the child needs
  protecting from; they go to the police and the authorities, not out in a copy;
- the audit log: the school's record of its staff's work, open to the officer on the card's
  access history; it would also show where the withheld records are.
Records about other children never come along: only rows that carry this child's id, and of an
incident the steps for this child or for everyone.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from webapp.care.models import RESTRICTED_KINDS, CareAlert, CareRecord
from webapp.children.models import Child, Guardian
from webapp.core.choices import Choice
from webapp.core.crypto import sensitive_field_names
from webapp.core.db import Base
from webapp.core.files import load_sealed
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.tenancy import TenantScoped
from webapp.incidents.models import (
    MANDATORY_KINDS,
    Agreement,
    Incident,
    IncidentChild,
    IncidentStep,
)

# Tables never exported to a guardian, with the reason shown on the page.
WITHHELD = {
    "individual_plan": _l("Individual education plans (restricted to counsellor and principal)"),
    "plan_review": _l("Reviews of individual plans"),
    "audit_event": _l("The school's audit log of staff access"),
}
WITHHELD_NOTES = (
    _l(
        "Counselling records and individual plans: what a child tells the counsellor is kept "
        "between them and the principal."
    ),
    _l(
        "Mandatory reports and restricted incidents: they go to the police and the education "
        "authority, not into a copy for the family."
    ),
    _l(
        "The audit log of who opened the card: the protection officer can read it to the "
        "guardian from the card's access history."
    ),
)
# Handled on their own below: only the incidents the child is a party to, none restricted.
INCIDENT_TABLES = frozenset({"incident", "incident_child", "incident_step"})
# Columns that only say how a row is stored.
NOT_SHOWN = frozenset({"tenant_id", "uid", "name_pinyin", "name_initials"})


# What the print page calls a column (the JSON keeps the column names).
FIELD_LABELS = {
    "name": _l("Name"),
    "gender": _l("Sex"),
    "birth_date": _l("Date of birth"),
    "ethnicity": _l("Ethnicity"),
    "id_number": _l("ID number"),
    "student_no": _l("Student register number (学籍号)"),
    "class_id": _l("Class"),
    "enrolled_on": _l("Enrolled on"),
    "status": _l("Status"),
    "address": _l("Address"),
    "hukou_place": _l("Household registration (户籍地)"),
    "is_boarder": _l("Boarder"),
    "rides_bus": _l("Rides the school bus"),
    "bus_note": _l("Bus note"),
    "chronic_illness": _l("Chronic illness"),
    "allergies": _l("Allergies"),
    "disability": _l("Disability"),
    "character": _l("Character"),
    "interests": _l("Interests and talents"),
    "left_behind_type": _l("Left-behind type"),
    "civil_parent_condition": _l("Left behind by the civil-affairs definition"),
    "is_migrant": _l("Migrant child (随迁子女)"),
    "difficulty_types": _l("Difficulties (困境)"),
    "three_special": _l("Three specials (三特)"),
    "family_types": _l("Family type"),
    "photo_uid": _l("Photo"),
    "relation": _l("Relation"),
    "phone": _l("Phone"),
    "age": _l("Age"),
    "occupation": _l("Occupation"),
    "literacy": _l("Literacy"),
    "health": _l("Health"),
    "care_ability": _l("Ability to care"),
    "may_pick_up": _l("May pick up"),
    "situation": _l("Situation"),
    "work_province": _l("Province"),
    "work_city": _l("City"),
    "employer": _l("Employer"),
    "employer_address": _l("Employer's address"),
    "employer_phone": _l("Employer's phone"),
    "away_since": _l("Away since"),
    "expected_return": _l("Expected home"),
    "kind": _l("Kind"),
    "happened_at": _l("When"),
    "happened_on": _l("Date"),
    "notes": _l("Notes"),
    "follow_up": _l("Follow-up"),
    "follow_up_due": _l("Follow-up due"),
    "mood": _l("Mood"),
    "concern": _l("Concern"),
    "channel": _l("Channel"),
    "direction": _l("Direction"),
    "minutes": _l("Minutes"),
    "author_id": _l("Recorded by"),
    "recorded_by_id": _l("Recorded by"),
    "marked_by_id": _l("Marked by"),
    "user_id": _l("Staff member"),
    "given_by": _l("Given by"),
    "given_on": _l("Given on"),
    "method": _l("Method"),
    "form_reference": _l("Form reference"),
    "withdrawn_on": _l("Withdrawn on"),
    "started_on": _l("Started on"),
    "ended_on": _l("Ended on"),
    "reason": _l("Reason"),
    "subjects": _l("Subjects"),
    "goals": _l("Goals"),
    "checkpoints": _l("Checkpoints"),
    "signed_in_at": _l("Signed in"),
    "signed_out_at": _l("Signed out"),
    "confirmed_at": _l("Confirmed"),
    "outcome": _l("Outcome"),
    "created_at": _l("Entered"),
    "updated_at": _l("Last changed"),
}
# Columns that point at a staff member or a class: the page shows the name, not the number.
NAMED_TARGETS = frozenset({"user", "school_class"})


@dataclass
class Section:
    table: str
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)  # column → "user" or "school_class"


@dataclass
class SubjectExport:
    child: Child
    sections: list[Section]
    files: dict[str, bytes]
    names: dict[tuple[str, int], str] = field(default_factory=dict)

    def label(self, key: str) -> str:
        return str(FIELD_LABELS.get(key, key))

    def value(self, section: Section, key: str, value: Any) -> str:
        target = section.refs.get(key)
        if target and value is not None:
            return self.names.get((target, value), str(value))
        return shown(value)


def _section(table: str, title: str, rows: list[Any]) -> Section:
    refs: dict[str, str] = {}
    if rows:
        for attribute in inspect(type(rows[0])).column_attrs:
            for foreign_key in attribute.columns[0].foreign_keys:
                target = foreign_key.column
                if target.table.name in NAMED_TARGETS and target.name == "id":
                    refs[attribute.key] = target.table.name
    return Section(table, title, [record_of(row) for row in rows], refs)


def _names(session: Session, sections: list[Section]) -> dict[tuple[str, int], str]:
    from webapp.auth.models import User
    from webapp.children.models import SchoolClass

    wanted: dict[str, set[int]] = {"user": set(), "school_class": set()}
    for section in sections:
        for key, target in section.refs.items():
            wanted[target] |= {row[key] for row in section.rows if row.get(key) is not None}
    staff = select(User.id, User.name).where(User.id.in_(wanted["user"]))
    classes = select(SchoolClass.id, SchoolClass.name).where(
        SchoolClass.id.in_(wanted["school_class"])
    )
    names = {("user", number): name for number, name in session.execute(staff)}
    names |= {("school_class", number): name for number, name in session.execute(classes)}
    return names


TITLES = {
    "child": _l("The child's card"),
    "parent": _l("Parents"),
    "guardian": _l("Guardians and caretakers"),
    "pairing": _l("Pairings"),
    "care_record": _l("Care records (talks, home visits, parent contacts, family calls)"),
    "care_alert": _l("Concerns raised from care records"),
    "learning_plan": _l("Learning support plans"),
    "term_score": _l("Term scores"),
    "consent": _l("Consents"),
    "child_status_change": _l("Status history"),
    "child_retention": _l("Retention"),
    "survey_confirmation": _l("Term survey confirmations"),
    "activity_participant": _l("Care activities taken part in"),
    "meeting_attendance": _l("Guardian meetings attended"),
    "agreement": _l("Safety and custody agreements"),
    "asset_loan": _l("Loans from the children's home"),
    "sign_in": _l("Children's home sign-ins"),
    "room_action": _l("Children's home taps"),
    "roll_call_mark": _l("Roll call marks"),
    "leave": _l("Leave"),
    "safety_alert": _l("Attendance alerts"),
    "bed_assignment": _l("Dorm beds"),
    "dorm_mark": _l("Dorm headcount marks"),
    "bus_rider": _l("School bus"),
    "trip_passenger": _l("Bus trips"),
    "trip_event": _l("Bus trip events"),
    "today_collector": _l("People collecting the child today"),
    "pickup_release": _l("Pickups"),
    "pickup_refusal": _l("Refused pickups"),
    "incident": _l("Incidents the child is a party to"),
    "incident_child": _l("The child's part in those incidents"),
    "incident_step": _l("Steps taken in those incidents"),
}


def _title(model: type) -> str:
    return str(TITLES.get(model.__tablename__, model.__tablename__))  # type: ignore[attr-defined]


def record_of(obj: Any) -> dict[str, Any]:
    """Every column of a row as a reader would want it: sealed fields opened, hashes left out."""
    sealed = sensitive_field_names(type(obj))
    out: dict[str, Any] = {}
    for attribute in inspect(type(obj)).column_attrs:
        key = attribute.key
        if key in NOT_SHOWN or key.endswith("_hash"):
            continue
        name = sealed.get(key, key)
        out[name] = getattr(obj, name)
    return out


def _about_the_child() -> list[type]:
    models = []
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if (
            issubclass(mapper.class_, TenantScoped)
            and "child_id" in table.c
            and table.name not in WITHHELD
            and table.name not in INCIDENT_TABLES
        ):
            models.append(mapper.class_)
    return sorted(models, key=lambda model: model.__tablename__)


def _rows(session: Session, model: Any, child_id: int) -> list[Any]:
    statement = select(model).where(model.child_id == child_id).order_by(model.id)
    if model is CareRecord:
        statement = statement.where(CareRecord.kind.not_in(RESTRICTED_KINDS))
    if model is CareAlert:
        restricted = select(CareRecord.id).where(CareRecord.kind.in_(RESTRICTED_KINDS))
        statement = statement.where(CareAlert.record_id.not_in(restricted))
    return list(session.scalars(statement))


def _incident_sections(session: Session, child_id: int) -> list[Section]:
    open_ids = select(Incident.id).where(
        Incident.kind.not_in(MANDATORY_KINDS), Incident.restricted.is_(False)
    )
    parties = list(
        session.scalars(
            select(IncidentChild)
            .where(IncidentChild.child_id == child_id, IncidentChild.incident_id.in_(open_ids))
            .order_by(IncidentChild.id)
        )
    )
    ids = [party.incident_id for party in parties]
    incidents = session.scalars(select(Incident).where(Incident.id.in_(ids)).order_by(Incident.id))
    steps = session.scalars(
        select(IncidentStep)
        .where(
            IncidentStep.incident_id.in_(ids),
            IncidentStep.child_id.is_(None) | (IncidentStep.child_id == child_id),
        )
        .order_by(IncidentStep.id)
    )
    return [
        _section("incident", _title(Incident), list(incidents)),
        _section("incident_child", _title(IncidentChild), parties),
        _section("incident_step", _title(IncidentStep), list(steps)),
    ]


def _files(child: Child, sections: list[Section], guardians: list[Guardian]) -> dict[str, bytes]:
    wanted: dict[str, UUID] = {}
    if child.photo_uid:
        wanted["child"] = child.photo_uid
    for guardian in guardians:
        if guardian.photo_uid:
            wanted[f"guardian-{guardian.id}"] = guardian.photo_uid
    for section in sections:
        if section.table == Agreement.__tablename__:
            for row in section.rows:
                if row.get("scan_uid"):
                    wanted[f"agreement-{row['id']}"] = row["scan_uid"]
    files = {}
    for name, uid in wanted.items():
        try:
            data = load_sealed(child.tenant_id, uid)
        except FileNotFoundError:
            continue
        files[f"files/{name}{'.pdf' if data.startswith(b'%PDF-') else '.jpg'}"] = data
    return files


def gather(session: Session, child: Child) -> SubjectExport:
    """Everything the school holds about the child that a guardian may have, by kind."""
    sections = [_section("child", _title(Child), [child])]
    guardians: list[Guardian] = []
    for model in _about_the_child():
        rows = _rows(session, model, child.id)
        if model is Guardian:
            guardians = rows
        sections.append(_section(model.__tablename__, _title(model), rows))
    sections += _incident_sections(session, child.id)
    sections.sort(key=lambda s: (s.table != "child", s.table))
    return SubjectExport(
        child, sections, _files(child, sections, guardians), _names(session, sections)
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(SCHOOL_TIMEZONE).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(_json_value(v) for v in value)
    return value


def shown(value: Any) -> str:
    """A value as the print page shows it (labels, not codes)."""
    if value is None or value == "" or value == frozenset():
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Choice):
        return value.label
    if isinstance(value, frozenset | set):
        return "、".join(sorted(shown(v) for v in value))
    if isinstance(value, datetime):
        local = value.astimezone(SCHOOL_TIMEZONE) if value.tzinfo else value
        return local.strftime("%Y-%m-%d %H:%M")
    return str(value)


def build_zip(
    export: SubjectExport, *, school_name: str, requester: str, reference: str, now: datetime
) -> bytes:
    child = export.child
    document = {
        "school": school_name,
        "child_id": child.id,
        "request_reference": reference,
        "requested_by": requester,
        "exported_at": now.isoformat(),
        "withheld": [str(note) for note in WITHHELD_NOTES],
        "staff_and_classes": {
            f"{target}:{number}": name for (target, number), name in export.names.items()
        },
        "records": {
            section.table: [
                {key: _json_value(value) for key, value in row.items()} for row in section.rows
            ]
            for section in export.sections
        },
    }
    page = render_template(
        "privacy/subject_export_print.html",
        export=export,
        child=child,
        school_name=school_name,
        requester=requester,
        reference=reference,
        now=now,
        withheld=WITHHELD_NOTES,
        shown=shown,
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", page)
        archive.writestr("print.css", render_template("privacy/subject_export_print.css"))
        archive.writestr(
            "records.json", json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)
        )
        for name, data in export.files.items():
            archive.writestr(name, data)
    return out.getvalue()
