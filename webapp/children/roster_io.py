"""Class rosters and the school register from Excel: read safely, check every row, import all
or nothing.

An upload is refused before openpyxl parses a byte of it when it is too large, when it is not a
sane zip package (too many parts, too much data once unpacked, a part that unpacks to a hundred
times its size: a zip bomb), or when any XML part declares a DOCTYPE or an ENTITY (an entity
bomb; openpyxl parses through defusedxml as well). Columns are found by their Chinese headers in
any order. Every bad row is reported with its Excel row number and all its reasons, and while
one row is bad nothing is imported. The checked rows wait, sealed, in an ImportBatch until the
user confirms; a second confirmation imports nothing.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

import openpyxl
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.children import service
from webapp.children.disclosure import mask_place
from webapp.children.models import (
    Child,
    Gender,
    GuardianRelation,
    ImportBatch,
    ImportStatus,
    ParentRelation,
    ParentSituation,
    SchoolClass,
)
from webapp.children.queries import find_by_id_numbers
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.cn import (
    IdNumberError,
    PhoneError,
    normalise_phone,
    parse_id_number,
)
from webapp.core.crypto import mask_id_number, mask_phone
from webapp.core.db import utcnow
from webapp.core.forms import ID_NUMBER_MESSAGES

if not openpyxl.DEFUSEDXML:  # without defusedxml openpyxl would parse with the plain parser
    raise ImportError("defusedxml must be installed to read uploaded workbooks safely")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PARTS = 200
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_PART_RATIO = 100  # a spreadsheet part packs about ten to one; a zip bomb a thousand to one
RATIO_CHECKED_FROM = 1024 * 1024  # a small part may pack tightly without harm
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10
PREVIEW_ROWS = 20

KIND_CLASS = "class"
KIND_SCHOOL = "school"


class RosterFileError(ValueError):
    """The upload is refused as a whole; the message is shown next to the upload field."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


# --- Reading safely -----------------------------------------------------------------------------


def read_upload(stream: IO[bytes]) -> bytes:
    """The uploaded bytes, refused as soon as the stream runs past the limit."""
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise RosterFileError(
            _(
                "The file is larger than %(limit)d MB. Split the roster into smaller files.",
                limit=MAX_UPLOAD_BYTES // (1024 * 1024),
            )
        )
    return data


_NOT_XLSX = _l(
    "This is not an Excel .xlsx file. Save it in Excel or WPS as .xlsx and upload it again."
)
_OLD_OR_LOCKED = _l(
    "This is an old .xls file or a file locked with a password. Save it as .xlsx without a "
    "password and upload it again."
)
_BOMB = _l("This file unpacks to far more data than any roster holds, and was refused.")
_DECLARATIONS = _l(
    "This file contains XML declarations (DOCTYPE or ENTITY) that no roster has, and was refused."
)
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def check_package(data: bytes) -> None:
    """Refuse anything but a sane .xlsx package, before any XML parser sees it."""
    if data.startswith(_OLE_SIGNATURE):
        raise RosterFileError(_OLD_OR_LOCKED)
    if not data.startswith(b"PK"):
        raise RosterFileError(_NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
            if len(parts) > MAX_PARTS:
                raise RosterFileError(_BOMB)
            names = {part.filename for part in parts}
            if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
                raise RosterFileError(_NOT_XLSX)
            if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
                raise RosterFileError(_BOMB)
            for part in parts:
                if part.flag_bits & 0x1:  # an encrypted part
                    raise RosterFileError(_OLD_OR_LOCKED)
                if part.file_size > RATIO_CHECKED_FROM and part.file_size > MAX_PART_RATIO * max(
                    part.compress_size, 1
                ):
                    raise RosterFileError(_BOMB)
            for part in parts:
                if part.filename.endswith((".xml", ".rels", ".vml")):
                    _refuse_declarations(package, part)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError):
        raise RosterFileError(_NOT_XLSX) from None


def _refuse_declarations(package: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    # zipfile never yields more than the declared size, so this reads at most the checked total.
    tail = b""
    with package.open(part) as stream:
        while chunk := stream.read(256 * 1024):
            if b"\x00" in chunk:  # UTF-16 would hide a declaration from the search; Excel never
                raise RosterFileError(_NOT_XLSX)  # writes it, and XML never holds a NUL
            if _DECLARATION.search(tail + chunk):
                raise RosterFileError(_DECLARATIONS)
            tail = chunk[-32:]


def open_sheet(data: bytes) -> Iterator[tuple[Any, ...]]:
    """The rows of the first sheet, values only, once the package has been checked."""
    check_package(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged file
        raise RosterFileError(_NOT_XLSX) from None
    if not workbook.worksheets:
        raise RosterFileError(_l("The workbook has no sheet."))
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


# --- Columns ------------------------------------------------------------------------------------

# Column key → the header the template uses, then other headers schools write for it. Headers
# are matched after removing spaces and the asterisk that marks a required column.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "学生姓名", "儿童姓名"),
    "gender": ("性别",),
    "birth_date": ("出生日期", "出生年月日", "出生年月"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证件号"),
    "student_no": ("学籍号", "全国学籍号", "学籍辅号"),
    "ethnicity": ("民族",),
    "class_name": ("班级", "所在班级"),
    "address": ("家庭住址", "现住址", "家庭地址", "现居住地址"),
    "father_name": ("父亲姓名",),
    "father_phone": ("父亲电话", "父亲联系电话", "父亲手机"),
    "father_situation": ("父亲去向", "父亲情况"),
    "father_work_place": ("父亲务工地", "父亲务工地点"),
    "mother_name": ("母亲姓名",),
    "mother_phone": ("母亲电话", "母亲联系电话", "母亲手机"),
    "mother_situation": ("母亲去向", "母亲情况"),
    "mother_work_place": ("母亲务工地", "母亲务工地点"),
    "guardian_name": ("监护人姓名", "监护人"),
    "guardian_relation": ("监护人关系", "与监护人关系", "监护人与儿童关系"),
    "guardian_phone": ("监护人电话", "监护人联系电话"),
    "is_boarder": ("寄宿", "是否寄宿"),
    "rides_bus": ("乘车", "是否乘车", "乘坐校车"),
}
HEADER_OF = {key: names[0] for key, names in COLUMNS.items()}
_KEY_OF_HEADER = {name: key for key, names in COLUMNS.items() for name in names}
REQUIRED = {KIND_CLASS: ("name",), KIND_SCHOOL: ("name", "class_name")}
TEMPLATE_EXAMPLE = {
    "name": "张小明",
    "gender": "男",
    "birth_date": "2019-03-08",
    "id_number": "50012020190308121X",
    "student_no": "G50012020190308121X",
    "ethnicity": "汉族",
    "class_name": "一年级一班",
    "address": "重庆市璧山区青杠街道白云村3组12号",
    "father_name": "张建国",
    "father_phone": "13512345678",
    "father_situation": "外出务工",
    "father_work_place": "广东省深圳市",
    "mother_name": "李秀英",
    "mother_phone": "13612345678",
    "mother_situation": "在家",
    "mother_work_place": "",
    "guardian_name": "张德贵",
    "guardian_relation": "爷爷",
    "guardian_phone": "023-41234567",
    "is_boarder": "否",
    "rides_bus": "是",
}
_HEADER_NOISE = re.compile(r"[\s*＊:：]")
_DIGIT_RUN = re.compile(r"\d{7,}[\dXx]?")


def _header_key(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return _KEY_OF_HEADER.get(_HEADER_NOISE.sub("", value))


def _find_header(rows: Iterator[tuple[Any, ...]]) -> tuple[int, dict[str, int]]:
    """(Excel row number of the header row, column key → index); a title may stand above it."""
    for number, row in enumerate(rows, start=1):
        keys = [_header_key(value) for value in row]
        if "name" in keys:
            positions: dict[str, int] = {}
            for index, key in enumerate(keys):
                if key is None:
                    continue
                if key in positions:
                    raise RosterFileError(
                        _("The column %(column)s appears twice.", column=HEADER_OF[key])
                    )
                positions[key] = index
            return number, positions
        if number >= HEADER_SEARCH_ROWS:
            break
    raise RosterFileError(
        _(
            "No header row with the column 姓名 was found in the first %(rows)d rows of the "
            "first sheet. Start from the template.",
            rows=HEADER_SEARCH_ROWS,
        )
    )


# --- Words of the roster ------------------------------------------------------------------------

GENDER_WORDS = {
    "男": Gender.MALE,
    "男生": Gender.MALE,
    "男孩": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "女": Gender.FEMALE,
    "女生": Gender.FEMALE,
    "女孩": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
}
SITUATION_WORDS = {
    "在家": ParentSituation.AT_HOME,
    "外出务工": ParentSituation.WORKING_AWAY,
    "外出打工": ParentSituation.WORKING_AWAY,
    "外出": ParentSituation.WORKING_AWAY,
    "务工": ParentSituation.WORKING_AWAY,
    "打工": ParentSituation.WORKING_AWAY,
    "无监护能力": ParentSituation.CANNOT_CARE,
    "无监护能力（病残等）": ParentSituation.CANNOT_CARE,
    "去世": ParentSituation.CANNOT_CARE,
    "已故": ParentSituation.CANNOT_CARE,
    "不在身边": ParentSituation.NOT_PRESENT,
    "离异": ParentSituation.NOT_PRESENT,
    "失联": ParentSituation.NOT_PRESENT,
}
SITUATION_CHOICES = "在家、外出务工、无监护能力、不在身边"
RELATION_WORDS = {
    "爷爷": GuardianRelation.GRANDFATHER,
    "祖父": GuardianRelation.GRANDFATHER,
    "奶奶": GuardianRelation.GRANDMOTHER,
    "祖母": GuardianRelation.GRANDMOTHER,
    "外公": GuardianRelation.MATERNAL_GRANDFATHER,
    "外祖父": GuardianRelation.MATERNAL_GRANDFATHER,
    "姥爷": GuardianRelation.MATERNAL_GRANDFATHER,
    "外婆": GuardianRelation.MATERNAL_GRANDMOTHER,
    "外祖母": GuardianRelation.MATERNAL_GRANDMOTHER,
    "姥姥": GuardianRelation.MATERNAL_GRANDMOTHER,
    "父亲": GuardianRelation.FATHER,
    "爸爸": GuardianRelation.FATHER,
    "父子": GuardianRelation.FATHER,
    "父女": GuardianRelation.FATHER,
    "母亲": GuardianRelation.MOTHER,
    "妈妈": GuardianRelation.MOTHER,
    "母子": GuardianRelation.MOTHER,
    "母女": GuardianRelation.MOTHER,
    "叔叔": GuardianRelation.UNCLE,
    "伯伯": GuardianRelation.UNCLE,
    "伯父": GuardianRelation.UNCLE,
    "叔父": GuardianRelation.UNCLE,
    "舅舅": GuardianRelation.UNCLE,
    "姑父": GuardianRelation.UNCLE,
    "姨父": GuardianRelation.UNCLE,
    "姑姑": GuardianRelation.AUNT,
    "姑妈": GuardianRelation.AUNT,
    "姨妈": GuardianRelation.AUNT,
    "阿姨": GuardianRelation.AUNT,
    "舅妈": GuardianRelation.AUNT,
    "婶婶": GuardianRelation.AUNT,
    "伯母": GuardianRelation.AUNT,
    "哥哥": GuardianRelation.SIBLING,
    "姐姐": GuardianRelation.SIBLING,
    "亲戚": GuardianRelation.RELATIVE,
    "其他亲属": GuardianRelation.RELATIVE,
    "邻居": GuardianRelation.NEIGHBOUR,
    "托管": GuardianRelation.CARER,
    "托管人": GuardianRelation.CARER,
    "保姆": GuardianRelation.CARER,
}
RELATION_CHOICES = "爷爷、奶奶、外公、外婆、父亲、母亲、叔叔、姑姑、哥哥、姐姐、亲戚、邻居、托管人"
YES_WORDS = {"是", "y", "yes", "√", "✓", "1", "寄宿", "住校", "乘车"}
NO_WORDS = {"否", "n", "no", "×", "0", "走读", "不乘车"}
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
PROVINCES = (
    *MUNICIPALITIES,
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
)
_SHORT_PROVINCE = re.compile(r"(壮族|回族|维吾尔)?(省|市|自治区|特别行政区)$")
PROVINCE_BY_SHORT_NAME = {_SHORT_PROVINCE.sub("", name): name for name in PROVINCES}
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CN_DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")


def split_work_place(text: str) -> tuple[str | None, str | None]:
    """广东省深圳市 → (广东省, 深圳市); 广东深圳 → (广东省, 深圳); 北京市 → (北京市, 北京市)."""
    text = re.sub(r"\s+", "", text)
    if not text:
        return None, None
    for name in PROVINCES:
        if text.startswith(name):
            rest = text[len(name) :] or (name if name in MUNICIPALITIES else "")
            return name, rest or None
    for short, name in PROVINCE_BY_SHORT_NAME.items():
        if text.startswith(short):
            rest = text[len(short) :] or (name if name in MUNICIPALITIES else "")
            return name, rest or None
    return None, text


def class_name_variants(text: str) -> tuple[str, ...]:
    """三年级一班 as typed, and 3年级1班 read with Chinese digits."""
    text = re.sub(r"\s+", "", text)
    return (text, text.translate(_CN_DIGITS))


# --- Cells --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else str(value)
    return str(value).strip()


def _echo(text: str) -> str:
    """A typed value repeated in a reason: short, and never a whole phone or ID number."""
    return _DIGIT_RUN.sub(
        lambda m: mask_id_number(m.group()) if len(m.group()) > 11 else mask_phone(m.group()),
        text[:20],
    )


def _is_number_that_lost_digits(value: Any) -> bool:
    """Excel keeps fifteen digits of a number: an 18-digit ID number typed as a number is lost."""
    return isinstance(value, float) and (abs(value) >= 1e15 or not value.is_integer())


def _date(value: Any) -> date | None:
    """A date from an Excel date, or text like 2019-03-08, 2019/3/8, 2019年3月8日, 20190308."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).split(" ")[0]
    match = _DATE_TEXT.match(text) or _DATE_DIGITS.match(text)
    if not match:
        raise ValueError(text)
    return date(*(int(part) for part in match.groups()))


# --- Checking every row -------------------------------------------------------------------------


@dataclass
class RowProblem:
    row: int
    reasons: list[str]


@dataclass
class RosterCheck:
    """What an upload holds: the rows ready to import and every bad row with its reasons."""

    kind: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.problems)

    @property
    def importable(self) -> bool:
        return bool(self.rows) and not self.problems

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "rows": self.rows,
                "problems": [{"row": p.row, "reasons": p.reasons} for p in self.problems],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | None) -> RosterCheck:
        if not text:
            return cls(kind=KIND_CLASS)
        data = json.loads(text)
        problems = [RowProblem(p["row"], p["reasons"]) for p in data["problems"]]
        return cls(kind=data["kind"], rows=data["rows"], problems=problems)


class _Row:
    """One row being checked: its cells by column key and the reasons it is refused."""

    def __init__(self, number: int, cells: dict[str, Any]) -> None:
        self.number = number
        self.cells = cells
        self.reasons: list[str] = []

    def raw(self, key: str) -> Any:
        return self.cells.get(key)

    def text(self, key: str, limit: int | None = None) -> str | None:
        value = _text(self.cells.get(key))
        if limit is not None and len(value) > limit:
            self.refuse(
                _(
                    "%(column)s is longer than %(limit)d characters.",
                    column=HEADER_OF[key],
                    limit=limit,
                )
            )
        return value or None

    def refuse(self, reason: str) -> None:
        self.reasons.append(reason)

    def refuse_lost_digits(self, key: str) -> None:
        self.refuse(
            _(
                "%(column)s was stored as a number and lost its last digits: format the column "
                "as text and type it again.",
                column=HEADER_OF[key],
            )
        )


def check_roster(
    session: Session,
    data: bytes,
    *,
    kind: str,
    school_class: SchoolClass | None,
    classes: Iterable[SchoolClass],
    today: date,
) -> RosterCheck:
    """Read an upload and check every row; refuses the whole file only when it cannot be read."""
    rows = open_sheet(data)
    header_row, positions = _find_header(rows)
    missing = [HEADER_OF[key] for key in REQUIRED[kind] if key not in positions]
    if missing:
        raise RosterFileError(
            _("Required columns are missing: %(columns)s.", columns="、".join(missing))
        )
    if kind == KIND_CLASS:
        positions.pop("class_name", None)  # the chosen class applies to every row
    found: list[_Row] = []
    for number, values in enumerate(rows, start=header_row + 1):
        cells = {key: values[index] for key, index in positions.items() if index < len(values)}
        if all(_text(value) == "" for value in cells.values()):
            continue
        if len(found) >= MAX_ROWS:
            raise RosterFileError(
                _(
                    "The file has more than %(limit)d rows. Split it into smaller files.",
                    limit=MAX_ROWS,
                )
            )
        found.append(_Row(number, cells))
    if not found:
        raise RosterFileError(_l("The file has no rows of children under its header."))

    check = RosterCheck(kind=kind)
    classes_by_name = {c.name: c for c in classes}
    checked = [_check_row(row, kind, school_class, classes_by_name, today) for row in found]
    _refuse_duplicates(session, found, checked)
    for row, values in zip(found, checked, strict=True):
        if row.reasons:
            check.problems.append(RowProblem(row.number, row.reasons))
        else:
            check.rows.append(values)
    return check


def _check_row(
    row: _Row,
    kind: str,
    school_class: SchoolClass | None,
    classes_by_name: dict[str, SchoolClass],
    today: date,
) -> dict[str, Any]:
    values: dict[str, Any] = {"row": row.number}
    values["name"] = row.text("name", 50)
    if not values["name"]:
        row.refuse(_("The name is missing."))
    values.update(_identity(row, today))
    if _is_number_that_lost_digits(row.raw("student_no")):
        row.refuse_lost_digits("student_no")
    values["student_no"] = row.text("student_no", 30)
    ethnicity = row.text("ethnicity", 20)
    values["ethnicity"] = (
        "汉族" if not ethnicity else ethnicity if ethnicity.endswith("族") else ethnicity + "族"
    )
    values["address"] = row.text("address", 200)
    target = school_class if kind == KIND_CLASS else _class_of(row, classes_by_name)
    values["class_id"] = target.id if target else None
    values["class_name"] = target.name if target else None
    values["parents"] = {
        relation.value: _parent(row, relation.value) for relation in ParentRelation
    }
    values["guardian"] = _guardian(row)
    values["is_boarder"] = _yes_no(row, "is_boarder")
    values["rides_bus"] = _yes_no(row, "rides_bus")
    return values


def _identity(row: _Row, today: date) -> dict[str, Any]:
    """ID number, sex and birth date, each checked against the others like the card does."""
    parsed = None
    raw_id = row.raw("id_number")
    if _is_number_that_lost_digits(raw_id):
        row.refuse_lost_digits("id_number")
    elif _text(raw_id):
        try:
            parsed = parse_id_number(_text(raw_id), today)
        except IdNumberError as error:
            row.refuse(str(ID_NUMBER_MESSAGES[error.reason]))

    gender = None
    gender_text = row.text("gender")
    if gender_text:
        gender = GENDER_WORDS.get(gender_text.lower())
        if gender is None:
            row.refuse(
                _("The sex %(value)s is not recognised: write 男 or 女.", value=_echo(gender_text))
            )
    born = None
    if _text(row.raw("birth_date")):
        try:
            born = _date(row.raw("birth_date"))
        except ValueError:
            row.refuse(
                _(
                    "The birth date %(value)s is not a date: write it like 2019-03-08.",
                    value=_echo(_text(row.raw("birth_date"))),
                )
            )
        else:
            if born > today:
                row.refuse(_("The birth date is in the future."))

    if parsed is not None:
        id_gender = Gender.MALE if parsed.is_male else Gender.FEMALE
        if gender is not None and gender != id_gender:
            row.refuse(_("The sex does not match the ID number."))
        if born is not None and born != parsed.birth_date:
            row.refuse(_("The birth date does not match the ID number."))
        gender, born = id_gender, parsed.birth_date
    elif not _text(raw_id):  # without an ID number, sex and birth date must be written
        if gender is None and not gender_text:
            row.refuse(_("The sex is missing: write 男 or 女, or give the ID number."))
        if born is None and not _text(row.raw("birth_date")):
            row.refuse(_("The birth date is missing: write it, or give the ID number."))
    return {
        "id_number": parsed.value if parsed else None,
        "gender": gender.value if gender else None,
        "birth_date": born.isoformat() if born else None,
    }


def _class_of(row: _Row, classes_by_name: dict[str, SchoolClass]) -> SchoolClass | None:
    text = row.text("class_name")
    if not text:
        row.refuse(_("The class is missing."))
        return None
    for variant in class_name_variants(text):
        if variant in classes_by_name:
            return classes_by_name[variant]
    row.refuse(_("There is no class %(value)s in this school.", value=_echo(text)))
    return None


def _phone(row: _Row, key: str) -> str | None:
    text = _text(row.raw(key))
    if not text:
        return None
    try:
        return normalise_phone(text, allow_landline=True)
    except PhoneError:
        # The value is not repeated: a page must not show a phone number, even a wrong one.
        row.refuse(
            _(
                "%(column)s is not a phone number: write an 11-digit mobile number or a "
                "landline with its area code.",
                column=HEADER_OF[key],
            )
        )
        return None


def _parent(row: _Row, relation: str) -> dict[str, Any]:
    name = row.text(f"{relation}_name", 50)
    phone = _phone(row, f"{relation}_phone")
    province, city = split_work_place(row.text(f"{relation}_work_place") or "")
    situation_key = f"{relation}_situation"
    word = row.text(situation_key)
    if word:
        situation = SITUATION_WORDS.get(re.sub(r"\s+", "", word))
        if situation is None:
            row.refuse(
                _(
                    "%(column)s: %(value)s is not recognised; write one of %(choices)s.",
                    column=HEADER_OF[situation_key],
                    value=_echo(word),
                    choices=SITUATION_CHOICES,
                )
            )
            situation = ParentSituation.UNKNOWN
    else:
        situation = ParentSituation.WORKING_AWAY if city else ParentSituation.UNKNOWN
    if situation == ParentSituation.WORKING_AWAY and not city:
        row.refuse(
            _(
                "%(column)s is missing: say where this parent works, like 广东省深圳市.",
                column=HEADER_OF[f"{relation}_work_place"],
            )
        )
    if (province and len(province) > 20) or (city and len(city) > 30):
        row.refuse(
            _(
                "%(column)s is longer than %(limit)d characters.",
                column=HEADER_OF[f"{relation}_work_place"],
                limit=30,
            )
        )
    values = {
        "name": name,
        "phone": phone,
        "situation": situation.value,
        "work_province": province,
        "work_city": city,
    }
    return {key: value for key, value in values.items() if value is not None}


def _guardian(row: _Row) -> dict[str, Any] | None:
    name = row.text("guardian_name", 50)
    word = row.text("guardian_relation")
    phone = _phone(row, "guardian_phone")
    if not (name or word or phone):
        return None
    if not name:
        row.refuse(_("The guardian's name is missing."))
    relation = None
    if not word:
        row.refuse(_("The guardian's relation to the child is missing."))
    else:
        relation = RELATION_WORDS.get(re.sub(r"\s+", "", word))
        if relation is None:
            row.refuse(
                _(
                    "%(column)s: %(value)s is not recognised; write one of %(choices)s.",
                    column=HEADER_OF["guardian_relation"],
                    value=_echo(word),
                    choices=RELATION_CHOICES,
                )
            )
    return {"name": name, "relation": relation.value if relation else None, "phone": phone}


def _yes_no(row: _Row, key: str) -> bool:
    text = _text(row.raw(key)).lower()
    if text in YES_WORDS:
        return True
    if text in NO_WORDS or text == "":
        return False
    row.refuse(_("%(column)s: write 是 or 否.", column=HEADER_OF[key]))
    return False


def _refuse_duplicates(session: Session, rows: list[_Row], checked: list[dict]) -> None:
    """An ID number twice in the file, or already on a card of this school: one query in all."""
    first_row: dict[str, int] = {}
    for row, values in zip(rows, checked, strict=True):
        id_number = values["id_number"]
        if id_number is None:
            continue
        if id_number in first_row:
            row.refuse(
                _(
                    "The same ID number is already in row %(row)d of this file.",
                    row=first_row[id_number],
                )
            )
        else:
            first_row[id_number] = row.number
    existing = cards_with_id_numbers(session, list(first_row))
    for row, values in zip(rows, checked, strict=True):
        card = existing.get(values["id_number"] or "")
        if card is not None:
            name, class_name = card
            row.refuse(
                _(
                    "This school already has a card with this ID number (%(name)s, "
                    "%(class_name)s).",
                    name=name,
                    class_name=class_name or _("no class"),
                )
            )


def cards_with_id_numbers(
    session: Session, id_numbers: list[str]
) -> dict[str, tuple[str, str | None]]:
    """ID number → (name, class name) of the cards of this school that already hold it."""
    return {
        id_number: (child.name, child.school_class.name if child.school_class else None)
        for id_number, child in find_by_id_numbers(session, id_numbers).items()
    }


# --- The batch: preview, import, discard --------------------------------------------------------


def create_batch(
    session: Session,
    check: RosterCheck,
    *,
    filename: str,
    school_class: SchoolClass | None,
    created_by_id: int,
) -> ImportBatch:
    """Hold a checked upload, sealed, until the user confirms or discards it."""
    batch = ImportBatch(
        filename=(filename or "roster.xlsx")[-200:],
        class_id=school_class.id if school_class else None,
        row_count=check.total,
        status=ImportStatus.PREVIEWED,
        created_by_id=created_by_id,
    )
    batch.payload = check.to_json()
    session.add(batch)
    session.flush()
    return batch


def contents_of(batch: ImportBatch) -> RosterCheck:
    return RosterCheck.from_json(batch.payload)


class ImportConflict(ValueError):
    """Between preview and confirmation the school changed (a card or a class); nothing imported."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.message = message


def import_batch(session: Session, batch: ImportBatch, *, actor_id: int) -> int:
    """Register every row of a checked batch. The caller commits, or rolls back on a conflict.

    Only a batch still waiting and without a bad row is imported; any other answers 0, so a
    second confirmation (double tap, retry, back button) imports nothing again.
    """
    if batch.status != ImportStatus.PREVIEWED:
        return 0
    check = contents_of(batch)
    if not check.importable:
        return 0
    class_ids = {row["class_id"] for row in check.rows}
    classes = set(
        session.scalars(
            select(SchoolClass.id).where(SchoolClass.id.in_(class_ids), SchoolClass.is_active)
        )
    )
    for row in check.rows:
        if row["class_id"] not in classes:
            raise ImportConflict(
                row["row"], _("The class %(name)s no longer exists.", name=row["class_name"])
            )
    # Checked again inside this transaction: a card may have been added since the preview.
    existing = cards_with_id_numbers(
        session, [r["id_number"] for r in check.rows if r["id_number"]]
    )
    for row in check.rows:
        if row["id_number"] in existing:
            raise ImportConflict(
                row["row"],
                _(
                    "Row %(row)d: this school now has a card with this ID number (%(name)s).",
                    row=row["row"],
                    name=existing[row["id_number"]][0],
                ),
            )
    try:
        register_rows(session, check.rows, actor_id=actor_id)
    except IntegrityError:  # a card with one of these ID numbers was saved a moment ago
        raise ImportConflict(
            0, _("Another card with one of these ID numbers was saved meanwhile.")
        ) from None
    _close(batch, ImportStatus.IMPORTED)
    batch.imported_at = utcnow()
    audit.record(
        session,
        AuditAction.IMPORT,
        actor_id=actor_id,
        subject="import_batch",
        subject_id=batch.id,
        reason=ngettext("%(num)d child imported", "%(num)d children imported", len(check.rows)),
    )
    session.flush()
    return len(check.rows)


def register_rows(session: Session, rows: list[dict[str, Any]], *, actor_id: int) -> list[Child]:
    """Cards for checked rows, with parents and guardian, and their audit rows."""
    cards = []
    for row in rows:
        parents = {
            ParentRelation(relation): {**values, "situation": ParentSituation(values["situation"])}
            for relation, values in row["parents"].items()
        }
        child = service.new_card(
            name=row["name"],
            gender=Gender(row["gender"]),
            birth_date=date.fromisoformat(row["birth_date"]),
            class_id=row["class_id"],
            id_number=row["id_number"],
            student_no=row["student_no"],
            ethnicity=row["ethnicity"],
            address=row["address"],
            is_boarder=row["is_boarder"],
            rides_bus=row["rides_bus"],
            parents=parents,
        )
        guardian = row["guardian"]
        guardians = (
            [{**guardian, "relation": GuardianRelation(guardian["relation"])}] if guardian else []
        )
        cards.append((child, guardians))
    return service.register_children(session, cards, actor_id=actor_id)


def discard_batch(session: Session, batch: ImportBatch) -> bool:
    if batch.status != ImportStatus.PREVIEWED:
        return False
    _close(batch, ImportStatus.DISCARDED)
    session.flush()
    return True


def _close(batch: ImportBatch, status: ImportStatus) -> None:
    # Once imported or discarded, the rows need not wait any longer: no second copy is kept.
    batch.status = status
    batch.payload = None


# --- What a preview shows -----------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    row: int
    name: str
    gender: str
    birth_date: date | None
    class_name: str
    id_number: str
    student_no: str
    address: str
    parents: list[str]
    guardian: str


def preview_rows(check: RosterCheck, limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The first rows as they will be imported, ID numbers, phones and addresses masked."""
    shown = []
    for row in check.rows[:limit]:
        parents = []
        for relation in ParentRelation:
            parent = row["parents"].get(relation.value, {})
            situation = ParentSituation(parent.get("situation", ParentSituation.UNKNOWN))
            details = [
                parent.get("name") or "",
                situation.label if situation != ParentSituation.UNKNOWN else "",
                "".join(p for p in (parent.get("work_province"), parent.get("work_city")) if p),
                mask_phone(parent.get("phone")),
            ]
            if any(details):
                parents.append(f"{relation.label}：" + " ".join(d for d in details if d))
        guardian = row["guardian"]
        guardian_text = ""
        if guardian:
            guardian_text = " ".join(
                d
                for d in (
                    guardian["name"],
                    GuardianRelation(guardian["relation"]).label,
                    mask_phone(guardian["phone"]),
                )
                if d
            )
        shown.append(
            PreviewRow(
                row=row["row"],
                name=row["name"],
                gender=Gender(row["gender"]).label,
                birth_date=date.fromisoformat(row["birth_date"]) if row["birth_date"] else None,
                class_name=row["class_name"] or "",
                id_number=mask_id_number(row["id_number"]),
                student_no=mask_id_number(row["student_no"]),
                address=mask_place(row["address"]),
                parents=parents,
                guardian=guardian_text,
            )
        )
    return shown


# --- The template -------------------------------------------------------------------------------


def template_workbook(school_register: bool = True) -> bytes:
    """An empty roster with every column the importer reads and one example row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "名册"
    keys = [k for k in COLUMNS if school_register or k != "class_name"]
    required = set(REQUIRED[KIND_SCHOOL if school_register else KIND_CLASS])
    for column, key in enumerate(keys, start=1):
        header = sheet.cell(
            row=1, column=column, value=HEADER_OF[key] + ("*" if key in required else "")
        )
        header.font = Font(bold=True)
        example = sheet.cell(row=2, column=column, value=TEMPLATE_EXAMPLE[key] or None)
        example.number_format = "@"  # ID numbers, phones and dates kept exactly as typed
        for row in range(3, 503):
            sheet.cell(row=row, column=column).number_format = "@"
        sheet.column_dimensions[header.column_letter].width = max(8, len(HEADER_OF[key]) * 2 + 4)
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
