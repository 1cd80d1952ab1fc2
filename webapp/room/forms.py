"""Forms of the children's home: a room and its hours, the board's taps, leaving the self
sign-in mode, a family call in two taps, and an activity of who came today.

The board is one form with its own UUID, made when the board is shown; each tile is a submit
button naming its act (``i12`` sign child 12 in, ``o12`` sign out, ``close`` everyone out).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TimeField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.care.forms import MINUTES_PICKS, ActivityForm, FamilyCallForm
from webapp.children.models import Child
from webapp.core.forms import BaseForm, CapturedForm, MultiCheckboxField, options, strip_filter
from webapp.room.models import RoomKind

WEEKDAYS = (
    (0, _l("Mon")),
    (1, _l("Tue")),
    (2, _l("Wed")),
    (3, _l("Thu")),
    (4, _l("Fri")),
    (5, _l("Sat")),
    (6, _l("Sun")),
)
TAP = re.compile(r"^(?:([io])(\d{1,9})|close)$")


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class UidForm(CapturedForm):
    """A form with its own UUID, made when the form is made (see care.forms.CareForm)."""

    uid = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.uid.data:
            self.uid.data = str(uuid.uuid4())

    @property
    def uid_value(self) -> uuid.UUID:
        return _uuid(self.uid.data) or uuid.uuid4()

    def validate_uid(self, field: HiddenField) -> None:
        if _uuid(field.data) is None:
            raise ValidationError(str(_l("This form is damaged. Reload the page.")))


class RoomForm(UidForm):
    name = StringField(
        _l("Name"),
        description=_l("For example: Reading room."),
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Give the room a name.")), Length(max=40)],
    )
    kind = RadioField(
        _l("Kind of room"),
        choices=options(RoomKind.choices()),
        invalid_choice_message=_l("Choose the kind of room."),
    )
    keeper_id = SelectField(_l("Keeper"), coerce=int)
    is_active = BooleanField(_l("In use"), default=True)

    def __init__(self, *args: Any, keepers: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keeper_id.choices = options([(0, _l("Nobody yet")), *keepers])

    def room_values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "kind": RoomKind(self.kind.data),
            "keeper_id": self.keeper_id.data or None,
        }


class HoursForm(BaseForm):
    """One opening, on the weekdays ticked: Saturday and Sunday 8:00–11:00."""

    weekdays = MultiCheckboxField(_l("Days"), choices=options(WEEKDAYS), coerce=int)
    opens = TimeField(_l("Opens at"), validators=[InputRequired(message=_l("Enter a time."))])
    closes = TimeField(_l("Closes at"), validators=[InputRequired(message=_l("Enter a time."))])
    in_holidays = BooleanField(_l("Holiday hours (school holidays)"))

    def validate_weekdays(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(str(_l("Choose at least one day.")))

    def validate_closes(self, field: TimeField) -> None:
        if field.data and self.opens.data and field.data <= self.opens.data:
            raise ValidationError(str(_l("The room must close after it opens.")))


class BoardForm(UidForm):
    """A tap on the board: which tile (or "everyone out"), and the search it was made in."""

    tap = HiddenField()
    q = HiddenField()

    def validate_tap(self, field: HiddenField) -> None:
        if not TAP.match(field.data or ""):
            raise ValidationError(str(_l("This form is damaged. Reload the page.")))

    def act(self) -> tuple[str, int | None]:
        """("in" | "out" | "close", the child's id)."""
        match = TAP.match(self.tap.data or "")
        if match is None or match.group(1) is None:
            return "close", None
        return ("in" if match.group(1) == "i" else "out"), int(match.group(2))


class UndoForm(BaseForm):
    """Undo: the button is the whole form (the action's uid is in its URL)."""


class StartSelfServiceForm(BaseForm):
    """Hand the phone to the children: the button is the whole form."""


class LeaveSelfServiceForm(BaseForm):
    password = PasswordField(
        _l("The keeper's password"),
        validators=[DataRequired(message=_l("Enter the keeper's password."))],
        render_kw={"autocomplete": "current-password"},
    )


class QuickCallForm(FamilyCallForm):
    """A family call in two taps: the child, then its length (the chip sends the form). The
    person is the first on the card and the channel is video until changed."""

    def __init__(self, *args: Any, people: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, people=people, **kwargs)
        if not self.is_submitted() and people and not self.person.data:
            self.person.data = people[0][0]

    @property
    def lengths(self) -> tuple[str, ...]:
        return MINUTES_PICKS


class RoomActivityForm(ActivityForm):
    """An activity of the children who came to a room today: all of them, preset."""

    def __init__(self, *args: Any, children: list[Child] = (), **kwargs: Any) -> None:
        super().__init__(*args, children=children, **kwargs)
        self.whole_class.label.text = _l("Everyone who signed in today took part")
        if not self.is_submitted():
            self.whole_class.data = True
            self.participants.data = [c.id for c in children]
