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

from webapp.care.forms import CareForm, TalkForm
from webapp.care.models import CareKind, CareRecord
from webapp.care.record_forms import AssistanceForm, CounsellingForm, GrowthForm
from webapp.children.models import Child


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
    def fields_template(self) -> str:
        return f"care/kinds/{self.kind.value}_fields.html"

    @property
    def view_template(self) -> str:
        return f"care/kinds/{self.kind.value}_view.html"


KINDS: dict[CareKind, KindSpec] = {
    CareKind.TALK: KindSpec(CareKind.TALK, TalkForm, _l("New talk")),
    CareKind.COUNSELLING: KindSpec(CareKind.COUNSELLING, CounsellingForm, _l("New counselling")),
    CareKind.ASSISTANCE: KindSpec(CareKind.ASSISTANCE, AssistanceForm, _l("New assistance")),
    CareKind.GROWTH: KindSpec(CareKind.GROWTH, GrowthForm, _l("New growth record")),
}


def spec_for(value: str) -> KindSpec | None:
    kind = CareKind._value2member_map_.get(value)
    return KINDS.get(kind) if kind is not None else None


GENERIC_VIEW = "care/kinds/generic_view.html"


def view_template(kind: CareKind) -> str:
    """How a record of this kind reads; a kind with no entry form yet reads generically."""
    spec = KINDS.get(kind)
    return spec.view_template if spec is not None else GENERIC_VIEW
