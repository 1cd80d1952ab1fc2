"""``flask tenant-offboard``: a school leaves the deployment with its data, and none is left."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import app_session
from tests.privacy.conftest import NewSchool  # noqa: F401 - the new_school fixture
from tests.test_cross_tenant import fingerprint
from webapp.children.models import Child, Guardian
from webapp.core.files import store_photo
from webapp.core.org import Membership, Tenant
from webapp.core.tenancy import ALL_TENANTS, tenant_tables
from webapp.extensions import db


@pytest.fixture
def instance(app: Flask, transaction: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Sealed files go under a directory of the test's own, not the shared instance/."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    return tmp_path


def offboard(app: Flask, *args: str):
    with app.app_context():
        return app.test_cli_runner().invoke(args=["tenant-offboard", *args])


def rows_per_table(app: Flask, tenant_id: int) -> dict[str, int]:
    with app_session(app) as session:
        return {
            table.name: session.scalar(
                select(func.count())
                .select_from(table)
                .where(table.c.tenant_id == tenant_id)
                .execution_options(**{ALL_TENANTS: True})
            )
            for table in tenant_tables()
        }


def a_guardian_photo(app: Flask) -> tuple[int, Path]:
    picture = io.BytesIO()
    Image.new("RGB", (200, 260), "teal").save(picture, "JPEG")
    with app_session(app, "hongxing") as session:
        guardian = session.scalars(select(Guardian).order_by(Guardian.id)).first()
        guardian.photo_uid = store_photo(guardian.tenant_id, picture.getvalue())
        stored = Path(app.instance_path) / "files" / str(guardian.tenant_id)
        return guardian.tenant_id, stored / f"{guardian.photo_uid}.bin"


def test_offboarding_exports_every_row_and_file_then_leaves_nothing_of_the_school(
    app: Flask, instance: Path
) -> None:
    tenant_id, photo = a_guardian_photo(app)
    before = rows_per_table(app, tenant_id)
    assert before["child"] >= 60 and before["audit_event"] > 0
    others = {slug: fingerprint(app, slug) for slug in ("yangguang", "yangguang-kg")}
    with app_session(app, "hongxing") as session:
        a_child = session.scalars(select(Child).order_by(Child.id)).first()
        child_name, id_number = a_child.name, a_child.id_number
    export = instance / "export"

    result = offboard(app, "hongxing", "--export", str(export))

    assert result.exit_code == 0, result.output
    assert "read back and checked" in result.output
    assert set(rows_per_table(app, tenant_id).values()) == {0}
    assert not photo.exists() and not photo.parent.exists()
    with app_session(app) as session:
        # 阳光小学 received children from 红星小学: its history keeps the bare name, nothing more.
        kept = session.scalar(select(Tenant).where(Tenant.slug == "hongxing"))
        assert not kept.is_active and kept.org_unit_id is None
        assert "its name is kept" in result.output
        assert not session.scalar(
            select(func.count()).select_from(Membership).where(Membership.tenant_id == tenant_id)
        )
    manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8"))
    for table, count in before.items():
        lines = (export / "tables" / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == count == manifest["rows"][table], table
    children = [
        json.loads(line) for line in (export / "tables" / "child.jsonl").read_text().splitlines()
    ]
    # Readable: the school gets its children's cards, not this deployment's ciphertext.
    assert {"name": child_name, "id_number": id_number}.items() <= children[0].items()
    assert not any(key.endswith("_sealed") for key in children[0])
    exported_photo = export / "files" / f"{photo.stem}.jpg"
    assert exported_photo.read_bytes().startswith(b"\xff\xd8")
    assert {slug: fingerprint(app, slug) for slug in others} == others


def test_a_school_no_other_school_names_is_deleted_outright(
    app: Flask, instance: Path, new_school
) -> None:
    result = offboard(app, new_school.slug, "--export", str(instance / "export"))

    assert result.exit_code == 0, result.output
    assert "the school is gone" in result.output
    with app_session(app) as session:
        assert session.get(Tenant, new_school.id) is None
    school = json.loads((instance / "export" / "tables" / "tenant.jsonl").read_text())
    assert school["slug"] == new_school.slug


def test_offboarding_refuses_without_an_export_directory(app: Flask, instance: Path) -> None:
    with app_session(app) as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hongxing"))
    before = rows_per_table(app, tenant_id)

    result = offboard(app, "hongxing")

    assert result.exit_code != 0
    assert "--export" in result.output and "nothing was deleted" in result.output
    assert rows_per_table(app, tenant_id) == before


def test_offboarding_refuses_an_export_directory_that_is_not_empty(
    app: Flask, instance: Path
) -> None:
    export = instance / "export"
    export.mkdir()
    (export / "earlier.txt").write_text("an earlier school's export")
    before = fingerprint(app, "hongxing")

    result = offboard(app, "hongxing", "--export", str(export))

    assert result.exit_code != 0
    assert "not an empty directory" in result.output
    assert fingerprint(app, "hongxing") == before
    assert [p.name for p in export.iterdir()] == ["earlier.txt"]


def test_offboarding_an_unknown_school_is_refused(app: Flask, instance: Path) -> None:
    result = offboard(app, "no-such-school", "--export", str(instance / "export"))
    assert result.exit_code != 0 and "no school" in result.output
    with app.app_context():
        db.session.remove()
