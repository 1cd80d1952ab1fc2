"""ISBN (国际标准书号) checked by its check digit: ISBN-10 (mod 11, X for ten) and ISBN-13
(978/979, weights 1 and 3, mod 10). Stored as ISBN-13 digits, so one book has one key."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-‐–—]")


class IsbnError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "shape" or "check_digit"


def isbn10_check(first9: str) -> str:
    total = sum((10 - i) * int(d) for i, d in enumerate(first9))
    value = (11 - total % 11) % 11
    return "X" if value == 10 else str(value)


def isbn13_check(first12: str) -> str:
    total = sum((3 if i % 2 else 1) * int(d) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def normalise_isbn(raw: str) -> str:
    """The ISBN-13 of what was typed (with or without hyphens, "ISBN" in front, ten or thirteen
    characters); raises IsbnError."""
    text = _SEPARATORS.sub("", raw.strip().upper())
    text = text.removeprefix("ISBN").lstrip(":：")
    if re.fullmatch(r"\d{9}[\dX]", text):
        if isbn10_check(text[:9]) != text[9]:
            raise IsbnError("check_digit")
        body = "978" + text[:9]
        return body + isbn13_check(body)
    if re.fullmatch(r"97[89]\d{10}", text):
        if isbn13_check(text[:12]) != text[12]:
            raise IsbnError("check_digit")
        return text
    raise IsbnError("shape")


def format_isbn(isbn13: str | None) -> str:
    """978-702000000-0: prefix, body, check digit (splitting the group and the publisher
    needs the ISBN range tables)."""
    if not isbn13:
        return ""
    return f"{isbn13[:3]}-{isbn13[3:12]}-{isbn13[12]}"
