from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from webapp.core.forms import BaseForm, PhoneField
from webapp.core.i18n import LOCALES


class LoginForm(BaseForm):
    phone = PhoneField(
        _l("Mobile number"),
        validators=[DataRequired(message=_l("Enter your mobile number."))],
        render_kw={"autofocus": True, "autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=200, message=_l("That is too long for a password.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class LogoutForm(BaseForm):
    """Only a button: logging out is a POST so another site cannot do it for you."""


class LocaleForm(BaseForm):
    locale = StringField(
        _l("Language"),
        validators=[AnyOf(list(LOCALES), message=_l("Choose a language."))],
    )
    next = HiddenField()
