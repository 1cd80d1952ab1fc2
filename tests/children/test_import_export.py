"""Rosters in from Excel, all or nothing; the archive's tables out to Excel, masked and audited."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.auth.models import User
from webapp.care.models import Pairing, PairingKind
from webapp.children import roster_io, service
from webapp.children.models import (
    Child,
    Gender,
    GuardianRelation,
    ImportBatch,
    ImportStatus,
    LeftBehindType,
    ParentRelation,
    ParentSituation,
    SchoolClass,
)
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.cn import id_check_digit

SCHOOL = "/s/yangguang"
HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "学籍号",
    "民族",
    "班级",
    "家庭住址",
    "父亲姓名",
    "父亲电话",
    "父亲去向",
    "父亲务工地",
    "母亲姓名",
    "母亲电话",
    "母亲去向",
    "母亲务工地",
    "监护人姓名",
    "监护人关系",
    "监护人电话",
    "寄宿",
    "乘车",
]
CLASSES = ["一年级一班", "二年级一班", "三年级一班", "三年级二班", "四年级一班", "五年级一班"]


def id_number(born: date, sequence: int, region: str = "110101") -> str:
    """A valid ID number in a region the demo data never uses."""
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_digit(first17)


def roster_rows(count: int, *, class_names: list[str] = CLASSES) -> list[list[object]]:
    """Valid rows of the school register, each with its own ID number."""
    rows = []
    for n in range(count):
        born = date(2015, 9, 1) + timedelta(days=n)
        number = id_number(born, 100 + n % 2)  # an odd sequence for a boy
        away = n % 3 != 0
        rows.append(
            [
                f"学生{n:04d}",
                "男" if n % 2 else "女",
                born.isoformat(),
                number,
                "G" + number,
                "汉族",
                class_names[n % len(class_names)],
                f"重庆市璧山区青杠街道白云村{n % 9 + 1}组{n % 60 + 1}号",
                "王建国",
                f"135{n:08d}",
                "外出务工" if away else "在家",
                "广东省深圳市" if away else "",
                "李秀英",
                f"136{n:08d}",
                "在家",
                "",
                "王德贵" if away else "",
                "爷爷" if away else "",
                f"137{n:08d}" if away else "",
                "否",
                "是" if n % 4 == 0 else "否",
            ]
        )
    return rows


def workbook_bytes(
    rows: list[list[object]], headers: list[str] = HEADERS, title: str | None = None
) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def class_id(app: Flask, name: str, slug: str = "yangguang") -> int:
    with app_session(app, slug) as session:
        return session.scalar(select(SchoolClass.id).where(SchoolClass.name == name))


def children_count(app: Flask) -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(select(func.count()).select_from(Child))


def upload(
    client: FlaskClient,
    data: bytes,
    *,
    kind: str = "school",
    class_id: int | None = None,
    filename: str = "名册.xlsx",
) -> TestResponse:
    return client.post(
        f"{SCHOOL}/roster/",
        data={
            "csrf_token": csrf_token(client, f"{SCHOOL}/roster/"),
            "kind": kind,
            "class_id": "" if class_id is None else str(class_id),
            "file": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def confirm(client: FlaskClient, batch_url: str) -> TestResponse:
    return client.post(batch_url, data={"csrf_token": csrf_token(client, f"{SCHOOL}/roster/")})


def problem_rows(html: str) -> list[int]:
    """The row numbers listed under 'rows to correct'."""
    section = re.search(r'<ul class="list roster-problems">(.*?)</ul>', html, re.S)
    titles = (
        re.findall(r'<span class="title">第 (\d+) 行</span>', section.group(1)) if section else []
    )
    return [int(n) for n in titles]


def batch_of(app: Flask, url: str) -> ImportBatch:
    uid = uuid.UUID(url.rstrip("/").rsplit("/", 1)[1])
    with app_session(app, "yangguang") as session:
        batch = session.scalar(select(ImportBatch).where(ImportBatch.uid == uid))
        session.expunge(batch)
        return batch


def batches_count(app: Flask) -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(select(func.count()).select_from(ImportBatch))


# --- The must-hold: all or nothing, exactly the bad rows, once --------------------------------


def test_a_thousand_rows_with_three_bad_ones_import_nothing_and_the_corrected_file_imports_once(
    app: Flask, principal: FlaskClient
) -> None:
    before = children_count(app)
    rows = roster_rows(1000)
    bad = [list(row) for row in rows]
    bad[9][3] = bad[9][3][:-1] + ("0" if bad[9][3][-1] != "0" else "1")  # check digit wrong
    bad[499][9] = "12345"  # father's phone
    bad[899][0] = ""  # no name

    response = upload(principal, workbook_bytes(bad))
    assert response.status_code == 303
    preview = text_of(principal.get(response.headers["Location"]))
    assert problem_rows(preview) == [11, 501, 901]  # the header is row 1
    assert "校验位不符" in preview or "最后一位" in preview
    assert "父亲电话不是电话号码" in preview
    assert "姓名为空" in preview
    assert "导入 997 名" not in preview  # no confirm button while a row is bad

    assert confirm(principal, response.headers["Location"]).status_code == 303
    assert children_count(app) == before
    assert batch_of(app, response.headers["Location"]).status == ImportStatus.PREVIEWED

    response = upload(principal, workbook_bytes(rows))
    batch_url = response.headers["Location"]
    preview = text_of(principal.get(batch_url))
    assert problem_rows(preview) == [] and "导入 1000 名儿童" in preview
    assert confirm(principal, batch_url).headers["Location"].endswith(batch_url)
    assert children_count(app) == before + 1000
    assert confirm(principal, batch_url).status_code == 303  # double tap, retry, back button
    assert children_count(app) == before + 1000
    done = text_of(principal.get(batch_url))
    assert "已导入 1000 名儿童" in done

    batch = batch_of(app, batch_url)
    assert batch.status == ImportStatus.IMPORTED and batch.imported_at is not None
    assert batch.payload_sealed is None  # the rows are on the cards now, not kept twice
    with app_session(app, "yangguang") as session:
        imports = session.scalars(
            select(AuditEvent.subject).where(
                AuditEvent.action == AuditAction.IMPORT, AuditEvent.subject_id == batch.id
            )
        ).all()
        created = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == AuditAction.CREATE, AuditEvent.subject == "child")
            .where(AuditEvent.child_id.in_(select(Child.id).where(Child.name.like("学生%"))))
        )
    assert imports == ["import_batch"]
    assert created == 1000


def test_imported_cards_hold_what_the_rows_said(app: Flask, principal: FlaskClient) -> None:
    rows = roster_rows(3)
    rows[1][10], rows[1][11] = "外出务工", "广东深圳"  # the province written short
    rows[1][14], rows[1][15] = "外出务工", "北京"
    rows[1][17] = "外婆"
    rows[1][19] = "是"
    response = upload(principal, workbook_bytes(rows))
    confirm(principal, response.headers["Location"])
    with app_session(app, "yangguang") as session:
        child = session.scalar(select(Child).where(Child.name == "学生0001"))
        father = child.parent(ParentRelation.FATHER)
        mother = child.parent(ParentRelation.MOTHER)
        assert child.id_number == rows[1][3] and child.student_no == rows[1][4]
        assert child.gender == Gender.MALE and child.birth_date == date(2015, 9, 2)
        assert child.school_class.name == "二年级一班" and child.is_boarder
        assert child.address == rows[1][7]
        assert (father.work_province, father.work_city) == ("广东省", "深圳")
        assert (mother.work_province, mother.work_city) == ("北京市", "北京市")
        assert father.phone == "13500000001" and father.situation == ParentSituation.WORKING_AWAY
        assert child.left_behind_type == LeftBehindType.BOTH_PARENTS
        assert child.civil_parent_condition
        (guardian,) = child.guardians
        assert guardian.relation == GuardianRelation.MATERNAL_GRANDMOTHER
        assert guardian.phone == "13700000001"


def test_dates_are_read_as_excel_dates_or_as_schools_type_them(
    app: Flask, teacher: FlaskClient
) -> None:
    headers = ["备注", "性别", "姓名", "出生日期"]  # any order, an unknown column ignored
    rows = [
        ["", "男", "日期甲", datetime(2018, 3, 8)],
        ["", "女", "日期乙", "2018年3月9日"],
        ["", "女", "日期丙", "20180310"],
        ["", "男", "日期丁", "2018/3/11"],
    ]
    data = workbook_bytes(rows, headers, title="三年级一班名册")  # a title above the header
    response = upload(teacher, data, kind="class", class_id=class_id(app, "三年级一班"))
    assert response.status_code == 303
    confirm(teacher, response.headers["Location"])
    with app_session(app, "yangguang") as session:
        born = dict(
            session.execute(
                select(Child.name, Child.birth_date).where(Child.name.like("日期%"))
            ).all()
        )
    assert born == {
        "日期甲": date(2018, 3, 8),
        "日期乙": date(2018, 3, 9),
        "日期丙": date(2018, 3, 10),
        "日期丁": date(2018, 3, 11),
    }


def test_every_reason_of_every_bad_row_is_listed_in_chinese(
    app: Flask, principal: FlaskClient
) -> None:
    with app_session(app, "yangguang") as session:
        existing = session.scalars(select(Child).where(Child.id_number_hash.is_not(None))).first()
        existing_id, existing_name = existing.id_number, existing.name
    rows = roster_rows(8)
    rows[0][1] = "女"  # the ID number says boy
    rows[0][2] = "2015-01-01"  # and another birthday
    rows[2][3] = rows[1][3]  # the same ID number as row 3
    rows[3][3] = existing_id  # already on a card of the school
    rows[3][2], rows[3][1] = "", ""
    rows[4][6] = "九年级一班"
    rows[5][10] = "出差"
    rows[5][17] = "干爹"
    rows[6][3], rows[6][1], rows[6][2] = "", "", "昨天"
    rows[7][3] = float(rows[7][3][:17])  # typed as a number, the digits lost
    response = upload(principal, workbook_bytes(rows))
    html = text_of(principal.get(response.headers["Location"]))
    assert problem_rows(html) == [2, 4, 5, 6, 7, 8, 9]
    for words in (
        "性别与身份证号不符",
        "出生日期与身份证号不符",
        "与本文件第 3 行的身份证号相同",
        f"本校已有使用该身份证号的档案（{existing_name}",
        "没有“九年级一班”这个班级",
        "父亲去向：“出差”无法识别",
        "监护人关系：“干爹”无法识别",
        "出生日期“昨天”不是日期",
        "性别为空",
        "设置为文本",
    ):
        assert words in html, words
    assert existing_id not in html


def test_a_file_without_a_required_column_is_refused_with_the_form_kept(
    app: Flask, principal: FlaskClient
) -> None:
    headers = [h for h in HEADERS if h != "班级"]
    rows = [row[:6] + row[7:] for row in roster_rows(2)]
    response = upload(principal, workbook_bytes(rows, headers))
    assert response.status_code == 422
    assert "缺少必需的列：班级" in text_of(response)
    assert re.search(r'<input checked[^>]*value="school"', text_of(response))


# --- Refused before parsing ---------------------------------------------------------------------


def zip_bomb() -> bytes:
    """A real workbook with one part that unpacks to a thousand times its packed size."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes(roster_rows(1))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for part in source.infolist():
            bomb.writestr(part.filename, source.read(part.filename))
        bomb.writestr("xl/media/padding.bin", b"\0" * (40 * 1024 * 1024))
    return out.getvalue()


def entity_bomb() -> bytes:
    """A real workbook whose shared strings declare the billion laughs."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes(roster_rows(1))))
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">'
            for i in range(1, 10)
        )
        + "]>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for part in source.infolist():
            content = source.read(part.filename)
            if part.filename == "xl/workbook.xml":
                content = laughs.encode() + content.split(b"?>", 1)[-1]
            bomb.writestr(part.filename, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "name, data, filename, message",
    [
        ("oversized", b"PK" + b"\0" * (5 * 1024 * 1024), "大.xlsx", "文件超过 5 MB"),
        ("zip bomb", None, "bomb.xlsx", "解压后的数据量远超"),
        ("entity bomb", None, "laughs.xlsx", "DOCTYPE 或 ENTITY"),
        ("not xlsx", "姓名,性别\n张三,男\n".encode(), "名册.xlsx", "这不是 Excel"),
        ("old xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "名册.xlsx", "旧的 .xls"),
        ("wrong name", b"PK", "名册.csv", "文件名以 .xlsx 结尾"),
    ],
)
def test_a_dangerous_or_wrong_file_is_refused_with_a_chinese_message_and_the_form_kept(
    app: Flask, teacher: FlaskClient, name: str, data: bytes | None, filename: str, message: str
) -> None:
    data = data or (zip_bomb() if name == "zip bomb" else entity_bomb())
    own_class = class_id(app, "三年级一班")
    before = batches_count(app)
    response = upload(teacher, data, kind="class", class_id=own_class, filename=filename)
    assert response.status_code == 422
    html = text_of(response)
    assert message in html
    assert re.search(rf'<option selected value="{own_class}">', html)  # the form is kept
    assert batches_count(app) == before


def test_the_checks_stop_a_bomb_before_openpyxl_opens_it(app: Flask) -> None:
    with app.test_request_context():
        for data in (zip_bomb(), entity_bomb()):
            with pytest.raises(roster_io.RosterFileError):
                roster_io.check_package(data)
        roster_io.check_package(workbook_bytes(roster_rows(5)))
    assert openpyxl.DEFUSEDXML


# --- Who may import what, and who sees a batch ---------------------------------------------------


def test_the_preview_shows_id_numbers_and_phones_masked(app: Flask, teacher: FlaskClient) -> None:
    rows = roster_rows(3)
    response = upload(
        teacher, workbook_bytes(rows), kind="class", class_id=class_id(app, "三年级一班")
    )
    html = text_of(teacher.get(response.headers["Location"]))
    assert "学生0000" in html and "三年级一班" in html
    for row in rows:
        for secret in (row[3], row[9], row[13], row[18]):
            if secret:
                assert secret not in html
    assert rows[0][3][:4] + "**********" + rows[0][3][-4:] in html
    assert "135****0001" in html and "重庆市璧山区****" in html


def test_a_class_teacher_imports_only_into_her_own_class(app: Flask, teacher: FlaskClient) -> None:
    before = batches_count(app)
    other = upload(
        teacher, workbook_bytes(roster_rows(2)), kind="class", class_id=class_id(app, "三年级二班")
    )
    register = upload(teacher, workbook_bytes(roster_rows(2)), kind="school")
    assert other.status_code == register.status_code == 422
    assert batches_count(app) == before
    page = text_of(teacher.get(f"{SCHOOL}/roster/"))
    assert "三年级二班" not in page and 'value="school"' not in page


def test_a_batch_is_seen_only_by_its_uploader_and_the_leaders_of_its_school(
    app: Flask, client: FlaskClient
) -> None:
    log_in(client, "13800000002")
    response = upload(
        client, workbook_bytes(roster_rows(2)), kind="class", class_id=class_id(app, "三年级一班")
    )
    batch_url = response.headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    with app_session(app, "yangguang") as session:
        other_teacher = session.scalar(
            select(User)
            .join(SchoolClass, SchoolClass.teacher_id == User.id)
            .where(SchoolClass.name == "三年级二班")
        )
        other_phone = other_teacher.phone
    log_in(client, other_phone)
    assert client.get(batch_url).status_code == 404
    assert confirm(client, batch_url).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    log_in(client, "13800000001")
    assert client.get(batch_url).status_code == 200


def test_another_schools_batch_is_not_found_and_stays_untouched(
    app: Flask, principal: FlaskClient
) -> None:
    with app_session(app, "hongxing") as session:
        check = roster_io.RosterCheck(kind="school")
        batch = roster_io.create_batch(
            session, check, filename="红星.xlsx", school_class=None, created_by_id=None
        )
        uid = batch.uid
    token = csrf_token(principal, f"{SCHOOL}/roster/")
    for url in (f"{SCHOOL}/roster/imports/{uid}", f"/s/hongxing/roster/imports/{uid}"):
        assert principal.get(url).status_code == 404
        assert principal.post(url, data={"csrf_token": token}).status_code == 404
        assert principal.post(url + "/discard", data={"csrf_token": token}).status_code == 404
    with app_session(app, "hongxing") as session:
        status = session.scalar(select(ImportBatch.status).where(ImportBatch.uid == uid))
    assert status == ImportStatus.PREVIEWED


def test_a_discarded_upload_cannot_be_imported_afterwards(app: Flask, teacher: FlaskClient) -> None:
    before = children_count(app)
    response = upload(
        teacher, workbook_bytes(roster_rows(2)), kind="class", class_id=class_id(app, "三年级一班")
    )
    batch_url = response.headers["Location"]
    token = csrf_token(teacher, f"{SCHOOL}/roster/")
    discarded = teacher.post(batch_url + "/discard", data={"csrf_token": token})
    assert discarded.status_code == 303
    assert confirm(teacher, batch_url).status_code == 303
    assert children_count(app) == before
    assert "已放弃" in text_of(teacher.get(batch_url))


def test_the_template_lists_every_column_and_its_example_row_imports(
    app: Flask, principal: FlaskClient
) -> None:
    response = principal.get(f"{SCHOOL}/roster/template.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[0] == "姓名*" and "班级*" in headers and "监护人关系" in headers
    checked = upload(principal, response.data)
    html = text_of(principal.get(checked.headers["Location"]))
    assert problem_rows(html) == [] and "导入 1 名儿童" in html


# --- Export -------------------------------------------------------------------------------------


def export(client: FlaskClient, class_id: int, **fields: str) -> TestResponse:
    url = f"{SCHOOL}/roster/classes/{class_id}/export"
    return client.post(url, data={"csrf_token": csrf_token(client, url), **fields})


def sheet_of(response: TestResponse):
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


def rows_of(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def class_children(app: Flask, name: str) -> dict[str, Child]:
    with app_session(app, "yangguang") as session:
        children = session.scalars(
            select(Child).join(Child.school_class).where(SchoolClass.name == name)
        ).all()
        return {c.name: (c.id, c.id_number, c.left_behind_type) for c in children}


def export_events(app: Flask, child_ids: list[int]) -> list[AuditEvent]:
    with app_session(app, "yangguang") as session:
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.EXPORT, AuditEvent.child_id.in_(child_ids)
            )
        ).all()
        session.expunge_all()
        return list(events)


def test_the_basic_register_shows_the_class_masked_as_text_and_is_audited(
    app: Flask, teacher: FlaskClient
) -> None:
    own = class_id(app, "三年级一班")
    page = text_of(teacher.get(f"{SCHOOL}/roster/classes/{own}/export"))
    assert "基本情况登记表" in page and "不打码" not in page
    response = export(teacher, own, table="basic_register", unmasked="y")  # not hers to tick
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=UTF-8''" in disposition
    sheet = sheet_of(response)
    rows = rows_of(sheet)
    assert rows[0][0] == "阳光小学三年级一班留守儿童基本情况登记表"
    assert "2026—2027学年第一学期" in rows[1][0] and "已打码" in rows[1][0]
    header = rows[2]
    for title in ("学籍号", "姓名", "性别", "出生日期", "身份证号", "家庭住址", "留守类型"):
        assert title in header
    for title in ("父亲姓名", "父亲电话", "母亲务工地", "监护人姓名", "监护人电话"):
        assert title in header
    children = class_children(app, "三年级一班")
    body = [row for row in rows[3:] if row[header.index("姓名")] in children]
    assert len(body) == len(children) == 10
    id_column = header.index("身份证号") + 1
    for offset, row in enumerate(body):
        cell = sheet.cell(row=4 + offset, column=id_column)
        plain = children[row[header.index("姓名")]][1]
        assert cell.data_type == "s" and cell.number_format == "@"
        assert cell.value == plain[:4] + "*" * 10 + plain[-4:]
        phone = row[header.index("父亲电话")]
        assert re.fullmatch(r"1\d\d\*{4}\d{4}", phone)
    assert rows[-1][0].startswith("导出人：王丽  导出时间：")
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$", rows[-1][0])
    assert sheet.print_title_rows == "$3:$3"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    events = export_events(app, [v[0] for v in children.values()])
    assert len(events) == 10
    assert {(e.fields[0], e.reason, e.subject) for e in events} == {
        ("export.basic_register", "身份证号、电话、住址已打码", "child")
    }


def test_only_the_principal_who_ticks_the_box_gets_the_id_numbers_in_full(
    app: Flask, principal: FlaskClient
) -> None:
    own = class_id(app, "三年级一班")
    assert "不打码" in text_of(principal.get(f"{SCHOOL}/roster/classes/{own}/export"))
    children = class_children(app, "三年级一班")
    masked = rows_of(sheet_of(export(principal, own, table="basic_register")))
    plain = rows_of(sheet_of(export(principal, own, table="basic_register", unmasked="y")))
    column = masked[2].index("身份证号")
    assert {row[column] for row in plain[3:13]} == {v[1] for v in children.values()}
    assert not {row[column] for row in masked[3:13]} & {v[1] for v in children.values()}
    assert "未打码" in plain[1][0]
    reasons = [e.reason for e in export_events(app, [v[0] for v in children.values()])]
    assert (
        sorted(reasons) == ["身份证号、电话、住址已打码"] * 10 + ["身份证号、电话、住址未打码"] * 10
    )


def test_text_that_looks_like_a_formula_is_escaped(app: Flask, teacher: FlaskClient) -> None:
    with app_session(app, "yangguang") as session:
        school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == "三年级一班"))
        service.register_child(
            session,
            actor_id=None,
            name='=HYPERLINK("http://evil.example","点我")',
            gender=Gender.MALE,
            birth_date=date(2017, 5, 1),
            school_class=school_class,
            address="+1+2 青杠村",
            parents={ParentRelation.FATHER: {"name": "@SUM(A1)"}},
        )
    sheet = sheet_of(export(teacher, class_id(app, "三年级一班"), table="basic_register"))
    values = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert '\'=HYPERLINK("http://evil.example","点我")' in [c.value for c in values]
    assert "'@SUM(A1)" in [c.value for c in values]
    assert any(str(c.value).startswith("'+1+2") for c in values)
    assert not [c for c in values if c.data_type == "f"]
    assert not [c for c in values if isinstance(c.value, str) and c.value[:1] in "=+-@"]


def test_the_summary_counts_the_class_and_lists_its_left_behind_children_with_proxy_parents(
    app: Flask, principal: FlaskClient
) -> None:
    own = class_id(app, "三年级一班")
    rows = rows_of(sheet_of(export(principal, own, table="summary")))
    assert rows[0][0] == "阳光小学三年级一班留守儿童信息汇总表"
    counts = dict(zip(rows[2], rows[3], strict=False))
    children = class_children(app, "三年级一班")
    left_behind = {n for n, v in children.items() if v[2] != LeftBehindType.NONE}
    assert counts["在册人数"] == 10
    assert counts["单亲外出"] + counts["双亲外出"] == len(left_behind)
    for label in ("民政口径留守", "随迁子女", "寄宿", "乘车", "特困生", "特长生"):
        assert label in counts
    header_at = next(i for i, row in enumerate(rows) if row[:2] == ["序号", "姓名"])
    listed = {row[1]: row for row in rows[header_at + 1 :] if row[1] in children}
    assert set(listed) == left_behind
    with app_session(app, "yangguang") as session:
        proxies = dict(
            session.execute(
                select(Child.name, User.name)
                .join(Pairing, Pairing.child_id == Child.id)
                .join(User, User.id == Pairing.user_id)
                .where(Child.name.in_(left_behind), Pairing.kind == PairingKind.PROXY_PARENT)
            ).all()
        )
    assert proxies and all(listed[name][5] == proxy for name, proxy in proxies.items())
    events = export_events(app, [children[n][0] for n in left_behind])
    assert {e.fields[0] for e in events} == {"export.summary"} and len(events) == len(left_behind)


def test_a_class_teacher_cannot_export_another_class_nor_anyone_another_schools_class(
    app: Flask, client: FlaskClient
) -> None:
    def exports_logged() -> int:
        with app_session(app) as session:
            return session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == AuditAction.EXPORT)
                .execution_options(all_tenants=True)
            )

    log_in(client, "13800000002")
    other = class_id(app, "三年级二班")
    url = f"{SCHOOL}/roster/classes/{other}/export"
    token = csrf_token(client, f"{SCHOOL}/roster/")
    assert client.get(url).status_code == 404
    assert client.post(url, data={"csrf_token": token, "table": "summary"}).status_code == 404
    client.post("/logout", data={"csrf_token": token})
    log_in(client, "13800000001")
    foreign = class_id(app, "五年级一班", "hongxing")
    token = csrf_token(client, f"{SCHOOL}/roster/")
    before = exports_logged()
    for url in (
        f"{SCHOOL}/roster/classes/{foreign}/export",
        f"/s/hongxing/roster/classes/{foreign}/export",
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, data={"csrf_token": token, "table": "summary"}).status_code == 404
    assert exports_logged() == before


def test_a_card_added_between_preview_and_confirmation_stops_the_whole_import(
    app: Flask, principal: FlaskClient
) -> None:
    rows = roster_rows(5)
    response = upload(principal, workbook_bytes(rows))
    batch_url = response.headers["Location"]
    with app_session(app, "yangguang") as session:
        school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == "一年级一班"))
        service.register_child(
            session,
            actor_id=None,
            name="先建的卡",
            gender=Gender.MALE,
            birth_date=date(2015, 9, 4),
            school_class=school_class,
            id_number=rows[3][3],
        )
    before = children_count(app)
    answer = confirm(principal, batch_url)
    assert answer.status_code == 303
    page = text_of(principal.get(answer.headers["Location"]))
    assert "第 5 行：本校现已有使用该身份证号的档案（先建的卡）" in page
    assert children_count(app) == before
    assert batch_of(app, batch_url).status == ImportStatus.PREVIEWED
