"""Chinese conventions: resident ID numbers (GB 11643) and phone numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")


class IdNumberError(ValueError):
    """Why an ID number is not valid; ``reason`` is one of: shape, birth_date, check_digit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdNumber:
    value: str
    region_code: str
    birth_date: date
    is_male: bool


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def normalise_id_number(raw: str) -> str:
    # Typed on phones: spaces, a lowercase x, full-width digits from a Chinese keyboard.
    return raw.strip().translate(_FULL_WIDTH).replace(" ", "").upper()


def parse_id_number(raw: str, today: date | None = None) -> IdNumber:
    """Check an 18-digit resident ID number and read the birth date and sex from it."""
    value = normalise_id_number(raw)
    if not _ID_SHAPE.match(value):
        raise IdNumberError("shape")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberError("birth_date") from None
    if born > (today or date.today()) or born.year < 1900:
        raise IdNumberError("birth_date")
    if id_check_digit(value[:17]) != value[17]:
        raise IdNumberError("check_digit")
    return IdNumber(value, value[:6], born, int(value[16]) % 2 == 1)


_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ－＋", "0123456789xX-+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes 010 and 02x have three digits, all others four; local numbers seven or eight.
_LANDLINE = re.compile(r"^(0[12]\d|0[3-9]\d{2})([2-9]\d{6,7})$")


class PhoneError(ValueError):
    """Not a mainland mobile or landline number."""


def normalise_phone(raw: str, allow_landline: bool = True) -> str:
    """13800000001 for a mobile, 023-12345678 for a landline; refuses anything else.

    Accepts what people type or paste: spaces, dashes, brackets, +86 or 0086, full-width digits.
    """
    digits = re.sub(r"[\s\-()（）]", "", raw.strip().translate(_FULL_WIDTH))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if _MOBILE.match(digits):
        return digits
    landline = _LANDLINE.match(digits)
    if allow_landline and landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise PhoneError(raw)


# Surnames read differently from the same character in ordinary words (曾 zēng, not céng).
_SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "仇": "qiu",
    "解": "xie",
    "朴": "piao",
    "区": "ou",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "翟": "zhai",
    "缪": "miao",
    "尉": "yu",
    "秘": "bi",
    "种": "chong",
    "繁": "po",
    "员": "yun",
    "蕃": "pi",
}


def name_search_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) for finding a child by typing Latin letters: 张小明 → zhangxiaoming,
    zxm. Where people type a letter two ways (吕: lv or lu) both are kept, space-separated."""
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(name, errors="ignore")
    if name and name[0] in _SURNAME_READINGS and syllables:
        syllables[0] = _SURNAME_READINGS[name[0]]
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables if s).lower()
    variants_full = {full, full.replace("v", "u")}
    variants_initials = {initials}
    return " ".join(sorted(variants_full)), " ".join(sorted(variants_initials))
