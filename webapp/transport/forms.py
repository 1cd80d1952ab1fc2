"""Forms of pickups and the school bus. Every form that makes or moves something carries its own
UUID, made when the form is made: sending it twice finds what the first sending did."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from webapp.children.models import GuardianRelation
from webapp.core.crypto import mask_phone
from webapp.core.forms import (
    BaseForm,
    CapturedForm,
    PhoneField,
    none_if_empty,
    options,
    strip_filter,
)
from webapp.transport.models import BusDirection, BusRoute, PassengerState, ReleaseKind

TEXT = [strip_filter, none_if_empty]
MAX_STOPS = 30


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class TapForm(CapturedForm):
    """A form with its own UUID: one tap, done once."""

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


# Pickups --------------------------------------------------------------------------------------


class ReleaseForm(TapForm):
    """The child's panel: the button tapped names the person (guardian.7, collector.3) or the
    other way the child leaves (after-school care, not in school today)."""

    person = HiddenField()
    kind = HiddenField()

    def validate_kind(self, field: HiddenField) -> None:
        if not self.person.data and field.data not in (ReleaseKind.AFTER_CARE, ReleaseKind.ABSENT):
            raise ValidationError(str(_l("Tap the person who collects the child.")))

    @property
    def release_kind(self) -> ReleaseKind:
        return ReleaseKind.COLLECTED if self.person.data else ReleaseKind(self.kind.data)


RELATIONS = options(GuardianRelation.choices())


class PersonForm(TapForm):
    """A person at the door: name, relation, phone."""

    name = StringField(
        _l("Name"),
        filters=TEXT,
        validators=[DataRequired(message=_l("Enter the person's name.")), Length(max=50)],
    )
    relation = RadioField(
        _l("Relation to the child"),
        choices=RELATIONS,
        validators=[InputRequired(message=_l("Choose how the person is related to the child."))],
    )
    phone = PhoneField(_l("Phone"))

    def person_values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "relation": GuardianRelation(self.relation.data),
            "phone": self.phone.data or None,
        }


class TodayCollectorForm(PersonForm):
    """Someone the class teacher allows for today only (今日代接人)."""

    phone = PhoneField(
        _l("Phone"),
        validators=[DataRequired(message=_l("Enter the person's mobile number."))],
    )


class RefusalForm(PersonForm):
    """The red path: the person not on the list, written down as they said."""

    phone = PhoneField(_l("Phone"), description=_l("If the person gives it."))


# The school bus -------------------------------------------------------------------------------


class RouteForm(TapForm):
    name = StringField(
        _l("Route name"),
        description=_l("For example: 青杠线 (home)."),
        filters=TEXT,
        validators=[DataRequired(message=_l("Give the route a name.")), Length(max=40)],
    )
    direction = RadioField(
        _l("Direction"),
        choices=options(BusDirection.choices()),
        default=BusDirection.HOME.value,
        validators=[InputRequired(message=_l("Choose the direction."))],
    )
    driver_name = StringField(
        _l("Driver"),
        filters=TEXT,
        validators=[DataRequired(message=_l("Enter the driver's name.")), Length(max=50)],
    )
    driver_phone = PhoneField(_l("Driver's phone"))
    plate = StringField(
        _l("Number plate"),
        filters=TEXT,
        validators=[DataRequired(message=_l("Enter the number plate.")), Length(max=20)],
    )
    seats = IntegerField(
        _l("Seats"),
        validators=[
            InputRequired(message=_l("Enter the number of seats.")),
            NumberRange(min=1, max=80, message=_l("A bus has between 1 and 80 seats.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    stops = TextAreaField(
        _l("Stops"),
        description=_l("One stop a line, in the order the bus reaches them."),
        validators=[DataRequired(message=_l("Enter at least one stop."))],
    )

    def __init__(self, *args: Any, route: BusRoute | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.route = route
        if route is None:
            self.driver_phone.validators = [
                DataRequired(message=_l("Enter the driver's mobile number."))
            ]
        else:
            self.driver_phone.description = _l(
                "Leave empty to keep the number on file (%(masked)s).",
                masked=mask_phone(route.driver_phone),
            )

    @property
    def stop_names(self) -> list[str]:
        return [line.strip() for line in (self.stops.data or "").splitlines() if line.strip()]

    def validate_stops(self, field: TextAreaField) -> None:
        names = self.stop_names
        if len(names) > MAX_STOPS:
            raise ValidationError(str(_l("A route has at most 30 stops.")))
        if any(len(name) > 40 for name in names):
            raise ValidationError(str(_l("A stop's name has at most 40 characters.")))
        if len(set(names)) != len(names):
            raise ValidationError(str(_l("Each stop is listed once.")))

    def route_values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "direction": BusDirection(self.direction.data),
            "driver_name": self.driver_name.data,
            "driver_phone": self.driver_phone.data or None,
            "plate": self.plate.data,
            "seats": self.seats.data,
            "stop_names": self.stop_names,
        }


class RiderForm(BaseForm):
    """A child and the stop: only the children and stops on offer are accepted."""

    child_id = SelectField(_l("Child"), coerce=int, validate_choice=False)
    stop_id = SelectField(_l("Stop"), coerce=int, validate_choice=False)

    def validate_child_id(self, field: SelectField) -> None:
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(str(_l("Choose a child.")))

    def validate_stop_id(self, field: SelectField) -> None:
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(str(_l("Choose the stop.")))

    def __init__(self, *args: Any, children: list, stops: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.child_id.choices = [
            (c.id, f"{c.name} · {c.school_class.name}" if c.school_class else c.name)
            for c in children
        ]
        self.stop_id.choices = [(s.id, s.name) for s in stops]


class EndRiderForm(BaseForm):
    """Taking a child off a route (the rider is kept, ended)."""


class TripTapForm(TapForm):
    """A tap on the manifest: all aboard, a stop, everyone off."""

    action = HiddenField()
    stop_id = IntegerField(validators=[Optional()])


class PassengerForm(TapForm):
    """One child's exception: the state tapped."""

    state = HiddenField(validators=[DataRequired()])

    def validate_state(self, field: HiddenField) -> None:
        if field.data not in PassengerState._value2member_map_:
            raise ValidationError(str(_l("Tap where the child is.")))


class CloseTripForm(TapForm):
    checked_empty = BooleanField(_l("The bus was checked: no child is left on board"))


class CloseDismissalForm(BaseForm):
    """Closing the day's dismissal: refused while a child is unaccounted for."""
