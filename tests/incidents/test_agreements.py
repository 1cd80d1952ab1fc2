"""Safety responsibility agreements (安全责任书) and custody agreements (托管协议): per class and
school year, who has signed and who is still missing; recorded once with a photo or a PDF of
the paper; the scan sealed and served only to those who keep the class's paperwork."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.incidents.conftest import OTHER_CLASS, SAFETY_LEAD, class_children, form_uid
from webapp.core.audit import AuditEvent
from webapp.core.files import NotADocument, prepare_document
from webapp.incidents.models import Agreement, AgreementKind
from webapp.tenants.models import SchoolYear

BASE = "/s/yangguang/agreements"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 180, 160)).save(out, "JPEG")
    return out.getvalue()


def missing_children(client: FlaskClient, class_id: int, kind: str = "safety") -> list[int]:
    page = text_of(client.get(f"{BASE}/classes/{class_id}", query_string={"kind": kind}))
    missing = page.split('id="missing"')[1].split('id="signed"')[0]
    return [int(i) for i in re.findall(r"/agreements/children/(\d+)/new", missing)]


def agreements_of(app: Flask, child_id: int) -> list[dict]:
    with app_session(app, "yangguang") as session:
        return [
            {
                "id": a.id,
                "kind": a.kind,
                "signer": a.signer,
                "signer_sealed": a.signer_sealed,
                "scan_uid": a.scan_uid,
                "scan_type": a.scan_type,
            }
            for a in session.scalars(select(Agreement).where(Agreement.child_id == child_id))
        ]


def new_url(child_id: int, kind: str = "safety") -> str:
    return f"{BASE}/children/{child_id}/new?kind={kind}"


def filled(client: FlaskClient, child_id: int, kind: str = "safety", **changes) -> dict:
    page = text_of(client.get(new_url(child_id, kind)))
    return {
        "csrf_token": csrf_token(client, "/me"),
        "uid": form_uid(page),
        "signer": "王秀英",
        "relation": "grandmother",
        "signed_on": "2026-09-03",
        **changes,
    }


def test_the_class_page_lists_who_is_still_missing(app: Flask, teacher: FlaskClient) -> None:
    class_id = class_children(app)[0]["class_id"]
    assert teacher.get(f"{BASE}/").headers["Location"].endswith(f"/classes/{class_id}")
    page = text_of(teacher.get(f"{BASE}/classes/{class_id}"))
    assert "安全责任书" in page and "尚未签订：3 名儿童" in page  # the demo's three
    assert len(missing_children(teacher, class_id)) == 3
    custody = text_of(teacher.get(f"{BASE}/classes/{class_id}", query_string={"kind": "custody"}))
    assert "托管协议" in custody and "尚未签订：2 名儿童" in custody


def test_an_agreement_is_recorded_once_with_a_photo_of_the_paper(
    app: Flask, teacher: FlaskClient
) -> None:
    class_id = class_children(app)[0]["class_id"]
    child_id = missing_children(teacher, class_id)[0]
    data = filled(teacher, child_id)
    first = teacher.post(
        new_url(child_id),
        data={**data, "scan": (io.BytesIO(photo()), "page.jpg")},
        content_type="multipart/form-data",
    )
    again = teacher.post(new_url(child_id), data=data)  # a retry: the same uid
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"].endswith(f"#child-{child_id}")
    [saved] = agreements_of(app, child_id)[-1:]
    assert len([a for a in agreements_of(app, child_id) if a["kind"] == "safety"]) == 1
    assert saved["signer"] == "王秀英" and "王秀英" not in saved["signer_sealed"]
    assert saved["scan_type"] == "image/jpeg"
    assert child_id not in missing_children(teacher, class_id)
    shown = text_of(teacher.get(f"{BASE}/{saved['id']}"))
    assert "王秀英" in shown and "奶奶" in shown and "2026年9月3日" in shown
    scan = teacher.get(f"{BASE}/{saved['id']}/scan")
    assert scan.status_code == 200 and scan.mimetype == "image/jpeg"
    assert scan.headers["Cache-Control"] == "no-store"
    with app_session(app, "yangguang") as session:
        logged = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.subject == "agreement", AuditEvent.subject_id == saved["id"]
            )
        ).all()
    assert logged == ["create"]


def test_a_pdf_scan_is_kept_as_it_came_and_a_broken_one_refused(
    app: Flask, teacher: FlaskClient
) -> None:
    class_id = class_children(app)[0]["class_id"]
    child_id = missing_children(teacher, class_id)[0]
    broken = teacher.post(
        new_url(child_id),
        data={**filled(teacher, child_id), "scan": (io.BytesIO(PDF[:40]), "cut.pdf")},
        content_type="multipart/form-data",
    )
    assert broken.status_code == 422
    assert "“cut.pdf”不是照片，也不是完整的 PDF" in text_of(broken)
    assert 'value="王秀英"' in text_of(broken)  # what was typed stays
    assert agreements_of(app, child_id) == [] or all(
        a["kind"] != "safety" for a in agreements_of(app, child_id)
    )
    good = teacher.post(
        new_url(child_id),
        data={**filled(teacher, child_id), "scan": (io.BytesIO(PDF), "signed.pdf")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 303
    [saved] = [a for a in agreements_of(app, child_id) if a["kind"] == "safety"]
    scan = teacher.get(f"{BASE}/{saved['id']}/scan")
    assert scan.mimetype == "application/pdf" and scan.get_data() == PDF
    assert scan.headers["Content-Disposition"].startswith("attachment")


def test_a_second_form_for_the_same_child_leads_to_the_one_recorded(
    app: Flask, teacher: FlaskClient
) -> None:
    class_id = class_children(app)[0]["class_id"]
    child_id = missing_children(teacher, class_id)[0]
    first = filled(teacher, child_id)
    second = filled(teacher, child_id, signer="张大军")  # opened on another phone before
    teacher.post(new_url(child_id), data=first)
    answer = teacher.post(new_url(child_id), data=second)
    [saved] = [a for a in agreements_of(app, child_id) if a["kind"] == "safety"]
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/{saved['id']}")
    assert saved["signer"] == "王秀英"
    assert teacher.get(new_url(child_id)).headers["Location"].endswith(f"/{saved['id']}")


def test_a_correction_replaces_the_scan_and_is_logged(app: Flask, teacher: FlaskClient) -> None:
    class_id = class_children(app)[0]["class_id"]
    child_id = missing_children(teacher, class_id)[0]
    teacher.post(new_url(child_id), data=filled(teacher, child_id))
    [saved] = [a for a in agreements_of(app, child_id) if a["kind"] == "safety"]
    edit = f"{BASE}/{saved['id']}/edit"
    answer = teacher.post(
        edit,
        data={
            "csrf_token": csrf_token(teacher, "/me"),
            "uid": form_uid(text_of(teacher.get(edit))),
            "signer": "王秀英",
            "relation": "maternal_grandmother",
            "signed_on": "2026-09-04",
            "scan": (io.BytesIO(photo()), "better.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    [corrected] = [a for a in agreements_of(app, child_id) if a["kind"] == "safety"]
    assert corrected["scan_uid"] is not None
    with app_session(app, "yangguang") as session:
        changed = session.scalars(
            select(AuditEvent.fields_json).where(
                AuditEvent.subject == "agreement",
                AuditEvent.subject_id == saved["id"],
                AuditEvent.action == "update",
            )
        ).one()
    assert "relation" in changed and "scan_uid" in changed and "signer" not in changed


def test_another_class_and_its_scans_are_not_hers_but_the_safety_leads(
    app: Flask, teacher: FlaskClient
) -> None:
    other_class = class_children(app, OTHER_CLASS)[0]["class_id"]
    assert teacher.get(f"{BASE}/classes/{other_class}").status_code == 404
    lead = switch_to(teacher, SAFETY_LEAD)
    child_id = missing_children(lead, other_class)[0]
    lead.post(
        new_url(child_id),
        data={**filled(lead, child_id), "scan": (io.BytesIO(photo()), "p.jpg")},
        content_type="multipart/form-data",
    )
    [saved] = [a for a in agreements_of(app, child_id) if a["kind"] == "safety"]
    board = text_of(lead.get(f"{BASE}/"))
    assert "三年级二班" in board and "安全责任书 1/" in board
    teacher = switch_to(lead, "13800000002")
    for url in (f"{BASE}/{saved['id']}", f"{BASE}/{saved['id']}/scan", new_url(child_id)):
        assert teacher.get(url).status_code == 404, url


def test_the_custody_agreement_is_asked_of_the_left_behind_only(
    app: Flask, transaction: None
) -> None:
    from webapp.children.models import Child, LeftBehindType
    from webapp.incidents.queries import class_agreements

    with app_session(app, "yangguang") as session:
        year = session.scalar(select(SchoolYear))
        child = session.scalar(select(Child).where(Child.class_id.is_not(None)))
        found = class_agreements(session, child.school_class, year, AgreementKind.CUSTODY)
        everyone = [c for c, _a in found.signed] + found.missing
        assert everyone and all(c.left_behind_type != LeftBehindType.NONE for c in everyone)


def test_a_scan_must_be_a_photo_or_a_whole_pdf() -> None:
    assert prepare_document(PDF) == (PDF, "application/pdf")
    data, kind = prepare_document(photo())
    assert kind == "image/jpeg" and data[:2] == b"\xff\xd8"
    for bad in (PDF[:30], b"hello, not a scan", b"%PDF-" + b"0" * (13 * 1024 * 1024)):
        try:
            prepare_document(bad)
        except NotADocument:
            continue
        raise AssertionError(f"accepted {bad[:20]!r}")
