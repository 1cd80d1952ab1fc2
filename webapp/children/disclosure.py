"""Which sensitive fields a card shows masked, how, and how one is named for a reveal.

A field is named ``child.id_number``, ``parent.12.phone`` or ``guardian.7.address``; a name is
only ever resolved against the child in the URL, so a guessed id of another child's guardian
resolves to nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from webapp.children.models import Child
from webapp.core.choices import Choice
from webapp.core.crypto import mask_id_number, mask_phone


def mask_place(value: str | None) -> str:
    """Enough to know the area (重庆市璧山区…), not the door."""
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else "****"


def mask_recorded(value: Any) -> str:
    return str(_l("Recorded")) if value else ""


MASKS = {
    "id": mask_id_number,
    "phone": mask_phone,
    "place": mask_place,
    "recorded": mask_recorded,
}


def masked_value(subject: str, attribute: str, value: Any) -> str:
    """A stored value as a card shows it before any reveal."""
    if not value:
        return str(_l("Not recorded"))
    return MASKS[REVEALABLE[subject][attribute][0]](value)


# subject → field → (mask, label)
REVEALABLE: dict[str, dict[str, tuple[str, Any]]] = {
    "child": {
        "id_number": ("id", _l("ID number")),
        "student_no": ("id", _l("Student register number (学籍号)")),
        "address": ("place", _l("Home address")),
        "hukou_place": ("place", _l("Household registration (户籍地)")),
        "allergies": ("recorded", _l("Allergies")),
        "chronic_illness": ("recorded", _l("Chronic illness")),
        "disability": ("recorded", _l("Disability")),
        "difficulty_types": ("recorded", _l("Difficulties (困境)")),
        "three_special": ("recorded", _l("Three specials (三特)")),
        "family_types": ("recorded", _l("Family type")),
    },
    "parent": {
        "phone": ("phone", _l("Phone")),
        "employer": ("place", _l("Employer")),
        "employer_address": ("place", _l("Employer's address")),
        "employer_phone": ("phone", _l("Employer's phone")),
    },
    "guardian": {
        "phone": ("phone", _l("Phone")),
        "address": ("place", _l("Address")),
        "health": ("recorded", _l("Health")),
    },
}


@dataclass(frozen=True)
class Field:
    key: str
    subject: str
    owner: Any
    attribute: str
    mask: str
    label: Any

    @property
    def owner_id(self) -> int:
        return self.owner.id

    @property
    def value(self) -> Any:
        return getattr(self.owner, self.attribute)

    @property
    def masked(self) -> str:
        return MASKS[self.mask](self.value)

    @property
    def shown(self) -> str:
        """The plain value, as a reveal shows it."""
        value = self.value
        if isinstance(value, frozenset):
            return "、".join(sorted(member.label for member in value if isinstance(member, Choice)))
        return "" if value is None else str(value)

    @property
    def dom_id(self) -> str:
        return "reveal-" + self.key.replace(".", "-")


def field_key(subject: str, attribute: str, owner_id: int | None = None) -> str:
    return f"child.{attribute}" if subject == "child" else f"{subject}.{owner_id}.{attribute}"


def resolve(child: Child, key: str) -> Field | None:
    """The field a key names, if it belongs to this child and may be revealed at all."""
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "child":
        subject, owner, attribute = "child", child, parts[1]
    elif len(parts) == 3 and parts[0] in ("parent", "guardian") and parts[1].isdigit():
        subject, attribute = parts[0], parts[2]
        people = child.parents if subject == "parent" else child.guardians
        owner = next((p for p in people if p.id == int(parts[1])), None)
        if owner is None:
            return None
    else:
        return None
    spec = REVEALABLE[subject].get(attribute)
    if spec is None:
        return None
    return Field(key, subject, owner, attribute, *spec)


def fields_of(child: Child, subject: str, owner: Any) -> dict[str, Field]:
    """Every revealable field of one person on the card, by attribute."""
    owner_id = None if subject == "child" else owner.id
    return {
        attribute: Field(field_key(subject, attribute, owner_id), subject, owner, attribute, *spec)
        for attribute, spec in REVEALABLE[subject].items()
    }


def phone_of(child: Child, person: str) -> tuple[str, int, str, str] | None:
    """(subject, id, name, phone) for ``parent.12`` or ``guardian.7`` of this child."""
    subject, _, raw_id = person.partition(".")
    if subject not in ("parent", "guardian") or not raw_id.isdigit():
        return None
    people = child.parents if subject == "parent" else child.guardians
    found = next((p for p in people if p.id == int(raw_id)), None)
    if found is None or not found.phone:
        return None
    return subject, found.id, found.name or "", found.phone


# Labels of the card's other fields, for the access history ("changed: name, class").
FIELD_LABELS: dict[str, Any] = {
    "name": _l("name"),
    "gender": _l("sex"),
    "birth_date": _l("date of birth"),
    "ethnicity": _l("ethnicity"),
    "class_id": _l("class"),
    "enrolled_on": _l("enrolment date"),
    "status": _l("status"),
    "is_boarder": _l("boarding"),
    "rides_bus": _l("school bus"),
    "bus_note": _l("bus route"),
    "character": _l("character"),
    "interests": _l("interests"),
    "is_migrant": _l("migrant child"),
    "left_behind_type": _l("left-behind status"),
    "photo": _l("photo"),
    "situation": _l("where the parent is"),
    "work_province": _l("province of work"),
    "work_city": _l("city of work"),
    "away_since": _l("away since"),
    "expected_return": _l("expected home"),
    "kind": _l("guardian role"),
    "relation": _l("relation"),
    "age": _l("age"),
    "occupation": _l("occupation"),
    "literacy": _l("literacy"),
    "care_ability": _l("ability to care"),
    "may_pick_up": _l("may collect the child"),
    "started_on": _l("start date"),
    "ended_on": _l("end date"),
}
SUBJECT_LABELS = {"child": _l("child"), "parent": _l("parent"), "guardian": _l("guardian")}


def field_label(name: str) -> str:
    """A readable label for a field named in the audit log."""
    parts = name.split(".")
    attribute = parts[-1]
    label = REVEALABLE.get(parts[0], {}).get(attribute, (None, None))[1] if len(parts) > 1 else None
    if label is None:
        label = (
            FIELD_LABELS.get(attribute) or REVEALABLE["child"].get(attribute, (None, attribute))[1]
        )
    if len(parts) == 3 and parts[0] in SUBJECT_LABELS:  # not "export.archive.<table>"
        return f"{SUBJECT_LABELS[parts[0]]} · {label}"
    return str(label)
