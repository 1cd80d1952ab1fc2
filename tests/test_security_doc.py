"""docs/security.md keeps up with the code: its permission matrix is the generated one, and it
lists every field the models encrypt."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from webapp.core.crypto import sensitive_field_names
from webapp.core.db import Base
from webapp.core.permissions import permission_matrix

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"


def documented_matrix() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- permission-matrix:start -->\n") + len(
        "<!-- permission-matrix:start -->\n"
    )
    return text[start : text.index("<!-- permission-matrix:end -->")]


def test_the_documented_permission_matrix_is_the_code_s(app: Flask) -> None:
    assert documented_matrix() == permission_matrix(), (
        "regenerate it: flask --app webapp security-matrix"
    )


def test_the_security_matrix_command_prints_the_matrix(app: Flask) -> None:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["security-matrix"])
    assert result.exit_code == 0 and result.output == permission_matrix()
    assert "| `privacy.guardian_export` | ✓ |" in result.output


def test_every_encrypted_field_is_listed_as_sensitive(app: Flask) -> None:
    text = DOC.read_text(encoding="utf-8")
    encrypted = {
        f"{mapper.local_table.name}.{public}"
        for mapper in Base.registry.mappers
        for public in sensitive_field_names(mapper.class_).values()
    }
    assert len(encrypted) > 30
    assert sorted(name for name in encrypted if f"`{name}`" not in text) == []


def test_the_readme_links_the_security_page() -> None:
    assert "(docs/security.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
