"""Page weight as a phone on one bar of signal pays it: every page a role reaches from its
landing page within budget, gzipped, and a repeat visit transferring only the document.
Sizes are deterministic, so the budgets are asserted (times never are)."""

from __future__ import annotations

import pytest
from flask import Flask

from bench import page_weight


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return page_weight.demo_app(str(tmp_path_factory.mktemp("weight")))


@pytest.fixture(scope="module")
def rows(app: Flask) -> list[dict]:
    return page_weight.measure(app)


def test_the_pages_of_several_roles_are_weighed(rows: list[dict]) -> None:
    roles = {row["role"] for row in rows}
    assert {"anonymous", "principal", "class teacher", "kindergarten", "oversight"} <= roles
    pages = {row["page"] for row in rows}
    assert {"/login", "/s/yangguang/", "/s/yangguang-kg/"} <= pages
    assert len(rows) >= 10


def test_every_page_holds_its_budget(rows: list[dict]) -> None:
    faults = {row["page"]: page_weight.over_budget(row) for row in rows}
    assert {page: f for page, f in faults.items() if f} == {}


def test_a_repeat_visit_transfers_only_the_document(rows: list[dict]) -> None:
    for row in rows:
        assert row["repeat visit"] == row["document"], row["page"]
        assert row["requests"] >= 3  # the stylesheet and scripts are there, and counted


def test_the_service_worker_and_what_it_keeps_hold_their_budget(app: Flask) -> None:
    kit = page_weight.offline_kit(app)
    assert kit["worker"] <= page_weight.WORKER_BUDGET
    assert kit["precache"] <= page_weight.PRECACHE_BUDGET
    # The styles, the scripts (the offline page's own too) and the offline page: no page
    # with a child's name in it is ever kept in the worker's cache.
    names = [url.split("?")[0] for url in kit["kept"]]
    assert names == [
        "/static/app.css",
        "/static/htmx.min.js",
        "/static/app.js",
        "/static/offline.js",
        "/offline",
    ]
