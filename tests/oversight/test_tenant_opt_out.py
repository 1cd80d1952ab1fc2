"""Only oversight reads leave the tenant filter (and the CLI, the demo loader and migrations,
which name their tenants themselves); each oversight read names the tenants it reads."""

from __future__ import annotations

import re
from pathlib import Path

import webapp

APP = Path(webapp.__file__).resolve().parent
ROOT = APP.parent
OPT_OUT = re.compile(r"all_tenants|ALL_TENANTS")
# The mechanism itself, and the places allowed to use it.
# Offboarding (run only by `flask tenant-offboard`) reads and deletes one named school's rows.
ALLOWED = (
    "webapp/core/tenancy.py",
    "webapp/oversight/",
    "webapp/cli.py",
    "webapp/demo/",
    "webapp/privacy/offboarding.py",
)


def sources() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def test_only_oversight_cli_demo_and_migrations_leave_the_tenant_filter() -> None:
    users = [
        str(path.relative_to(ROOT))
        for path in sources()
        if OPT_OUT.search(path.read_text(encoding="utf-8"))
    ]
    assert any(u.startswith("webapp/oversight/") for u in users)  # the grep finds real uses
    assert [u for u in users if not u.startswith(ALLOWED)] == []


def test_every_oversight_read_that_opts_out_names_its_tenants() -> None:
    """Each statement marked with the opt-out says which tenants in its WHERE clause."""
    for path in sorted((APP / "oversight").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"execution_options\(\*\*NAMED_TENANTS\)", text):
            statement = text[text.rfind("select(", 0, match.start()) : match.start()]
            assert "tenant_id.in_(" in statement or "tenant_id == tenant_id" in statement, (
                path.name,
                statement,
            )
