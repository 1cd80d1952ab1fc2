"""The archive's eight tables (八大档案) of one class and term, drawn from the records.

Each table is a ``Sheet``: its columns (``children.exports.Column``, the same the Excel files
use), its rows, the figures above it and the children it shows (each is audited when the sheet
is printed or exported). The printed page and the Excel file are two renderings of one sheet,
so they cannot disagree.

Which records feed which table:
- 信息汇总表 and 基本情况登记表: the cards of the class's children on the roll; the register
  lists the left-behind ones (留守儿童基本情况登记表), the summary counts the whole roll.
- 成长记录卡: one card per left-behind child: the growth records of the term (awards, deeds,
  evaluation, wishes) and how often the child was talked with, visited and called, never what
  was said in a talk.
- 三特儿童登记表: every child on the roll with a 三特 flag; the difficulty and the disability
  are masked like the card unless the exporter may and chooses to show them.
- 活动登记表: per left-behind child, the care activities taken part in and visits to the
  children's home; 班级关爱活动记录表: the activities the class held itself.
- 特殊事迹: growth records that are awards or special deeds.
- 成长案例分析: growth records of the type "case analysis", which the class teacher writes for the
  archive. Counselling records and individual plans are NOT a source, although they hold the
  richest case material: they are restricted to the counsellor and the principal, and these
  tables are printed, filed and handed over.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.care.models import CareActivity, CareKind, CareRecord
from webapp.care.record_forms import GrowthType
from webapp.children.disclosure import mask_recorded
from webapp.children.exports import (
    Column,
    Count,
    Masks,
    basic_register_columns,
    main_guardian,
    proxy_parents,
    summary_columns,
    summary_counts,
)
from webapp.children.models import Child, SchoolClass, ThreeSpecial
from webapp.core.choices import Choice
from webapp.reports.figures import FIGURES, Figures, growth_type


class Table(Choice):
    """The eight tables, in the order the seeds list them."""

    SUMMARY = "summary", _l("Summary of left-behind children")
    REGISTER = "register", _l("Basic register of left-behind children")
    GROWTH = "growth", _l("Growth record cards of left-behind children")
    THREE_SPECIAL = "three_special", _l("Register of three-special children")
    ACTIVITIES = "activities", _l("Register of left-behind children's activities")
    CLASS_ACTIVITIES = "class_activities", _l("Record of the class's care activities")
    DEEDS = "deeds", _l("Special deeds of left-behind children")
    CASES = "cases", _l("Case analyses of left-behind children's growth")


# Tables that hold a value masked like the card (ID numbers, phones, addresses, difficulties).
MASKABLE = frozenset({Table.REGISTER, Table.THREE_SPECIAL})
# Wide tables print across the page (A4 landscape).
LANDSCAPE = frozenset({Table.REGISTER, Table.THREE_SPECIAL, Table.GROWTH, Table.SUMMARY})


@dataclass(frozen=True)
class Linked(Column):
    """A column whose cell leads to the records behind it (a count)."""

    link: Callable[[Any], str | None] | None = None


@dataclass(frozen=True)
class Card:
    """One child's growth record card (成长记录卡)."""

    child: Child
    facts: list[tuple[str, str]]
    counts: list[tuple[str, str, int, str | None]]  # figure, label, number, link to the rows
    entries: list[tuple[str, CareRecord]]  # the growth records of the term, with their type


@dataclass
class Sheet:
    table: Table
    columns: list[Column]
    rows: list[Any]
    children: list[Child]  # every child the sheet names: one audit row each
    counts: list[tuple[Count, str | None]] = field(default_factory=list)  # with its link
    cards: list[Card] = field(default_factory=list)
    list_title: str | None = None

    @property
    def landscape(self) -> bool:
        return self.table in LANDSCAPE


# A function that makes the link to a figure's records: (figure key, class scope, child) → URL.
Tracer = Callable[..., str | None]


def build(
    table: Table,
    figures: Figures,
    school_class: SchoolClass,
    *,
    masks: Masks,
    trace: Tracer,
) -> Sheet:
    """One table of a class over the figures' period."""
    return BUILDERS[table](figures, school_class, masks, trace)


def _summary(figures: Figures, _class: SchoolClass, _masks: Masks, trace: Tracer) -> Sheet:
    children = figures.children
    left_behind = figures.items("left_behind")
    counts = summary_counts(children, figures.today)
    columns = summary_columns(proxy_parents(figures.session, [c.id for c in left_behind]))
    return Sheet(
        Table.SUMMARY,
        columns,
        left_behind,
        left_behind,
        counts=[(count, trace(count.key)) for count in counts],
        list_title=_("Left-behind children"),
    )


def _register(figures: Figures, _class: SchoolClass, masks: Masks, _trace: Tracer) -> Sheet:
    left_behind = figures.items("left_behind")
    return Sheet(Table.REGISTER, basic_register_columns(masks), left_behind, left_behind)


def _three_special(figures: Figures, _class: SchoolClass, masks: Masks, trace: Tracer) -> Sheet:
    children = figures.items("three_special")

    def mark(flag: ThreeSpecial) -> Callable[[Child], str]:
        return lambda child: "√" if flag in child.three_special else ""

    def sensitive(read: Callable[[Child], Any]) -> Callable[[Child], str]:
        return lambda child: (read(child) or "") if masks.plain else mask_recorded(read(child))

    def difficulties(child: Child) -> str:
        return "、".join(kind.label for kind in sorted(child.difficulty_types))

    def guardian(child: Child) -> str:
        found = main_guardian(child)
        return f"{found.name}（{found.relation.label}）" if found else ""

    columns = [
        Column(_("Name"), 8, lambda c: c.name),
        Column(_("Sex"), 5, lambda c: c.gender.label),
        Column(_("Date of birth"), 11, lambda c: c.birth_date),
        Column(_("Left-behind type"), 10, lambda c: c.left_behind_type.label),
        *(Column(flag.label, 9, mark(flag)) for flag in ThreeSpecial),
        Column(_("Difficulties"), 14, sensitive(difficulties)),
        Column(_("Disability"), 14, sensitive(lambda c: c.disability)),
        Column(_("Interests"), 14, lambda c: c.interests or ""),
        Column(_("Guardian"), 14, guardian),
        Column(_("Guardian's phone"), 13, lambda c: _guardian_phone(c, masks), text=True),
    ]
    counts = [
        (Count(flag.value, flag.label, figures.count(flag.value)), trace(flag.value))
        for flag in ThreeSpecial
    ]
    return Sheet(Table.THREE_SPECIAL, columns, children, children, counts=counts)


def _guardian_phone(child: Child, masks: Masks) -> str:
    found = main_guardian(child)
    return masks.phone(found.phone) if found else ""


def _growth(figures: Figures, _class: SchoolClass, _masks: Masks, trace: Tracer) -> Sheet:
    # A class's cards are its left-behind children's; one child's card is asked for by name.
    left_behind = figures.children if figures.scope.child_id else figures.items("left_behind")
    proxies = proxy_parents(figures.session, [c.id for c in left_behind])
    entries: dict[int, list[tuple[str, CareRecord]]] = defaultdict(list)
    for record in figures.growth:
        kind = growth_type(record)
        if kind is not None and kind != GrowthType.CASE_ANALYSIS:
            entries[record.child_id].append((kind.label, record))
    done: dict[tuple[int, CareKind], int] = defaultdict(int)
    for record in figures.records:
        done[(record.child_id, record.kind)] += 1
    counted = [
        (CareKind.TALK, "talks"),
        (CareKind.HOME_VISIT, "home_visits"),
        (CareKind.PARENT_CONTACT, "parent_contacts"),
        (CareKind.FAMILY_CALL, "family_calls"),
    ]
    cards = []
    for child in left_behind:
        guardian = main_guardian(child)
        facts = [
            (_("Sex"), child.gender.label),
            (_("Date of birth"), child.birth_date.isoformat()),
            (_("Left-behind type"), child.left_behind_type.label),
            (_("Guardian"), f"{guardian.name}（{guardian.relation.label}）" if guardian else ""),
            (_("Proxy parent"), "、".join(proxies.get(child.id, []))),
            (_("Interests"), child.interests or ""),
        ]
        counts = [
            (key, kind.label, done[(child.id, kind)], trace(key, child_id=child.id))
            for kind, key in counted
        ]
        cards.append(Card(child, facts, counts, entries.get(child.id, [])))

    def entries_of(kinds: tuple[GrowthType, ...]) -> Callable[[Child], str]:
        def text(child: Child) -> str:
            return "；".join(
                _entry_text(record)
                for _label, record in entries.get(child.id, [])
                if growth_type(record) in kinds
            )

        return text

    columns = [
        Column(_("Name"), 8, lambda c: c.name),
        Column(_("Left-behind type"), 10, lambda c: c.left_behind_type.label),
        Column(_("Proxy parent"), 10, lambda c: "、".join(proxies.get(c.id, []))),
        *(Column(kind.label, 7, _counter(done, kind)) for kind, _key in counted),
        Column(
            _("Awards and deeds"),
            24,
            entries_of((GrowthType.AWARD, GrowthType.DEED, GrowthType.BIRTHDAY)),
        ),
        Column(_("Term evaluation"), 30, entries_of((GrowthType.EVALUATION,))),
        Column(_("Wishes"), 20, entries_of((GrowthType.WISH,))),
    ]
    return Sheet(Table.GROWTH, columns, left_behind, left_behind, cards=cards)


def _counter(done: dict[tuple[int, CareKind], int], kind: CareKind) -> Callable[[Child], int]:
    return lambda child: done[(child.id, kind)]


def _entry_text(record: CareRecord) -> str:
    """A growth record in one line: its date, title or wish, and what was written."""
    parts = [record.happened_on.strftime("%m-%d")]
    title = record.details.get("title")
    if title:
        parts.append(title)
    if growth_type(record) == GrowthType.WISH:
        parts.append(record.follow_up or "")
        if record.follow_up_done_on:
            parts.append(_("(fulfilled %(date)s)", date=record.follow_up_done_on.strftime("%m-%d")))
    if record.notes:
        parts.append(record.notes)
    return " ".join(part for part in parts if part)


def _activities(figures: Figures, _class: SchoolClass, _masks: Masks, trace: Tracer) -> Sheet:
    left_behind = figures.items("left_behind")
    taken: dict[int, list[CareActivity]] = defaultdict(list)
    for activity in figures.items("activities"):
        for participant in activity.participants:
            taken[participant.child_id].append(activity)
    visits: dict[int, int] = defaultdict(int)
    for visit in figures.items("room_visits"):
        visits[visit.child_id] += 1

    def listed(child: Child) -> str:
        return "；".join(f"{a.happened_on:%m-%d} {a.title}" for a in taken.get(child.id, []))

    columns = [
        Column(_("Name"), 8, lambda c: c.name),
        Column(_("Sex"), 5, lambda c: c.gender.label),
        Column(_("Left-behind type"), 10, lambda c: c.left_behind_type.label),
        Linked(
            _("Activities taken part in"),
            9,
            lambda c: len(taken.get(c.id, [])),
            link=lambda c: trace("activities", child_id=c.id),
        ),
        Column(_("Activities"), 40, listed),
        Linked(
            _("Visits to the children's home"),
            9,
            lambda c: visits.get(c.id, 0),
            link=lambda c: trace("room_visits", child_id=c.id),
        ),
    ]
    counts = [
        (Count(key, str(figures_label(key)), figures.count(key)), trace(key))
        for key in ("left_behind", "took_part", "activities", "room_visits")
    ]
    return Sheet(Table.ACTIVITIES, columns, left_behind, left_behind, counts=counts)


def figures_label(key: str) -> Any:
    return FIGURES[key].label


def _class_activities(
    figures: Figures, school_class: SchoolClass, _masks: Masks, trace: Tracer
) -> Sheet:
    activities = figures.items("class_activities")
    left_behind_ids = {c.id for c in figures.items("left_behind")}
    columns = [
        Column(_("Date"), 11, lambda a: a.happened_on),
        Column(_("Activity"), 18, lambda a: a.title),
        Column(_("Theme"), 14, lambda a: a.theme.label),
        Column(_("Place"), 10, lambda a: a.place or ""),
        Column(_("Organiser"), 8, lambda a: a.organiser.name if a.organiser else ""),
        Linked(
            _("Children taking part"),
            8,
            lambda a: len(a.participants),
            link=lambda a: trace("activity", activity_id=a.id),
        ),
        Column(
            _("Of them left behind"),
            8,
            lambda a: sum(1 for p in a.participants if p.child_id in left_behind_ids),
        ),
        Column(_("What was done"), 36, lambda a: a.summary or ""),
    ]
    counts = [
        (
            Count("class_activities", str(figures_label("class_activities")), len(activities)),
            trace("class_activities"),
        )
    ]
    return Sheet(Table.CLASS_ACTIVITIES, columns, activities, [], counts=counts)


def _growth_rows(figures: Figures, kinds: tuple[GrowthType, ...]) -> list[CareRecord]:
    return [r for r in figures.growth if growth_type(r) in kinds]


def _record_columns(with_type: bool) -> list[Column]:
    columns = [
        Column(_("Date"), 11, lambda r: r.happened_on),
        Column(_("Name"), 8, lambda r: r.child.name),
    ]
    if with_type:
        columns.append(Column(_("What"), 8, lambda r: growth_type(r).label))
    columns += [
        Column(_("Title"), 18, lambda r: r.details.get("title") or ""),
        Column(_("What happened"), 48, lambda r: r.notes or ""),
        Column(_("Recorded by"), 8, lambda r: r.author.name if r.author else ""),
    ]
    return columns


def _deeds(figures: Figures, _class: SchoolClass, _masks: Masks, trace: Tracer) -> Sheet:
    records = _growth_rows(figures, (GrowthType.AWARD, GrowthType.DEED))
    counts = [
        (Count(key, str(figures_label(key)), figures.count(key)), trace(key))
        for key in ("awards", "deeds")
    ]
    return Sheet(Table.DEEDS, _record_columns(True), records, _children_of(records), counts=counts)


def _cases(figures: Figures, _class: SchoolClass, _masks: Masks, trace: Tracer) -> Sheet:
    records = _growth_rows(figures, (GrowthType.CASE_ANALYSIS,))
    counts = [
        (
            Count("case_analyses", str(figures_label("case_analyses")), len(records)),
            trace("case_analyses"),
        )
    ]
    return Sheet(Table.CASES, _record_columns(False), records, _children_of(records), counts=counts)


def _children_of(records: list[CareRecord]) -> list[Child]:
    seen: dict[int, Child] = {}
    for record in records:
        seen.setdefault(record.child_id, record.child)
    return list(seen.values())


BUILDERS: dict[Table, Callable[[Figures, SchoolClass, Masks, Tracer], Sheet]] = {
    Table.SUMMARY: _summary,
    Table.REGISTER: _register,
    Table.GROWTH: _growth,
    Table.THREE_SPECIAL: _three_special,
    Table.ACTIVITIES: _activities,
    Table.CLASS_ACTIVITIES: _class_activities,
    Table.DEEDS: _deeds,
    Table.CASES: _cases,
}


def rows_per_page(sheet: Sheet) -> int:
    """How many rows one printed A4 page holds: fewer where the cells hold text."""
    if sheet.table in (Table.DEEDS, Table.CASES, Table.CLASS_ACTIVITIES, Table.REGISTER):
        return 8
    return 10


def pages(rows: list[Any], size: int) -> list[list[Any]]:
    """The rows cut into printed pages; one empty page for an empty table."""
    return [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]
