"""On the keeper's phone (390 px): a child signs in, the keeper scans a book's label, lends it
to that child in two taps and takes it back in one; without the sign-in, the child is found by
pinyin initials.

The rooms module (built beside this one) brings ``sign_in_a_child(page, base)`` in
tests/browser/test_room.py: one tap on the child's tile of the sign-in board. Until the two
land together, ``sign_in_a_child`` below writes the same open sign-in the board makes; once they
do, this file imports that helper and uses the shared ``live_server``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser.test_phone import arrive, fits_the_screen, log_in
from tests.care.demo_day import freeze_today
from tests.conftest import migrated_app_with_demo
from webapp.children.models import Child, SchoolClass
from webapp.core.i18n import local_today
from webapp.core.org import Tenant
from webapp.core.tenancy import tenant_context
from webapp.demo.assets import DEMO_TODAY
from webapp.extensions import db
from webapp.room.models import Room, RoomKind, SignIn

pytestmark = pytest.mark.browser

BOOK = "YG-B-0003"  # 窗边的小豆豆, in the reading room, on the shelf


@pytest.fixture(scope="module")
def home_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """The app on its own committed SQLite database, served from a thread, with the app at
    hand to make the sign-in the rooms module's board would make."""
    database = tmp_path_factory.mktemp("assets-live") / "live.sqlite3"
    app = migrated_app_with_demo(f"sqlite:///{database}")
    with pytest.MonkeyPatch.context() as patch:
        freeze_today(patch, DEMO_TODAY)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}", app
        server.shutdown()


def sign_in_a_child(app) -> str:
    """A child of 三年级二班 signs in to the reading room now; their name."""
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "yangguang"))
        with tenant_context(db.session, tenant_id):
            room = db.session.scalar(select(Room).where(Room.kind == RoomKind.READING))
            child = db.session.scalars(
                select(Child)
                .join(SchoolClass, SchoolClass.id == Child.class_id)
                .where(SchoolClass.name == "三年级二班")
                .order_by(Child.id)
            ).all()[5]
            db.session.add(
                SignIn(
                    room_id=room.id,
                    child_id=child.id,
                    signed_in_at=datetime.now(UTC),
                    signed_in_on=local_today(),
                )
            )
            name = child.name
        db.session.commit()
        db.session.remove()
    return name


class Taps:
    """Every tap the keeper makes, counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, locator) -> None:
        locator.tap()
        self.count += 1


def scan(page, base: str, code: str) -> None:
    """The phone's camera opens the URL the label holds: no tap in the app."""
    page.goto(f"{base}/s/yangguang/assets/i/{code}")
    page.locator("#loan-panel").wait_for()


def test_a_book_is_lent_to_a_child_in_the_room_in_two_taps_and_returned_in_one(
    home_server, phone
) -> None:
    base, app = home_server
    log_in(phone, base, "13800000003")
    arrive(phone, f"{base}/s/yangguang/")
    name = sign_in_a_child(app)

    scan(phone, base, BOOK)
    assert fits_the_screen(phone)
    panel = phone.locator("#loan-panel")
    assert panel.locator("input[name=due][value='14']").is_checked()  # two weeks for a book
    tap = Taps()
    tap(panel.locator("#borrowers label.pick", has_text=name))
    tap(panel.get_by_role("button", name="借出"))
    panel.get_by_text(f"已借给{name}").wait_for()
    assert tap.count == 2
    assert phone.url.endswith(f"/assets/i/{BOOK}")  # swapped in place, no page load

    scan(phone, base, BOOK)  # the book comes back a week later: scan, one tap
    tap = Taps()
    assert phone.locator("#loan-panel input[name=condition][value=good]").is_checked()
    tap(phone.locator("#loan-panel").get_by_role("button", name="归还"))
    phone.locator("#loan-panel").get_by_text(f"{name} 已归还，完好。").wait_for()
    assert tap.count == 1
    assert phone.locator("#loan-panel #lend-form").is_visible()
    assert fits_the_screen(phone)
    assert phone.console_errors == []


def test_a_child_not_in_the_room_is_found_by_initials(home_server, phone) -> None:
    base, _app = home_server
    log_in(phone, base, "13800000003")
    arrive(phone, f"{base}/s/yangguang/")
    scan(phone, base, "YG-B-0006")  # 城南旧事
    panel = phone.locator("#loan-panel")
    tap = Taps()
    tap(panel.get_by_role("searchbox"))
    phone.keyboard.type("wl")  # htmx asks as the keeper types
    chip = panel.locator("#borrowers label.pick", has_text="王丽")
    chip.wait_for()
    tap(chip)
    tap(panel.get_by_role("button", name="借出"))
    panel.get_by_text("已借给王丽").wait_for()
    assert tap.count == 3
    history = phone.locator("section", has_text="记录")
    phone.reload()
    assert re.search(r"借出 · 王丽", history.inner_text())
    assert phone.console_errors == []
