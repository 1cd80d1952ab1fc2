"""What makes a password acceptable: 10 characters or more, no composition rules, and none of
the passwords people in China reach for first (NIST SP 800-63B: length and a block list).

zxcvbn scores what is left against English lists, keyboard walks and dates; the list and
patterns here add what it does not know: 我爱你 in digits and pinyin, pinyin names followed by a
birthday, and the person's own phone number, birth date and school name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable", about 10^8 guesses

# Chosen by millions (the CSDN, 12306 and Tianya leaks): refused whatever zxcvbn says.
CHINESE_COMMON = frozenset(
    {
        "woaini1314",
        "woaini520",
        "woaini5201314",
        "5201314",
        "52013145201314",
        "1314520",
        "5211314",
        "123456789a",
        "a123456789",
        "123456789abc",
        "aa123456789",
        "qwertyuiop",
        "1qaz2wsx",
        "1qaz2wsx3edc",
        "1q2w3e4r5t",
        "qazwsxedc",
        "zxcvbnm123",
        "asdfghjkl",
        "147258369",
        "1472583690",
        "159753456",
        "123123123",
        "112233445566",
        "1234567890",
        "0123456789",
        "9876543210",
        "woshishui",
        "woaiwojia",
        "iloveyou1314",
        "qq123456789",
        "abc123456789",
        "wangyang123",
        "zhangwei123",
        "88888888888",
        "66666666666",
        "zhongguo123",
        "woaimama123",
        "woaibaobao",
        "laopo520",
        "laogong520",
        "password123",
        "shouwang123",
    }
)
LOVE_DIGITS = ("520", "1314", "5201314", "1314520")
_NAME_AND_DIGITS = re.compile(r"^([a-z]{2,24})[._@-]?(\d{4,8})$")


def _is_date(digits: str) -> bool:
    """19850612, 850612, 0612, 1985: the shapes a birthday takes in a password."""
    candidates = []
    if len(digits) == 8:
        candidates.append((int(digits[:4]), int(digits[4:6]), int(digits[6:])))
    if len(digits) == 6:
        candidates.append((1900 + int(digits[:2]), int(digits[2:4]), int(digits[4:])))
        candidates.append((2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:])))
    if len(digits) == 4:
        if 1940 <= int(digits) <= 2030:
            return True
        candidates.append((2000, int(digits[:2]), int(digits[2:])))
    for year, month, day in candidates:
        try:
            date(year, month, day)
        except ValueError:
            continue
        if 1940 <= year <= 2030:
            return True
    return False


def _own_words(
    phone: str | None, name_pinyin: Iterable[str], birth_date: date | None, schools: Iterable[str]
) -> list[str]:
    words = [w.lower() for w in (*name_pinyin, *schools) if w and len(w) >= 3]
    if phone:
        digits = re.sub(r"\D", "", phone)
        words += [digits, digits[-8:], digits[-6:]]
    if birth_date:
        words += [birth_date.strftime(f) for f in ("%Y%m%d", "%y%m%d", "%Y-%m-%d")]
    return words


def problem_with(
    password: str,
    *,
    phone: str | None = None,
    name_pinyin: Iterable[str] = (),
    birth_date: date | None = None,
    schools: Iterable[str] = (),
) -> str | None:
    """Why this password will not do, in the user's language; None when it will."""
    if len(password) < MIN_LENGTH:
        return str(_l("Use at least 10 characters. A short sentence is easy to remember."))
    plain = password.lower()
    squeezed = re.sub(r"[\s._@-]", "", plain)
    if plain in CHINESE_COMMON or squeezed in CHINESE_COMMON:
        return str(_l("This password is among the most common ones. Choose another."))
    own = _own_words(phone, name_pinyin, birth_date, schools)
    if any(word in squeezed for word in own):
        return str(
            _l("Do not use your phone number, birthday, name or school name in the password.")
        )
    match = _NAME_AND_DIGITS.match(squeezed)
    if match and (_is_date(match.group(2)) or match.group(2) in LOVE_DIGITS):
        return str(_l("A name followed by a birthday is easy to guess. Choose another."))
    if squeezed.endswith(LOVE_DIGITS) and squeezed.rstrip("0123456789").isalpha():
        return str(_l("This password is among the most common ones. Choose another."))
    if zxcvbn(password[:100], user_inputs=own)["score"] < MIN_SCORE:
        return str(_l("This password is too easy to guess. Add a few more words."))
    return None
