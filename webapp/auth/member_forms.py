"""The roles a principal gives a member."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from webapp.core.forms import BaseForm, MultiCheckboxField, options
from webapp.core.permissions import SCHOOL_ROLES, Role


class RolesForm(BaseForm):
    roles = MultiCheckboxField(_l("Roles in this school"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labels drawn in the reader's language when the page is made.
        self.roles.choices = options(
            (role.value, str(role.label)) for role in Role if role in SCHOOL_ROLES
        )
