"""Demo asset ledger of 阳光小学's children's home (留守儿童之家), and a small one at 红星小学.

Books with real-looking ISBNs (valid check digits), sports kit, music and video equipment, a
donated batch of books with its donor, daily-need packs that run low; most items accepted by the
keeper 张秀英 (13800000003) and the department head 陈德明 (13900000180), a few waiting for his
signature; loans on the demo's day (one overdue, to a child of 王丽's 三年级一班, so her reminder
list has a line), one returned; an accordion asked to be written off, signed by the head and
waiting for the principal. Every row has a fixed uid (uuid5 of a natural key): a second run adds
nothing.

Rooms: the ledger puts its things in the reading room and the sports room. The rooms module
(issue 5, built beside this one) may make its own: a room of the same kind is reused, found by
its kind, so the two demos share rooms whichever runs first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.assets import service
from webapp.assets.models import (
    AssetItem,
    Category,
    Condition,
    Loan,
    Source,
    Stocktake,
    WriteOff,
)
from webapp.auth.service import create_user, find_user_by_phone, hash_password
from webapp.children.models import Child, SchoolClass
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Membership, Tenant
from webapp.core.permissions import Role
from webapp.core.tenancy import tenant_context
from webapp.demo import DEMO_PASSWORD
from webapp.room.models import Room, RoomKind

DEMO_TODAY = date(2026, 11, 27)
NAMESPACE = uuid.UUID("0b7c3f4e-58a1-4f0d-93a7-6c2e1d9f4a15")
KEEPER_PHONE = "13800000003"
HEAD_PHONE = "13900000180"
HEAD = ("yangguang", "陈德明", Role.DEPARTMENT_HEAD)  # 教导主任
DONOR = "璧山区青年志愿者协会“春蕾书屋”"

ROOMS = {
    RoomKind.READING: "图书阅览室",
    RoomKind.SPORTS: "体育活动室",
    RoomKind.MUSIC: "音乐室",
    RoomKind.FAMILY_PHONE: "亲情电话室",
}

# The ledgers, one item a line: key|kind|name|author or serial|ISBN|pieces|warn at|room|
# how it came in|received on|value per piece in fen|flags. Kinds: b book, e equipment, k kit,
# c consumable. Rooms: R reading, S sports, M music, F family phone. Came in: A allocated,
# P purchased, D donated. Flags: room (never lent), unsigned (waiting for the department head).
KINDS = {"b": Category.BOOK, "e": Category.EQUIPMENT, "k": Category.KIT, "c": Category.CONSUMABLE}
ROOM_KINDS = {
    "R": RoomKind.READING,
    "S": RoomKind.SPORTS,
    "M": RoomKind.MUSIC,
    "F": RoomKind.FAMILY_PHONE,
}
SOURCES = {"A": Source.ALLOCATION, "P": Source.PURCHASE, "D": Source.DONATION}
YANGGUANG = """
caofangzi-1|b|草房子|曹文轩|9787020090389|1||R|A|2026-03-02|2800|
caofangzi-2|b|草房子|曹文轩|9787020090389|1||R|A|2026-03-02|2800|
doudou|b|窗边的小豆豆|黑柳彻子|9787544265997|1||R|A|2026-03-02|3900|
daocaoren|b|稻草人|叶圣陶|9787020042692|1||R|A|2026-03-02|1800|
xiaowangzi|b|小王子|圣埃克苏佩里|9787532498673|1||R|P|2026-05-12|2500|
chengnan|b|城南旧事|林海音|9787020111985|1||R|P|2026-05-12|2300|
xiaolin|b|大林和小林|张天翼|9787532415717|1||R|P|2026-05-12|1600|
yulai|b|小英雄雨来|管桦|9787020082544|1||R|P|2026-05-12|1500|
zidian|b|新华字典（第12版）|中国社会科学院语言研究所|9787500789512|1||R|A|2026-03-02|2290|room
charlotte-1|b|夏洛的网|E.B.怀特|9787532492176|1||R|D|2026-09-18|2200|
charlotte-2|b|夏洛的网|E.B.怀特|9787532492176|1||R|D|2026-09-18|2200|
aide|b|爱的教育|亚米契斯|9787532463220|1||R|D|2026-09-18|2000|
meitounao|b|没头脑和不高兴|任溶溶|9787532456185|1||R|D|2026-09-18|1800|
xiyouji|b|西游记（青少版）|吴承恩|9787543447288|1||R|D|2026-09-18|3500|unsigned
shiwange|b|十万个为什么·动物|韩启德 主编|9787532467099|1||R|D|2026-09-18|3000|unsigned
dianziqin|e|电子琴|CTK-2550-0815||1||M|A|2025-09-01|89000|room
shoufengqin|e|手风琴（48贝司）|BX-2019-003||1||M|A|2019-09-01|120000|
touyingyi|e|投影仪|EB-X51-1042||1||R|A|2025-09-01|260000|room
dianshi|e|电视机（55英寸）|ZC-2025-017||1||F|A|2025-09-01|219900|room
dianhua|e|亲情电话|ZC-2025-018||1||F|A|2025-09-01|19900|room
diannao|e|笔记本电脑（视频通话）|PF3K9Q2L||1||F|D|2026-09-18|329900|room
jijiuxiang|e|急救箱|ZC-2026-004||1||S|P|2026-03-02|12800|room
tiaosheng|k|跳绳|||20||S|P|2026-03-02|900|
lanqiu|k|篮球（7号）|||6||S|A|2026-03-02|9800|
yumaoqiu|k|羽毛球拍（副）|||8||S|P|2026-05-12|4500|
xiangqi|k|中国象棋|||4||R|D|2026-09-18|2500|
shenghuobao|c|生活用品包（牙刷、毛巾、香皂）|||9|10|R|D|2026-09-18|3500|
yanliao|c|水彩颜料（12色）|||30|8|R|P|2026-09-07|1200|unsigned
"""
HONGXING = """
hx-caofangzi|b|草房子|曹文轩|9787020090389|1|||A|2026-03-02|2800|
hx-xiaowangzi|b|小王子|圣埃克苏佩里|9787532498673|1|||P|2026-04-08|2500|
hx-lanqiu|k|篮球（5号）|||4|||A|2026-03-02|8800|
"""
# (item key, borrower: class name and index, or a staff phone; days ago lent, days it was lent
#  for, returned days ago or None, condition)
LOANS = {
    "yangguang": [
        ("caofangzi-1", ("三年级一班", 2), 19, 14, None, None),  # overdue since 22 November
        ("charlotte-1", ("三年级二班", 1), 3, 14, None, None),
        ("yulai", ("四年级一班", 0), 1, 14, None, None),
        ("lanqiu", "13800000002", 0, 0, None, None),  # 王丽 takes a ball to her PE lesson
        ("xiaowangzi", ("三年级一班", 4), 30, 14, 18, Condition.GOOD),
    ],
    "hongxing": [("hx-caofangzi", ("四年级一班", 0), 10, 14, None, None)],
}
WRITE_OFF_ITEM = ("shoufengqin", "风箱漏气，键盘多处失灵，维修费高于原值。")


class Report(Protocol):
    def add(self, kind: str, count: int = 1) -> None: ...


def uid_for(*key: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(part) for part in key))


def at(day: date, hour: int = 16) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=SCHOOL_TIMEZONE)


def load_assets(session: Session, tenants: dict[str, Tenant], report: Report) -> None:
    """The department head, the ledgers, the loans and the write-off. Flushes; never commits."""
    head = _load_head(session, tenants, report)
    keeper = find_user_by_phone(session, KEEPER_PHONE)
    for slug, table in (("yangguang", YANGGUANG), ("hongxing", HONGXING)):
        plan = planned(table)
        with tenant_context(session, tenants[slug].id):
            rooms = _rooms(session, report) if slug == "yangguang" else {}
            signers = (keeper.id, head.id) if slug == "yangguang" else (None, None)
            items = _items(session, tenants[slug], plan, rooms, signers, report)
            if slug == "hongxing":
                _stocktake(session, slug, items, report)
            _loans(session, slug, items, keeper.id if slug == "yangguang" else None, report)
            if slug == "yangguang":
                _write_off(session, items, keeper.id, head.id, report)


def _load_head(session: Session, tenants: dict[str, Tenant], report: Report):
    slug, name, role = HEAD
    user = find_user_by_phone(session, HEAD_PHONE)
    if user is None:
        user = create_user(
            session, phone=HEAD_PHONE, name=name, password_hash=hash_password(DEMO_PASSWORD)
        )
        report.add("accounts")
    if not session.scalar(
        select(Membership.id).where(
            Membership.tenant_id == tenants[slug].id,
            Membership.user_id == user.id,
            Membership.role == role,
        )
    ):
        session.add(Membership(tenant=tenants[slug], user_id=user.id, role=role))
        report.add("roles")
    session.flush()
    return user


def _rooms(session: Session, report: Report) -> dict[RoomKind, Room]:
    """A room of each kind the ledger needs: the school's own if it has one."""
    found = {}
    for kind, name in ROOMS.items():
        room = session.scalar(select(Room).where(Room.kind == kind).order_by(Room.id))
        if room is None:
            room = Room(name=name, kind=kind)
            session.add(room)
            session.flush()
            report.add("rooms")
        found[kind] = room
    return found


@dataclass(frozen=True)
class Planned:
    key: str
    category: Category
    name: str
    author_or_serial: str | None
    isbn: str | None
    quantity: int
    low_stock: int | None
    room: RoomKind | None
    source: Source
    received_on: date
    value_fen: int
    flags: frozenset[str]


def planned(table: str) -> list[Planned]:
    rows = []
    for line in table.strip().splitlines():
        cells = line.split("|")
        key, kind, name, by, isbn, pieces, low, room, source, received, fen, flags = cells
        rows.append(
            Planned(
                key=key,
                category=KINDS[kind],
                name=name,
                author_or_serial=by or None,
                isbn=isbn or None,
                quantity=int(pieces),
                low_stock=int(low) if low else None,
                room=ROOM_KINDS.get(room),
                source=SOURCES[source],
                received_on=date.fromisoformat(received),
                value_fen=int(fen),
                flags=frozenset(flags.split()),
            )
        )
    return rows


def _items(
    session: Session,
    tenant: Tenant,
    plan: list[Planned],
    rooms: dict[RoomKind, Room],
    signers: tuple[int | None, int | None],
    report: Report,
) -> dict[str, AssetItem]:
    settings = service.settings_of(session, tenant.name)
    items = {}
    for row in plan:
        book = row.category == Category.BOOK
        made = service.add_item(
            session,
            uid=uid_for(tenant.slug, "item", row.key),
            settings=settings,
            actor_id=signers[0],
            now=at(row.received_on, 10),
            category=row.category,
            name=row.name,
            author=row.author_or_serial if book else None,
            isbn=row.isbn,
            serial=None if book else row.author_or_serial,
            quantity=row.quantity,
            low_stock=row.low_stock,
            room_id=rooms[row.room].id if row.room in rooms else None,
            room_only="room" in row.flags,
            loan_days=None,
            source=row.source,
            donor=DONOR if row.source == Source.DONATION else None,
            received_on=row.received_on,
            value_fen=row.value_fen,
            note=None,
        )
        item = made.row
        if made.created:
            report.add("asset items")
            keeper_id, head_id = signers
            if keeper_id is not None:
                service.sign_acceptance(
                    session, item, actor_id=keeper_id, as_head=False, now=at(row.received_on, 11)
                )
            if head_id is not None and "unsigned" not in row.flags:
                service.sign_acceptance(
                    session, item, actor_id=head_id, as_head=True, now=at(row.received_on, 15)
                )
        items[row.key] = item
    return items


def _borrower(session: Session, who: tuple[str, int] | str) -> dict:
    if isinstance(who, str):
        return {"staff_id": find_user_by_phone(session, who).id}
    class_name, index = who
    children = session.scalars(
        select(Child)
        .join(SchoolClass, (SchoolClass.id == Child.class_id))
        .where(SchoolClass.name == class_name)
        .order_by(Child.id)
    ).all()
    return {"child": children[index]}


def _loans(
    session: Session, slug: str, items: dict[str, AssetItem], keeper_id: int | None, report: Report
) -> None:
    for key, who, days_ago, days, returned_ago, condition in LOANS[slug]:
        uid = uid_for(slug, "loan", key, days_ago)
        if session.scalar(select(Loan.id).where(Loan.uid == uid)) is not None:
            continue
        lent_on = DEMO_TODAY - timedelta(days=days_ago)
        made = service.lend(
            session,
            uid=uid,
            item=items[key],
            due_on=lent_on + timedelta(days=days),
            actor_id=keeper_id,
            now=at(lent_on, 16),
            **_borrower(session, who),
        )
        report.add("loans")
        if returned_ago is not None:
            service.return_item(
                session,
                uid=uid_for(slug, "return", key, days_ago),
                item=items[key],
                condition=condition,
                actor_id=keeper_id,
                loan_id=made.row.id,
                now=at(DEMO_TODAY - timedelta(days=returned_ago), 17),
            )


def _stocktake(session: Session, slug: str, items: dict[str, AssetItem], report: Report) -> None:
    """Last term's stocktake at 红星小学: a ball was not found, a write-off drafted from it."""
    uid = uid_for(slug, "stocktake", "2026-07")
    if session.scalar(select(Stocktake.id).where(Stocktake.uid == uid)) is not None:
        return
    started = at(date(2026, 7, 3), 9)
    stocktake = service.start_stocktake(session, uid=uid, room_id=None, actor_id=None, now=started)
    for key, item in items.items():
        found = item.quantity - 1 if key == "hx-lanqiu" else None
        service.count_item(
            session, stocktake.row, code=item.code, actor_id=None, found=found, now=started
        )
    service.close_stocktake(
        session,
        stocktake.row,
        reasons={line.id: "体育课后未收回" for line in stocktake.row.lines},
        actor_id=None,
        now=started + timedelta(hours=2),
    )
    report.add("stocktakes")


def _write_off(
    session: Session, items: dict[str, AssetItem], keeper_id: int, head_id: int, report: Report
) -> None:
    uid = uid_for("yangguang", "write-off", WRITE_OFF_ITEM[0])
    if session.scalar(select(WriteOff.id).where(WriteOff.uid == uid)) is not None:
        return
    asked = at(DEMO_TODAY - timedelta(days=6), 15)
    made = service.request_write_off(
        session,
        uid=uid,
        lines=[(items[WRITE_OFF_ITEM[0]], 1, WRITE_OFF_ITEM[1])],
        actor_id=keeper_id,
        now=asked,
    )
    service.countersign(session, made.row, actor_id=head_id, now=asked + timedelta(days=2))
    report.add("write-offs")
