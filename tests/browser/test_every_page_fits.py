"""Every page fits a 390 px phone: walked in chromium as the principal (every school page that
opens with a GET, with the school's own ids), the county officer (every oversight page) and a
class teacher (her own pages). Wide tables scroll inside their box; the page never does."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Error as PlaywrightError

from tests.browser.test_phone import log_in
from tests.routes import ids_of, school_rules, urls_for

pytestmark = pytest.mark.browser

YEAR = 2026
COUNTY = "/o/bishan"
OVERSIGHT_PAGES = (
    f"{COUNTY}/",
    f"{COUNTY}/units/qinggang",
    f"{COUNTY}/schools/yangguang",
    f"{COUNTY}/schools/yangguang/grants/new",
    f"{COUNTY}/grants",
    f"{COUNTY}/snapshots/",
    f"{COUNTY}/snapshots/yangguang",
    f"{COUNTY}/assessment/",
    f"{COUNTY}/assessment/{YEAR}/scheme",
    f"{COUNTY}/assessment/{YEAR}/schools/yangguang",
)
TEACHER_PAGES = (
    "/me",
    "/me/devices",
    "/me/password",
    "/offline",
    "/s/yangguang/",
    "/s/yangguang/children/",
    "/s/yangguang/offline/pack",
)
# The width the page would need, and what is wider than the screen (to name it in a failure).
MEASURE = """() => {
  const wide = [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(e => !e.closest('.scroll-x, table, pre, svg'))
    .slice(0, 3)
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
  return [document.documentElement.scrollWidth, window.innerWidth, wide];
}"""


def school_pages(app: Flask) -> list[str]:
    """One URL per school page a GET opens, with the first of the school's own ids."""
    ids = ids_of(app, "yangguang", limit=1)
    pages = []
    for rule in school_rules(app):
        if "GET" in rule.methods and all(ids.get(a, [1]) for a in rule.arguments):
            pages.append(urls_for(rule, "yangguang", ids)[0])
    return sorted(set(pages))


def too_wide(page, base: str, paths) -> list[str]:
    found = []
    for path in paths:
        try:
            response = page.goto(base + path, wait_until="domcontentloaded")
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # an Excel file or a photo, not a page
            raise
        if response is None or response.status >= 500:
            found.append(f"{path}: {response.status if response else 'no answer'}")
            continue
        width, screen, wide = page.evaluate(MEASURE)
        if width > screen:
            found.append(f"{path}: {width} px ({', '.join(wide)})")
    return found


def test_every_school_page_fits_the_phone_of_a_principal(live, phone) -> None:
    base, app = live
    log_in(phone, base, "13800000001")
    phone.wait_for_url(f"{base}/s/yangguang/")
    paths = school_pages(app)
    assert len(paths) > 100  # the walk reaches the whole app, not a few pages
    assert too_wide(phone, base, paths) == []


def test_every_oversight_page_fits_the_phone_of_the_county_officer(live, phone) -> None:
    base, _app = live
    log_in(phone, base, "13900000230")
    phone.wait_for_url(f"{base}{COUNTY}/")
    assert too_wide(phone, base, OVERSIGHT_PAGES) == []


def test_a_class_teachers_own_pages_fit_her_phone(live, phone) -> None:
    base, _app = live
    log_in(phone, base, "13800000002")
    phone.wait_for_url(f"{base}/s/yangguang/")
    assert too_wide(phone, base, TEACHER_PAGES) == []
