"""The roles a principal gives a member."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core.forms import BaseForm, MultiCheckboxField, options
from webapp.core.permissions import SCHOOL_ROLES, Role


class RolesForm(BaseForm):
    roles = MultiCheckboxField(
        _l("Roles in this school"),
        choices=options((role.value, role.label) for role in Role if role in SCHOOL_ROLES),
    )
