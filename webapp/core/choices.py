"""Stored values with a translated label: ``MALE = "male", _l("Boy")``."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Self


class Choice(StrEnum):
    """A StrEnum whose members carry a (lazily translated) label for forms and pages."""

    _label: Any

    def __new__(cls, value: str, label: Any = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        return member

    @property
    def label(self) -> str:
        return str(self._label)

    @property
    def lazy_label(self) -> Any:
        """The label for module-level tables: translated only when it is shown."""
        return self._label

    @classmethod
    def choices(cls, members: Iterable[Self] | None = None) -> list[tuple[str, Any]]:
        """(value, label) pairs for a WTForms SelectField or chips, of every member or of the
        ones given. The labels stay lazy, so a form that lists them at import time still shows
        them in the reader's language."""
        return [
            (member.value, member.lazy_label) for member in (cls if members is None else members)
        ]

    @classmethod
    def coerce(cls, value: Any) -> Self | None:
        """For forms: '' means not chosen."""
        if value in (None, ""):
            return None
        return cls(value)
