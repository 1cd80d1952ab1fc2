"""Reliability drills, short version (bench/drills.py runs the long one): concurrent writers on
SQLite, kill -9 of gunicorn during writes, online backup and restore, upgrade from the previous
migration. Real gunicorn, real SQLite files, plain HTTP as the class teacher."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench import drills
from tests.bench.test_gen_data import database_url

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> drills.Site:
    return drills.demo_site(tmp_path_factory.mktemp("drill-template"), None)


def test_eight_writers_at_once_lose_nothing_and_never_see_a_lock(
    template: drills.Site, tmp_path: Path
) -> None:
    result = drills.writers_drill(tmp_path, writers=8, records=4, template=template)
    assert result["acknowledged"] == result["sent"] == 32
    assert result["other_statuses"] == []
    assert result["locked_in_log"] == 0
    assert result["rows"] == result["expected_rows"] == 32
    assert result["integrity"] == "ok"


def test_four_saves_of_one_card_at_once_one_wins_and_the_others_are_told(
    template: drills.Site, tmp_path: Path
) -> None:
    result = drills.card_drill(tmp_path, savers=4, template=template)
    assert result["won"] == 1
    assert result["told"] == 3
    assert result["other_statuses"] == []
    assert result["typed_values_kept"]
    assert result["card_holds_the_winner"]
    assert result["retry_status"] == 303
    assert result["card_after_retry"] == result["retry_value"]
    assert result["locked_in_log"] == 0


def test_kill_9_during_writes_loses_no_acknowledged_record_and_duplicates_none(
    template: drills.Site, tmp_path: Path
) -> None:
    result = drills.kill_drill(tmp_path, kills=3, template=template)
    assert result["failures"] == []
    assert result["acknowledged"] == result["sent"] > 0
    assert result["rows_of_acknowledged"] == result["acknowledged"]  # none lost
    assert result["rows_of_sent"] == result["sent"]  # retries made no second copy
    assert result["integrity"] == "ok"


def test_an_online_backup_restores_with_every_count_and_a_working_login(
    template: drills.Site, tmp_path: Path
) -> None:
    result = drills.backup_drill(tmp_path, seconds=1.0, template=template)
    assert result["written_during"] > 0
    assert result["busy_backup_integrity"] == "ok"
    assert result["busy_backup_in_range"]
    assert result["restored_integrity"] == "ok"
    assert result["restored_counts_equal"]
    assert result["restored_login"]


def test_upgrade_from_the_previous_migration_keeps_the_data(
    template: drills.Site, tmp_path: Path
) -> None:
    result = drills.upgrade_drill(tmp_path, template=template)
    assert result["tables_at_previous"] < result["tables_at_head"]
    assert result["rows_of_previous_tables"] > 1000
    assert result["rows_lost"] == {}
    assert result["login_after"]


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL not configured")
def test_upgrade_from_the_previous_migration_keeps_the_data_on_postgresql(tmp_path: Path) -> None:
    # the gen_data test's own database (created, schema reset): the suite's shared one stays
    result = drills.upgrade_drill(tmp_path, url=database_url("postgresql", tmp_path, 1))
    assert result["rows_lost"] == {}
    assert result["login_after"]
