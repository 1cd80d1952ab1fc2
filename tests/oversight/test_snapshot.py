"""Term roster snapshots: the school submits the term's figures and list of left-behind
children; from then on the snapshot is locked, whatever happens to the cards. The units above
see who submitted and the figures, never a name."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.care.demo_day import freeze_today
from tests.conftest import app_session
from tests.helpers import csrf_token_in, log_in, text_of
from webapp.children import service as children_service
from webapp.children.access import ON_ROLL
from webapp.children.models import Child, Guardian, LeftBehindType, Parent, ParentRelation
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import OrgUnit, Tenant, TenantKind, UnitKind
from webapp.core.tenancy import ALL_TENANTS
from webapp.demo.care import DEMO_TODAY
from webapp.oversight import snapshot_service
from webapp.oversight.snapshot_models import RosterSnapshot, content_hash
from webapp.oversight.snapshot_queries import small, unit_figures
from webapp.tenants.models import Term

SCHOOL = "/s/yangguang/snapshots/"
UNIT = "/o/qinggang/snapshots/"
OFFICER = "13800000009"
PRINCIPAL = "13800000001"
TEACHER = "13800000002"


@pytest.fixture(autouse=True)
def demo_day(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch, DEMO_TODAY)


def submit_form(client: FlaskClient) -> dict[str, str]:
    """The submit form of the snapshot page as the browser would send it."""
    html = text_of(client.get(SCHOOL))
    action = re.search(r'action="(/s/yangguang/snapshots/terms/\d+/submit)"', html).group(1)
    uid = re.search(
        r'action="/s/yangguang/snapshots/terms/\d+/submit">\s*<input[^>]*>\s*'
        r'<input type="hidden" name="uid" value="([^"]+)"',
        html,
    ).group(1)
    return {"action": action, "csrf_token": csrf_token_in(html), "uid": uid}


def submit(client: FlaskClient, form: dict[str, str] | None = None) -> int:
    """Submit the term's snapshot; returns the snapshot's id from the page it leads to."""
    form = form or submit_form(client)
    response = client.post(
        form["action"], data={"csrf_token": form["csrf_token"], "uid": form["uid"]}
    )
    assert response.status_code == 303
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def snapshots_of(app: Flask, slug: str = "yangguang") -> list[RosterSnapshot]:
    with app_session(app, slug) as session:
        found = list(session.scalars(select(RosterSnapshot).order_by(RosterSnapshot.version)))
        session.expunge_all()
    return found


def left_behind_on_roll(app: Flask, slug: str = "yangguang") -> list[tuple[int, str]]:
    """Counted here, not by the app: the left-behind children on the roll with a class."""
    with app_session(app, slug) as session:
        return list(
            session.execute(
                select(Child.id, Child.name).where(
                    Child.status.in_(ON_ROLL),
                    Child.left_behind_type != LeftBehindType.NONE,
                    Child.class_id.is_not(None),
                )
            ).all()
        )


def secrets_of(app: Flask, slug: str = "yangguang") -> set[str]:
    """The school's ID numbers and phones in plain text (children, parents, guardians)."""
    with app_session(app, slug) as session:
        found = {c.id_number for c in session.scalars(select(Child))}
        found |= {p.phone for p in session.scalars(select(Parent))}
        found |= {g.phone for g in session.scalars(select(Guardian))}
    return {s for s in found if s}


def every_child_name(app: Flask) -> set[str]:
    with app_session(app) as session:
        return set(
            session.scalars(select(Child.name).execution_options(**{ALL_TENANTS: True})).all()
        )


def test_the_snapshot_lists_the_left_behind_children_with_the_asked_fields_only(
    app: Flask, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL)
    snapshot_id = submit(client)
    expected = left_behind_on_roll(app)
    (snapshot,) = snapshots_of(app)
    assert snapshot.id == snapshot_id and snapshot.version == 1
    assert sorted(e["child_id"] for e in snapshot.children) == sorted(i for i, _ in expected)
    assert {tuple(sorted(e)) for e in snapshot.children} == {
        (
            "birth_date",
            "care_type",
            "child_id",
            "class",
            "father_work_place",
            "guardian_relation",
            "mother_work_place",
            "name",
            "sex",
        )
    }
    assert snapshot.figures["totals"]["one_parent"] + snapshot.figures["totals"][
        "both_parents"
    ] == len(expected)
    page = text_of(client.get(f"{SCHOOL}{snapshot_id}"))
    assert all(name in page for _, name in expected)
    secrets = secrets_of(app)
    assert secrets and not [s for s in secrets if s in page]  # no ID number, no phone


def test_a_submitted_snapshot_does_not_change_when_a_card_is_edited(
    app: Flask, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL)
    snapshot_id = submit(client)
    before = text_of(client.get(f"{SCHOOL}{snapshot_id}"))
    (snapshot,) = snapshots_of(app)
    entry = snapshot.children[0]
    with app_session(app, "yangguang") as session:
        child = session.get(Child, entry["child_id"])
        children_service.update_child(
            session, child, actor_id=None, name="改名字", left_behind_type=LeftBehindType.NONE
        )
        father = session.scalar(
            select(Parent).where(
                Parent.child_id == child.id, Parent.relation == ParentRelation.FATHER
            )
        )
        if father is not None:
            children_service.update_parent(session, father, actor_id=None, work_city="拉萨市")

    after = text_of(client.get(f"{SCHOOL}{snapshot_id}"))
    (again,) = snapshots_of(app)
    assert again.children == snapshot.children and again.figures == snapshot.figures
    assert (
        again.content_hash
        == snapshot.content_hash
        == content_hash(snapshot.figures, snapshot.children)
    )
    assert entry["name"] in after and "改名字" not in after and "拉萨市" not in after
    assert re.sub(r"\s+", " ", after).count("<tr>") == re.sub(r"\s+", " ", before).count("<tr>")
    # the roster as the cards say now has moved on: one left-behind child fewer
    assert len(left_behind_on_roll(app)) == len(snapshot.children) - 1


def test_a_resubmission_is_a_new_version_and_the_earlier_one_is_kept(
    app: Flask, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL)
    first = submit(client)
    (snapshot,) = snapshots_of(app)
    with app_session(app, "yangguang") as session:
        child = session.get(Child, snapshot.children[0]["child_id"])
        children_service.update_child(
            session, child, actor_id=None, left_behind_type=LeftBehindType.NONE
        )
    second = submit(client)
    one, two = snapshots_of(app)
    assert (one.id, one.version, two.id, two.version) == (first, 1, second, 2)
    assert one.children == snapshot.children
    assert len(two.children) == len(one.children) - 1
    assert one.content_hash != two.content_hash
    listing = text_of(client.get(SCHOOL))
    assert "版本 1" in listing and "版本 2" in listing


def test_a_double_submit_makes_one_snapshot(app: Flask, client: FlaskClient) -> None:
    log_in(client, PRINCIPAL)
    form = submit_form(client)
    assert submit(client, form) == submit(client, form)
    assert len(snapshots_of(app)) == 1
    with app_session(app, "yangguang") as session:
        created = session.scalar(
            select(func.count()).where(
                AuditEvent.subject == "roster_snapshot", AuditEvent.action == AuditAction.CREATE
            )
        )
    assert created == 1


def test_a_class_teacher_neither_sees_nor_submits_snapshots(client: FlaskClient) -> None:
    log_in(client, TEACHER)
    assert client.get(SCHOOL).status_code == 403
    token = csrf_token_in(text_of(client.get("/s/yangguang/")))
    response = client.post(
        f"{SCHOOL}terms/1/submit", data={"csrf_token": token, "uid": str(uuid.uuid4())}
    )
    assert response.status_code == 404  # refused on a term: as if there were none


def test_the_excel_export_holds_the_snapshot_and_is_audited(
    app: Flask, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL)
    snapshot_id = submit(client)
    (snapshot,) = snapshots_of(app)
    page = text_of(client.get(f"{SCHOOL}{snapshot_id}"))
    response = client.post(
        f"{SCHOOL}{snapshot_id}/export",
        data={"csrf_token": csrf_token_in(page), "uid": str(uuid.uuid4())},
    )
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    figures, listed = book.worksheets
    rows = listed.iter_rows(min_row=4, values_only=True)
    names = [row[1] for row in rows if isinstance(row[0], int)]
    assert sorted(names) == sorted(e["name"] for e in snapshot.children)
    header = next(figures.iter_rows(min_row=3, max_row=3, values_only=True))
    total_row = next(r for r in figures.iter_rows(values_only=True) if r[1] == "合计")
    assert header[2] == "在册人数"
    assert total_row[2] == snapshot.figures["totals"]["on_roll"]
    cells = " ".join(str(c) for s in book for r in s.iter_rows(values_only=True) for c in r if c)
    assert not [s for s in secrets_of(app) if s in cells]
    with app_session(app, "yangguang") as session:
        exported = session.scalar(
            select(func.count()).where(
                AuditEvent.action == AuditAction.EXPORT,
                AuditEvent.fields_json.contains("export.roster_snapshot"),
            )
        )
    assert exported == len(snapshot.children) + 1


def test_the_unit_sees_who_submitted_and_the_figures_but_no_name(
    app: Flask, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL)
    submit(client)
    (snapshot,) = snapshots_of(app)
    with app_session(app, "yangguang") as session:
        on_roll = session.scalar(
            select(func.count()).where(Child.status.in_(ON_ROLL), Child.class_id.is_not(None))
        )
    officer = app.test_client()
    log_in(officer, OFFICER)
    page = text_of(officer.get(UNIT))
    assert "3 所学校中已有 1 所报送" in page
    row = re.search(r"阳光小学</a></th>(.*?)</tr>", page, re.S).group(1)
    assert f"<td>{on_roll}</td>" in row and "版本 1" in row
    assert "未报送" in re.search(r"红星小学</a></th>(.*?)</tr>", page, re.S).group(1)
    drill = text_of(officer.get(f"{UNIT}yangguang"))
    assert snapshot.content_hash[:16] in drill
    for html in (page, drill):
        assert not [name for name in every_child_name(app) if name in html]
    shown = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', drill))
    totals = snapshot.figures["totals"]
    assert shown["在册人数"] == str(totals["on_roll"])
    assert shown["双亲外出"] == (
        "&lt;5" if 0 < totals["both_parents"] < 5 else str(totals["both_parents"])
    )
    # no class's figures: beside the school's total they would give a small cell away
    assert not [c["name"] for c in snapshot.figures["classes"] if c["name"] in drill]


def test_a_unit_cannot_see_a_school_outside_its_subtree(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as session:
        county = session.scalar(select(OrgUnit).where(OrgUnit.slug == "bishan"))
        other = OrgUnit(
            slug="dingjia", name="丁家街道中心校", kind=UnitKind.TOWNSHIP, parent=county
        )
        session.add_all(
            [other, Tenant(slug="faraway", name="远方小学", kind=TenantKind.SCHOOL, org_unit=other)]
        )
    log_in(client, OFFICER)
    assert client.get(f"{UNIT}faraway").status_code == 404
    assert client.get(f"{UNIT}no-such-school").status_code == 404
    assert client.get("/o/bishan/snapshots/").status_code == 404
    assert client.get("/o/dingjia/snapshots/yangguang").status_code == 404
    assert "远方小学" not in text_of(client.get(UNIT))


@pytest.mark.parametrize(("count", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5")])
def test_small_cells_are_suppressed(count: int, shown: str) -> None:
    assert small(count) == shown


def another_schools_snapshot(app: Flask) -> int:
    """红星小学 submits its own snapshot (through the service, as the route would)."""
    with app.test_request_context(), app_session(app, "hongxing") as session:
        term = session.scalar(select(Term).order_by(Term.starts_on.desc()))
        snapshot, _created = snapshot_service.submit_snapshot(
            session,
            uid=uuid.uuid4(),
            term=term,
            content=snapshot_service.roster_content(session, DEMO_TODAY),
            actor_id=None,
            now=datetime(2026, 11, 27, 10, 0, tzinfo=SCHOOL_TIMEZONE),
        )
        return snapshot.id


def test_another_schools_snapshot_is_not_found(app: Flask, client: FlaskClient) -> None:
    foreign = another_schools_snapshot(app)
    log_in(client, PRINCIPAL)
    assert client.get(f"{SCHOOL}{foreign}").status_code == 404
    token = csrf_token_in(text_of(client.get(SCHOOL)))
    response = client.post(
        f"{SCHOOL}{foreign}/export", data={"csrf_token": token, "uid": str(uuid.uuid4())}
    )
    assert response.status_code == 404
    assert "红星小学" not in text_of(client.get(SCHOOL))
    with app_session(app, "hongxing") as session:
        assert not session.scalar(
            select(func.count())
            .where(AuditEvent.action == AuditAction.EXPORT)
            .where(AuditEvent.fields_json.contains("roster_snapshot"))
        )


def test_a_unit_sees_the_school_totals_with_small_cells_suppressed() -> None:
    figures = {
        "classes": [{"name": "一年级一班", "counts": {"on_roll": 12, "one_parent": 3}}],
        "totals": {"on_roll": 12, "one_parent": 3, "both_parents": 0, "civil": 5, "migrant": 1},
    }
    snapshot = RosterSnapshot(figures_json=json.dumps(figures), children_json="[]")
    assert unit_figures(snapshot) == {
        "on_roll": "12",
        "one_parent": "<5",
        "both_parents": "0",
        "civil": "5",
        "migrant": "<5",
        "boarder": "0",
    }


def test_before_anyone_submits_the_unit_sees_who_has_not(app: Flask, client: FlaskClient) -> None:
    log_in(client, OFFICER)
    page = text_of(client.get(UNIT))
    assert "3 所学校中已有 0 所报送" in page
    for school in ("阳光小学", "阳光幼儿园", "红星小学"):
        row = re.search(rf"{school}</a></th>(.*?)</tr>", page, re.S).group(1)
        assert "未报送" in row
    assert "2026—2027学年第一学期" in page
