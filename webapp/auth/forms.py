from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Optional

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
    code = StringField(
        _l("Authenticator code (if you set one up)"),
        validators=[Optional(), Length(max=10, message=_l("The code has 6 digits."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    next = HiddenField()


class PromptForm(BaseForm):
    """The password again (and the authenticator code) before an action goes on."""

    password = PasswordField(
        _l("Password"),
        validators=[Length(max=200, message=_l("That is too long for a password."))],
        render_kw={"autocomplete": "current-password", "autofocus": True},
    )
    code = StringField(
        _l("Authenticator code"),
        validators=[Length(max=10, message=_l("The code has 6 digits."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    ticket = HiddenField()


class EnrolForm(BaseForm):
    code = StringField(
        _l("Code shown in the app"),
        validators=[
            DataRequired(message=_l("Enter the 6-digit code the app shows.")),
            Length(max=10, message=_l("The code has 6 digits.")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )
    secret = HiddenField()
    next = HiddenField()


class NewPasswordForm(BaseForm):
    """A password of one's own, typed twice."""

    password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters. A short sentence is easy to remember."),
        validators=[
            DataRequired(message=_l("Choose a password.")),
            Length(max=200, message=_l("That is too long for a password.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(message=_l("Type the password again.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class CodeLoginForm(NewPasswordForm):
    """A first login, or a reset: the code from the principal, then a password of one's own."""

    phone = PhoneField(
        _l("Mobile number"),
        validators=[DataRequired(message=_l("Enter your mobile number."))],
        render_kw={"autocomplete": "username"},
    )
    code = StringField(
        _l("One-time code from your principal"),
        validators=[
            DataRequired(message=_l("Enter the code your principal gave you.")),
            Length(max=20, message=_l("The code has 10 letters and digits.")),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )


class ChangePasswordForm(NewPasswordForm):
    """A logged-in person changes the password: the current one first."""

    current = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(message=_l("Enter your current password.")),
            Length(max=200, message=_l("That is too long for a password.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class LogoutForm(BaseForm):
    """Only a button: logging out is a POST so another site cannot do it for you."""


class LocaleForm(BaseForm):
    locale = StringField(
        _l("Language"),
        validators=[AnyOf(list(LOCALES), message=_l("Choose a language."))],
    )
    next = HiddenField()
