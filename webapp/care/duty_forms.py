"""The school's cadences form: each duty's period, and whether it counts at all."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, ValidationError

from webapp.care.duties import Cadence
from webapp.care.models import DutyKey, Period
from webapp.core.forms import BaseForm, options


class PeriodField(RadioField):
    def pre_validate(self, form: Any) -> None:
        if self.data not in Period._value2member_map_:
            raise ValidationError(str(_l("Choose how often this duty is due.")))


class CadencesForm(BaseForm):
    """One row per duty (``<duty>_period`` and ``<duty>_enabled``), made for the school's
    current cadences by ``cadences_form``."""

    def cadence(self, duty: DutyKey) -> tuple[RadioField, BooleanField]:
        return self[f"{duty.value}_period"], self[f"{duty.value}_enabled"]

    def values(self) -> dict[DutyKey, tuple[Period, bool]]:
        found = {}
        for duty in DutyKey:
            period, enabled = self.cadence(duty)
            found[duty] = (Period(period.data), bool(enabled.data))
        return found


def cadences_form(current: dict[DutyKey, Cadence]) -> CadencesForm:
    class Form(CadencesForm):
        pass

    for duty in DutyKey:
        setattr(
            Form,
            f"{duty.value}_period",
            PeriodField(
                _l("How often"),
                choices=options(Period.choices()),
                default=current[duty].period.value,
            ),
        )
        setattr(
            Form,
            f"{duty.value}_enabled",
            BooleanField(_l("Counts for this school"), default=current[duty].enabled),
        )
    return Form()
