"""A real server and Debian's chromium at phone size (390 × 844)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.care.demo_day import freeze_today
from tests.conftest import migrated_app_with_demo
from webapp.demo.care import DEMO_TODAY

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Flask]]:
    """The app on a committed SQLite database of its own, served from a thread, answering as
    on the demo's day (its care history ends there; in a holiday nothing would be due): its
    address and the app (to read ids from its database). One per module: the demo's day is
    given back when the module ends, so the tests after it see the real date."""
    database = tmp_path_factory.mktemp("live") / "live.sqlite3"
    app = migrated_app_with_demo(f"sqlite:///{database}")
    with pytest.MonkeyPatch.context() as patch:
        freeze_today(patch, DEMO_TODAY)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}", app
        server.shutdown()


@pytest.fixture(scope="module")
def live_server(live: tuple[str, Flask]) -> str:
    return live[0]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is not installed (CI installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser) -> Iterator[object]:
    """A fresh phone-sized page; console errors (CSP violations included) are collected."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.console_errors = []

    def on_console(message) -> None:
        # A 422 answer to a form with mistakes is expected; the browser still logs it.
        expected = "responded with a status of 422" in message.text
        if message.type == "error" and not expected:
            page.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()
