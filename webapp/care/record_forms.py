"""The forms of the longer-lived care records: counselling (心理辅导), assistance (资助帮扶) and
the growth record (成长记录袋).

What a kind needs beyond the common columns goes into the record's sealed ``details``: the
presenting problem of a counselling session, the amount of a subsidy (poverty is private), the
title of an award. A counselling record's next session is its follow-up; a wish (圆梦) is a
growth record's follow-up, and fulfilling it closes the follow-up.

``readable_details`` reads the details back for the pages (the ``care_details`` template
global): labels rather than stored values, amounts as the reader's locale writes them.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from webapp.care.forms import TEXT, CareForm
from webapp.care.models import CareKind, CareRecord
from webapp.core.choices import Choice
from webapp.core.forms import options, strip_filter


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """Details without their empty entries: nothing stored for what was not said."""
    return {key: value for key, value in values.items() if value not in (None, "")}


# Counselling ---------------------------------------------------------------------------------


class CounsellingForm(CareForm):
    """A counselling session (心理辅导): read by the counsellor and the principal only."""

    problem = TextAreaField(
        _l("Presenting problem"),
        description=_l("What brought the child, in the child's or the referrer's words."),
        filters=TEXT,
        validators=[
            DataRequired(message=_l("Write what brought the child to counselling.")),
            Length(max=2000),
        ],
        render_kw={"rows": 3},
    )
    notes = TextAreaField(
        _l("What was done"),
        filters=TEXT,
        validators=[
            DataRequired(message=_l("Write what was done in the session.")),
            Length(max=4000),
        ],
        render_kw={"rows": 4},
    )
    assessment = TextAreaField(
        _l("Assessment"),
        description=_l("How the child is now, and how serious it is."),
        filters=TEXT,
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
    )
    concern = BooleanField(_l("Needs close watching (risk of harm or crisis)"))
    next_session_on = DateField(_l("Next session"), validators=[Optional()])
    follow_up = StringField(
        _l("To work on next time"),
        filters=TEXT,
        validators=[Length(max=200)],
    )

    FIELDS = ("notes", "concern", "follow_up")

    def validate_next_session_on(self, field: DateField) -> None:
        if field.data and self.happened_on.data and field.data < self.happened_on.data:
            raise ValidationError(_("The next session cannot be before this one."))

    def record_values(self) -> dict[str, Any]:
        values = super().record_values()
        values["details"] = _present(
            {"problem": self.problem.data, "assessment": self.assessment.data}
        )
        values["follow_up_due"] = self.next_session_on.data
        if self.next_session_on.data and not values["follow_up"]:
            values["follow_up"] = _("Next session")
        return values

    def from_record(self, record: CareRecord) -> None:
        super().from_record(record)
        details = record.details
        self.problem.data = details.get("problem")
        self.assessment.data = details.get("assessment")
        self.next_session_on.data = record.follow_up_due


# Assistance ----------------------------------------------------------------------------------


class AssistanceType(Choice):
    FEE_WAIVER = "fee_waiver", _l("Fee waiver")
    LIVING_SUBSIDY = "living_subsidy", _l("Living subsidy")
    TWO_FREE_ONE_SUBSIDY = "two_free_one_subsidy", _l("Two exemptions and one subsidy")
    MINIMUM_LIVING = "minimum_living", _l("Minimum living allowance")
    BURSARY = "bursary", _l("Bursary")
    IN_KIND = "in_kind", _l("Donation in kind")


class AssistanceSource(Choice):
    AUTHORITIES = "authorities", _l("Government or education authorities")
    SCHOOL = "school", _l("School funds")
    DONATION = "donation", _l("Donation from the public")


NOT_A_NUMBER = _l("Enter the amount in yuan as a number, for example 500 or 1250.5.")
# A grant above this is almost certainly a slip of the thumb (an extra zero).
LARGEST_AMOUNT = Decimal(100_000)


class AmountError(ValueError):
    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def parse_yuan(text: str) -> Decimal:
    """An amount in yuan as typed on a phone: full-width digits, 元 or ¥ and commas allowed."""
    cleaned = unicodedata.normalize("NFKC", text)
    for mark in (",", "元", "¥", " "):
        cleaned = cleaned.replace(mark, "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise AmountError(NOT_A_NUMBER) from None
    if not value.is_finite():
        raise AmountError(NOT_A_NUMBER)
    if value <= 0:
        raise AmountError(_l("The amount must be more than 0 yuan."))
    if value.as_tuple().exponent < -2:
        raise AmountError(_l("An amount has at most two decimals (fen)."))
    if value > LARGEST_AMOUNT:
        raise AmountError(_l("That is more than 100,000 yuan: check the amount."))
    return value.quantize(Decimal("0.01"))


class AssistanceForm(CareForm):
    """Assistance granted (资助): a fee waiver, a subsidy, a donation in kind. Amounts are
    sealed: a family's poverty is nobody's business beyond those who care for the child."""

    assistance_type = RadioField(
        _l("Kind of assistance"),
        validators=[InputRequired(message=_l("Choose the kind of assistance."))],
    )
    amount = StringField(
        _l("Amount (yuan)"),
        description=_l("For a donation in kind, its value if known."),
        filters=[strip_filter],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 12},
    )
    source = RadioField(
        _l("Source"),
        validators=[InputRequired(message=_l("Choose where the assistance comes from."))],
    )
    donor = StringField(
        _l("Donor or programme"),
        description=_l("For example: the county women's federation, or a company's name."),
        filters=TEXT,
        validators=[Length(max=100)],
    )
    items = TextAreaField(
        _l("Items given"),
        description=_l("For example: a winter coat, a schoolbag and ten exercise books."),
        filters=TEXT,
        validators=[Length(max=500)],
        render_kw={"rows": 2},
    )
    notes = TextAreaField(
        _l("Note"), filters=TEXT, validators=[Length(max=1000)], render_kw={"rows": 2}
    )

    FIELDS = ("notes",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labels in the reader's language: made per request, not when the module loads.
        self.assistance_type.choices = options(AssistanceType.choices())
        self.source.choices = options(AssistanceSource.choices())

    @property
    def in_kind(self) -> bool:
        return self.assistance_type.data == AssistanceType.IN_KIND.value

    def validate_amount(self, field: StringField) -> None:
        if not field.data:
            if not self.in_kind:
                raise ValidationError(_("Enter the amount granted."))
            return
        try:
            parse_yuan(field.data)
        except AmountError as error:
            raise ValidationError(str(error.message)) from None

    def validate_items(self, field: TextAreaField) -> None:
        if self.in_kind and not field.data:
            raise ValidationError(_("List what was given."))

    def record_values(self) -> dict[str, Any]:
        values = super().record_values()
        amount = parse_yuan(self.amount.data) if self.amount.data else None
        values["details"] = _present(
            {
                "type": self.assistance_type.data,
                "amount": str(amount) if amount is not None else None,
                "source": self.source.data,
                "donor": self.donor.data,
                "items": self.items.data,
            }
        )
        return values

    def from_record(self, record: CareRecord) -> None:
        super().from_record(record)
        details = record.details
        self.assistance_type.data = details.get("type")
        self.amount.data = details.get("amount")
        self.source.data = details.get("source")
        self.donor.data = details.get("donor")
        self.items.data = details.get("items")


# Growth record -------------------------------------------------------------------------------


class GrowthType(Choice):
    AWARD = "award", _l("Award")
    DEED = "deed", _l("Special deed")
    EVALUATION = "evaluation", _l("Term evaluation")
    WISH = "wish", _l("Wish")
    BIRTHDAY = "birthday", _l("Birthday celebrated")
    # 成长案例分析: the class teacher's written analysis of a child's case, for the archive.
    CASE_ANALYSIS = "case_analysis", _l("Case analysis")


class GrowthForm(CareForm):
    """An entry of the growth record (成长记录袋). A wish is the record's follow-up: fulfilling
    it (圆梦) closes the follow-up, with its date."""

    growth_type = RadioField(
        _l("What to record"),
        validators=[InputRequired(message=_l("Choose what to record."))],
    )
    title = StringField(
        _l("Title"),
        description=_l("For example: Star of the left-behind children of the term."),
        filters=TEXT,
        validators=[Length(max=100)],
    )
    wish = StringField(
        _l("The child's wish"),
        description=_l("In the child's words, for example: a football of my own."),
        filters=TEXT,
        validators=[Length(max=200)],
    )
    notes = TextAreaField(
        _l("What happened, or the evaluation"),
        filters=TEXT,
        validators=[Length(max=4000)],
        render_kw={"rows": 4},
    )

    FIELDS = ("notes",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.growth_type.choices = options(GrowthType.choices())  # per request, translated

    @property
    def chosen(self) -> GrowthType | None:
        return GrowthType._value2member_map_.get(self.growth_type.data or "")

    def validate_title(self, field: StringField) -> None:
        if self.chosen in (GrowthType.AWARD, GrowthType.DEED) and not field.data:
            raise ValidationError(_("Name the award or the deed."))

    def validate_wish(self, field: StringField) -> None:
        if self.chosen == GrowthType.WISH and not field.data:
            raise ValidationError(_("Write the child's wish."))

    def validate_notes(self, field: TextAreaField) -> None:
        if self.chosen == GrowthType.EVALUATION and not field.data:
            raise ValidationError(_("Write the evaluation."))
        if self.chosen == GrowthType.CASE_ANALYSIS and not field.data:
            raise ValidationError(_("Write the analysis."))

    def record_values(self) -> dict[str, Any]:
        values = super().record_values()
        values["details"] = _present({"type": self.growth_type.data, "title": self.title.data})
        # Only a wish waits for something; other entries record what already happened.
        values["follow_up"] = self.wish.data if self.chosen == GrowthType.WISH else None
        return values

    def from_record(self, record: CareRecord) -> None:
        super().from_record(record)
        details = record.details
        self.growth_type.data = details.get("type")
        self.title.data = details.get("title")
        self.wish.data = record.follow_up


# Reading the details back ---------------------------------------------------------------------

# The stored choices of each kind's details, read back as their labels.
CHOICES_IN_DETAILS: dict[CareKind, dict[str, type[Choice]]] = {
    CareKind.ASSISTANCE: {"type": AssistanceType, "source": AssistanceSource},
    CareKind.GROWTH: {"type": GrowthType},
}


def readable_details(record: CareRecord) -> dict[str, Any]:
    """A record's sealed details as a page shows them: a stored choice as its label, an
    amount as the reader's locale writes it (1,200.00). Only for those who may read the record."""
    details = record.details
    for key, choice in CHOICES_IN_DETAILS.get(record.kind, {}).items():
        member = choice._value2member_map_.get(details.get(key) or "")
        details[key] = member.label if member is not None else None
    if details.get("amount"):
        details["amount"] = format_decimal(Decimal(details["amount"]), format="#,##0.00")
    return details
