"""Page weight as a phone on one bar of signal pays it: every page a role reaches from its
landing page within budget, gzipped, and a repeat visit transferring only the document.
Sizes are deterministic, so the budgets are asserted (times never are)."""

from __future__ import annotations

import pytest

from bench import page_weight


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return page_weight.measure(page_weight.demo_app(str(tmp_path_factory.mktemp("weight"))))


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
