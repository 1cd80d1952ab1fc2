"""Locale (zh_Hans_CN first, English second), Asia/Shanghai time, date filters.

Names are stored as written, family name first with no space (王小明), and shown as stored.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from webapp.core.crypto import mask_id_number, mask_phone

DEFAULT_LOCALE = "zh_Hans_CN"
LOCALES = {"zh_Hans_CN": "中文", "en": "English"}


def select_locale() -> str:
    """A person's chosen language, else Chinese: the browser's language is not asked."""
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    return DEFAULT_LOCALE


def select_timezone() -> str:
    return "Asia/Shanghai"


def long_date(value: date | datetime | None) -> str:
    """2026年11月22日 (November 22, 2026 in English)."""
    if value is None:
        return ""
    return format_date(value, "long")


def date_with_weekday(value: date | None) -> str:
    """2026年11月22日星期日."""
    if value is None:
        return ""
    return format_date(value, "full")


def short_datetime(value: datetime | None) -> str:
    """2026/11/22 08:05 in Beijing time."""
    if value is None:
        return ""
    return format_datetime(value, "short")


def is_chinese() -> bool:
    return str(get_locale()).startswith("zh")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        long_date=long_date,
        date_with_weekday=date_with_weekday,
        short_datetime=short_datetime,
        mask_phone=mask_phone,
        mask_id_number=mask_id_number,
    )
    app.jinja_env.globals.update(LOCALES=LOCALES, current_locale=lambda: str(get_locale()))


SCHOOL_TIMEZONE = ZoneInfo("Asia/Shanghai")


def local_today() -> date:
    """Today in China, whatever the server's clock zone."""
    return datetime.now(SCHOOL_TIMEZONE).date()
