"""Every kind of care record the quick-entry pages know: its form and its templates.

The generic views (new, show, edit, amend, timeline) look a kind up here. Adding a kind is a
form class, two templates beside the others in templates/care/kinds/ (``<kind>_fields.html``
for entry, ``<kind>_view.html`` for reading) and one line below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.care import queries, service
from webapp.care.access import may_record
from webapp.care.forms import (
    CareForm,
    FamilyCallForm,
    HomeVisitForm,
    LetterHomeForm,
    ParentContactForm,
    TalkForm,
    people_choices,
)
from webapp.care.models import CareKind, CareRecord, Channel, Direction
from webapp.care.record_forms import AssistanceForm, CounsellingForm, GrowthForm
from webapp.children.access import Access
from webapp.children.models import Child
from webapp.core.i18n import local_today
from webapp.core.permissions import Role
from webapp.extensions import db

# The quick entries a phone may keep without signal, encrypted, until they are sent.
OFFLINE_KINDS = frozenset(
    {CareKind.TALK, CareKind.HOME_VISIT, CareKind.PARENT_CONTACT, CareKind.FAMILY_CALL}
)


def _no_options(_child: Child) -> dict[str, Any]:
    return {}


def _nothing_after_save(_record: CareRecord, _form: CareForm, _actor_id: int) -> None:
    return None


@dataclass(frozen=True)
class KindSpec:
    kind: CareKind
    form: type[CareForm]
    new_title: Any
    # Extra keyword arguments for the form, from the child (a contact form's parents).
    form_options: Callable[[Child], dict[str, Any]] = field(default=_no_options)
    # What a kind does once its record is made the first time (a visit's photos).
    after_create: Callable[[CareRecord, CareForm, int], None] = field(default=_nothing_after_save)

    @property
    def offline(self) -> bool:
        """Kept on the phone without signal (the outbox); never counselling, never a plan."""
        return self.kind in OFFLINE_KINDS

    @property
    def fields_template(self) -> str:
        return f"care/kinds/{self.kind.value}_fields.html"

    @property
    def view_template(self) -> str:
        return f"care/kinds/{self.kind.value}_view.html"


def _visit_options(child: Child) -> dict[str, Any]:
    return {
        "people": people_choices(child),
        "staff": queries.school_staff(db.session, child.tenant_id, current_user.id),
        "author_id": current_user.id,
    }


def _store_visit_photos(record: CareRecord, form: CareForm, actor_id: int) -> None:
    # Shrunk while the form was checked; a replay never gets here, so never adds them twice.
    for data in getattr(form, "shrunk_photos", ()):
        service.add_photo(db.session, record, data, actor_id=actor_id)


def _named_people(child: Child) -> dict[str, Any]:
    return {"people": people_choices(child)}


def _people_by_relation(child: Child) -> dict[str, Any]:
    return {"people": people_choices(child, named=False)}


KINDS: dict[CareKind, KindSpec] = {
    CareKind.TALK: KindSpec(CareKind.TALK, TalkForm, _l("New talk")),
    CareKind.COUNSELLING: KindSpec(CareKind.COUNSELLING, CounsellingForm, _l("New counselling")),
    CareKind.ASSISTANCE: KindSpec(CareKind.ASSISTANCE, AssistanceForm, _l("New assistance")),
    CareKind.GROWTH: KindSpec(CareKind.GROWTH, GrowthForm, _l("New growth record")),
    CareKind.HOME_VISIT: KindSpec(
        CareKind.HOME_VISIT,
        HomeVisitForm,
        _l("New home visit"),
        form_options=_visit_options,
        after_create=_store_visit_photos,
    ),
    CareKind.PARENT_CONTACT: KindSpec(
        CareKind.PARENT_CONTACT,
        ParentContactForm,
        _l("New parent contact"),
        form_options=_named_people,
    ),
    CareKind.FAMILY_CALL: KindSpec(
        CareKind.FAMILY_CALL,
        FamilyCallForm,
        _l("New family call"),
        form_options=_people_by_relation,
    ),
    CareKind.LETTER_HOME: KindSpec(
        CareKind.LETTER_HOME,
        LetterHomeForm,
        _l("New letter home"),
        form_options=_people_by_relation,
    ),
}


def spec_for(value: str) -> KindSpec | None:
    kind = CareKind._value2member_map_.get(value)
    return KINDS.get(kind) if kind is not None else None


GENERIC_VIEW = "care/kinds/generic_view.html"


def view_template(kind: CareKind) -> str:
    """How a record of this kind reads; a kind with no entry form yet reads generically."""
    spec = KINDS.get(kind)
    return spec.view_template if spec is not None else GENERIC_VIEW


def contact_after_call(
    child: Child, person: str, access: Access, roles: frozenset[Role]
) -> tuple[KindSpec, CareForm] | None:
    """The parent-contact form as a call from the card opens it: that parent or guardian, by
    phone, we called, today. None for those who may call but not record the contact."""
    spec = KINDS[CareKind.PARENT_CONTACT]
    if not may_record(spec.kind, access, roles):
        return None
    form = spec.form(
        formdata=None,
        person=person,
        channel=Channel.PHONE.value,
        direction=Direction.OUTGOING.value,
        happened_on=local_today(),
        **spec.form_options(child),
    )
    return spec, form
