"""Hostile text typed into any field comes back as text: on every page, in every form that keeps
it after a mistake, in the search answers and in the Excel files.

The forms are found the way a person finds them: the principal, a class teacher, the children's
home keeper and the oversight officer each follow every link from every GET route of the app
(one page of each shape; routes of a child also with children of their own) and every
``<form method="post">`` with a free-text field (a textarea, or a text input that is not a
phone, a number or a one-time code) is filled in: the payload in each such field, in the other
fields what a browser would send. A field that refuses the payload by a rule (an ID number, a
length per line) gets the short payload, then its old value or a plain valid one, so the rest
of the form still saves. The pages the saves lead to are walked a second time for the forms
they bring (an incident's steps). Every answer (422 ones with their kept values too), every
page after a save and every page of a last walk is searched for the payload as markup; each
form's saved text must be on some page, escaped. GET forms (searches) get the payload too.
Every Excel file a form offers is downloaded after the saves: no cell is a formula, no text
cell starts with = + - @, and the payload is there as text.

Coverage is counted per WTForms class: every class under webapp/ with a StringField or a
TextAreaField (besides fields that validate a format: phone, ID number, ISBN, money) must have
been saved with the payload here, or be listed in EXCLUDED with the reason. Saved at the time
of writing: the child card (identity, living, parents, guardians, status, reveal reason), care
records (talk, group talk, home visit, parent contact, family call, letter home, growth,
assistance, counselling, amendment), care activities, individual plans (plan,
review, end), learning plans and scores, pairings ended, incidents (report, facts, steps),
safety lessons, agreements, leave, absences, dorm rooms, rooms, the asset ledger (items, stock,
decisions), bus routes, pickup refusals, guardian meetings, the school setup (classes, terms,
years), transfers sent, privacy grants and consents, oversight grant requests and the report
narratives. Run with ``-s`` to see the list; ``PAYLOADS_DEBUG=1`` shows every try.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import wtforms
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField
from wtforms.fields.core import UnboundField

from tests.helpers import csrf_token, log_in
from tests.payloads import (
    FORMULA,
    Control,
    Form,
    crawl,
    local,
    parse,
    pattern,
    payload,
    raw_payload_in,
    shown_escaped,
)
from tests.routes import ids_of, urls_for
from webapp.assets.forms import IsbnField, MoneyField
from webapp.core.cn import id_check_digit
from webapp.core.forms import IdNumberField, PhoneField
from webapp.core.spreadsheet import FORMULA_STARTS

DEBUG = os.environ.get("PAYLOADS_DEBUG")
WEBAPP = Path(__file__).resolve().parents[1] / "webapp"
ROLES = {
    "principal": "13800000001",
    "class teacher": "13800000002",
    "room keeper": "13800000003",
    "oversight officer": "13800000009",
}
# Fields that check their format: the payload is refused there by design, with a message.
FORMAT_FIELDS = (PhoneField, IdNumberField, IsbnField, MoneyField)
EXCLUDED = {
    "webapp.auth.forms.LoginForm": "the one-time code is digits, checked, never stored or shown",
    "webapp.auth.forms.PromptForm": "the authenticator code is digits, checked, never stored",
    "webapp.auth.forms.EnrolForm": "the authenticator code is digits, checked, never stored",
    "webapp.auth.forms.CodeLoginForm": "the one-time code is digits, checked, never stored",
    "webapp.auth.forms.LocaleForm": "the language is one of a fixed list (AnyOf)",
    "webapp.assets.forms.CountForm": "a stocktake code is looked up, never stored",
    "webapp.children.transfer_forms.SchoolSearchForm": "a search: its answer is checked below",
    "webapp.assets.forms.SettingsForm": "the code prefix is two to four capital letters",
    "webapp.oversight.assessment_forms.CriterionForm": "a row of SchemeForm (points add to 100)",
    "webapp.oversight.assessment_forms.ScoreLineForm": "a row of a unit's score sheet: needs a "
    "school's submitted self-assessment first",
    "webapp.assets.forms.ReturnForm": "a return needs a loan first (the lend form has no text)",
    "webapp.privacy.forms.GuardianRequestForm": "its answer is a ZIP: tests/privacy/"
    "test_guardian_export.py saves the payload in it and reads the copy's page",
    "webapp.children.transfer_forms.DeclineForm": "only the receiving school's leaders decline; "
    "the demo has no such account in another school",
    # Reached only in a state the demo does not start in (the walk follows links, it does not
    # sign children in or make boarders):
    "webapp.room.forms.QuickCallForm": "a call from the board needs a child signed in today",
    "webapp.room.forms.RoomActivityForm": "an activity of the board needs children signed in",
    "webapp.safety.forms.BedForm": "a bed is given to a boarder without one",
    "webapp.incidents.forms.CloseForm": "an incident closes once all its steps are signed",
    "webapp.transport.forms.TodayCollectorForm": "the pickup board links it on a pickup day only",
}
# Forms whose saved text no page of the walk shows (a log, a page it does not open); the text is
# still searched for as markup on every page.
NOT_SHOWN = {
    "webapp.children.forms.RevealForm": "the reason for seeing a number is kept in the audit log",
    "webapp.care.forms.GroupTalkForm": "shown on the group's own page, which no link walked opens",
    "webapp.privacy.forms.ConsentForm": "shown on the consents of one child the walk passes by",
    "webapp.care.learning_forms.ScoreRow": "a subject is shown on the chart of one child's term",
}
# Pages no link leads to from a route's page (reached by a tap on the board or a scan).
EXTRA_PAGES = ["/s/yangguang/incidents/new?child_id={child}", "/s/yangguang/care/talks/group"]
# Forms a generic filler cannot get right: values that depend on each other, or a school that
# is found by a search first.
PRESETS = {
    "/setup/years/new": {
        "starts_on": "2031-09-01",
        "ends_on": "2032-07-15",
        "first_term_starts": "2031-09-01",
        "first_term_ends": "2032-01-20",
        "second_term_starts": "2032-02-20",
        "second_term_ends": "2032-07-15",
    },
    "/send": {"school": "hongxing"},
}


def free_text_forms() -> dict[str, list[str]]:
    """Every WTForms class of webapp/ with a free-text field: its dotted name → those fields."""
    for path in sorted(WEBAPP.rglob("*.py")):
        if path.name != "wsgi.py" and "demo" not in path.parts:
            module = ".".join(path.relative_to(WEBAPP.parent).with_suffix("").parts)
            importlib.import_module(module.removesuffix(".__init__"))
    found = {}
    stack = [wtforms.Form]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("webapp.") or "<locals>" in cls.__qualname__:
            continue
        fields = [
            name
            for name in dir(cls)
            if isinstance(getattr(cls, name, None), UnboundField)
            and issubclass(getattr(cls, name).field_class, StringField)
            and not issubclass(
                getattr(cls, name).field_class, (HiddenField, PasswordField, *FORMAT_FIELDS)
            )
        ]
        if fields:
            found[f"{cls.__module__}.{cls.__qualname__}"] = sorted(fields)
    return found


def dotted(form: wtforms.Form) -> str:
    return f"{type(form).__module__}.{type(form).__qualname__}"


class Validated:
    """The forms a request validated (this records, it changes nothing): which class took the
    post, and which of its fields said no."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.forms: list[wtforms.Form] = []
        original = wtforms.Form.validate

        def validate(form, *args, **kwargs):
            self.forms.append(form)
            return original(form, *args, **kwargs)

        monkeypatch.setattr(wtforms.Form, "validate", validate)

    def take(self) -> list[wtforms.Form]:
        taken, self.forms = self.forms, []
        return taken


def failing_fields(forms: list[wtforms.Form]) -> dict[str, type]:
    """Every field (of subforms too) with a message: its name → its class."""
    failing = {}

    def walk(form: wtforms.Form) -> None:
        for field in form:
            for entry in getattr(field, "entries", []):
                walk(entry.form) if hasattr(entry, "form") else None
                if entry.errors and not hasattr(entry, "form"):
                    failing[entry.name] = type(entry)
            if hasattr(field, "form") and isinstance(field.form, wtforms.Form):
                walk(field.form)
            elif field.errors and not getattr(field, "entries", None):
                failing[field.name] = type(field)

    for form in forms:
        walk(form)
    return failing


def field_classes(forms: list[wtforms.Form]) -> dict[str, tuple[str, type]]:
    """Every field a request's forms had: its name → (its form's class, its field class)."""
    found = {}

    def walk(form: wtforms.Form) -> None:
        for field in form:
            for entry in getattr(field, "entries", []):
                if hasattr(entry, "form"):
                    walk(entry.form)
            found.setdefault(field.name, (dotted(form), type(field)))

    for form in forms:
        walk(form)
    return found


def id_number(serial: int) -> str:
    first17 = f"52032220150601{serial % 1000:03d}"
    return first17 + id_check_digit(first17)


FALLBACKS = {
    IdNumberField: lambda n: id_number(400 + n),
    PhoneField: lambda n: f"139{n:08d}",
    MoneyField: lambda n: "12.50",
    IsbnField: lambda n: "",
}


class Filler:
    """What a browser would send for one form, with the payload in each free-text field; on a
    second try the fields that said no get a plain valid value instead."""

    def __init__(self, form: Form, number: int) -> None:
        self.form = form
        self.number = number
        self.fixed: dict[str, str | list[str]] = {}
        self.tried: dict[str, int] = {}

    def value_for(self, control: Control, index: int) -> str:
        return payload(self.number * 100 + index, control.maxlength)

    def data(self) -> tuple[list[tuple[str, str]], dict[str, str]]:
        sent: list[tuple[str, str]] = []
        payloads: dict[str, str] = {}
        for index, control in enumerate(self.form.controls):
            name = control.name
            if name in self.fixed:
                fixed = self.fixed[name]
                if fixed not in (None, []) and name not in {k for k, _v in sent}:
                    values = fixed if isinstance(fixed, list) else [fixed]
                    sent.extend((name, v) for v in values)
                continue
            if control.free_text:
                payloads[name] = self.value_for(control, index)
                sent.append((name, payloads[name]))
            elif control.type in ("checkbox", "radio"):
                if control.checked:
                    sent.append((name, control.value or "y"))
            elif control.tag == "select":
                chosen = [v for v, selected in control.options if selected]
                if not chosen and control.options and not control.multiple:
                    chosen = [control.options[0][0]]
                sent.extend((name, v) for v in chosen)
            elif control.type not in ("file", "submit", "button", "image", "reset"):
                sent.append((name, control.value))
        if self.form.buttons:
            sent.append(self.form.buttons[0])
        return sent, payloads

    def correct(self, failing: dict[str, type]) -> bool:
        """Give each field that said no the next plain value; False when nothing is left."""
        changed = False
        for name, field_class in failing.items():
            controls = [c for c in self.form.controls if c.name == name]
            if not controls:
                continue
            attempt = self.tried.get(name, 0)
            self.tried[name] = attempt + 1
            first = controls[0]
            index = self.form.controls.index(first)
            candidates = self.candidates(first, controls, field_class, index)
            if attempt >= len(candidates):
                continue
            changed = True
            self.fixed[name] = candidates[attempt]
        return changed

    def candidates(
        self, first: Control, controls: list[Control], field_class: type, index: int
    ) -> list:
        if first.type == "radio":
            return [c.value for c in controls]
        if first.type == "checkbox":
            return [[c.value or "y" for c in controls[: k + 1]] for k in range(len(controls))]
        if first.tag == "select":
            return [v for v, _s in first.options if v]
        if first.type == "date":
            today = date.today()
            return [
                (first.value or today.isoformat()),
                today.isoformat(),
                date(2015, 6, 1).isoformat(),  # the birth date in FALLBACKS' ID numbers
                (today + timedelta(days=30)).isoformat(),
                (today - timedelta(days=1)).isoformat(),
            ]
        if first.type == "time":
            now = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%H:%M")
            return [first.value or now, now, "00:01"]  # not later than now
        if first.type == "number" or first.inputmode in ("numeric", "decimal"):
            return [first.value or "1", "2", "90"]
        found = []
        if first.free_text and field_class not in FALLBACKS:
            short = payload(self.number * 100 + index, min(first.maxlength or 38, 38))
            if short:
                found.append(short)  # a length rule (a stop, a subject): the short payload
        if first.value and first.value != self.value_for(first, index):
            found.append(first.value)  # what the field held
        if field_class in FALLBACKS:
            found.append(FALLBACKS[field_class](self.number))
        return [*found, f"测试{self.number}{index}", f"张测试{index}"]


def start_pages(app: Flask, client: FlaskClient) -> list[str]:
    """Every GET route with the first row of each kind, and again with a child of one's own
    (a class teacher's pages of a child open for her children only)."""
    ids = ids_of(app, "yangguang", limit=1)
    listed = client.get("/s/yangguang/children/").get_data(as_text=True)
    own = sorted({int(i) for i in re.findall(r'href="/s/yangguang/children/(\d+)"', listed)})
    paths = []
    for rule in app.url_map.iter_rules():
        if own and "GET" in rule.methods and rule.arguments == {"tenant_slug", "child_id"}:
            # the first few: a teacher's list starts with children paired to her from elsewhere
            paths.extend(urls_for(rule, "yangguang", {**ids, "child_id": own[:4]}))
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if rule.rule.startswith("/s/<tenant_slug>"):
            paths.extend(urls_for(rule, "yangguang", ids))
        elif not rule.arguments:
            paths.append(rule.rule)
        elif rule.arguments == {"unit_slug"}:
            paths.append(rule.rule.replace("<unit_slug>", "qinggang"))
    extra = [page.format(child=own[0] if own else 1) for page in EXTRA_PAGES]
    return extra + paths


def assert_no_markup(text: str, where: str) -> None:
    assert raw_payload_in(text) == [], f"{where} shows the payload as markup"


class Run:
    """What the walk found and saved."""

    def __init__(self) -> None:
        self.saved: dict[str, dict[str, str]] = {}  # form class → field → value saved
        self.refused: dict[str, set[str]] = {}  # form class → fields that refused the payload
        self.failed: dict[str, str] = {}  # form action → why it never saved
        self.values: list[tuple[str, str]] = []  # (form class, value) to find on a page
        self.pages: list[str] = []  # every page seen after the saves
        self.exports: list[tuple[str, bytes]] = []
        self.landed: list[str] = []  # where the saves led


def submit(client: FlaskClient, form: Form, number: int, validated: Validated, run: Run) -> None:
    filler = Filler(form, number)
    for ending, values in PRESETS.items():
        if urlsplit(form.action).path.endswith(ending):
            filler.fixed.update(values)
    page = local(form.page)
    for _attempt in range(9):
        # The page again: a fresh token, and the form as it is now.
        fresh = client.get(page)
        if fresh.status_code != 200:
            run.failed[form.action] = f"{page} answered {fresh.status_code}"
            return
        forms, _links = parse("http://localhost" + page, fresh.get_data(as_text=True))
        same = [f for f in forms if f.key == form.key]
        if not same:
            run.failed[form.action] = f"{page} no longer has the form"
            return
        filler.form = same[0]
        sent, payloads = filler.data()
        validated.take()
        response = client.post(local(form.action), data=MultiDict(sent))
        forms_seen = validated.take()
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        assert_no_markup(body, f"the answer to {form.action}")
        failing = failing_fields(forms_seen)
        if response.status_code in (302, 303) or (response.status_code == 200 and not failing):
            break
        if DEBUG:
            print(form.action, response.status_code, sorted(failing), sent)
        if not failing or not filler.correct(failing):
            run.failed[form.action] = f"{response.status_code}: {sorted(failing)}"
            return
    else:
        run.failed[form.action] = "still refused after nine tries"
        return
    classes = field_classes(forms_seen)
    for name, value in payloads.items():
        if name not in classes:
            continue
        owner, _field_class = classes[name]
        run.saved.setdefault(owner, {})[name] = value
        run.values.append((owner, value))
    for name, value in filler.fixed.items():
        if name not in classes or name in payloads:
            continue
        if isinstance(value, str) and raw_payload_in(value):  # the short payload
            run.saved.setdefault(classes[name][0], {})[name] = value
            run.values.append((classes[name][0], value))
        else:
            run.refused.setdefault(classes[name][0], set()).add(name)
    if response.status_code in (302, 303):
        run.landed.append(local(response.headers["Location"]))
        after = client.get(response.headers["Location"])
        if after.mimetype == "text/html":
            text = after.get_data(as_text=True)
            assert_no_markup(text, f"the page after {form.action}")
            run.pages.append(text)


def search(client: FlaskClient, form: Form, number: int) -> None:
    """A GET form (a search): the payload typed in comes back in the answer as text only."""
    sent = [
        (c.name, payload(number, c.maxlength) if c.free_text else c.value)
        for c in form.controls
        if c.type not in ("checkbox", "radio", "submit", "file")
    ]
    # A browser drops the action's own query for a GET form.
    response = client.get(urlsplit(form.action).path, query_string=sent)
    if response.mimetype == "text/html":
        assert_no_markup(response.get_data(as_text=True), f"the search {form.action}")


def check_export(data: bytes, where: str) -> list[str]:
    """No cell of the file is a formula or text Excel would run; answers its text cells."""
    texts = []
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                assert cell.data_type != "f", f"{where} {cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", f"{where} {cell.coordinate}"
                    assert not cell.value.startswith(FORMULA_STARTS), f"{where} {cell.coordinate}"
                    texts.append(cell.value)
    return texts


def covered(name: str, saved: dict[str, dict[str, str]]) -> bool:
    """Saved with the payload itself, or through a form made from it (a mixin)."""
    if name in saved:
        return True
    module, _dot, qualname = name.rpartition(".")
    base = getattr(importlib.import_module(module), qualname)
    return any(
        issubclass(getattr(importlib.import_module(m), q), base)
        for m, _d, q in (other.rpartition(".") for other in saved)
        if "<locals>" not in q
    )


def to_fill(form: Form) -> bool:
    return form.method == "post" and bool(form.free_text) and "/login" not in form.action


def is_export(form: Form) -> bool:
    return "export" in form.action or any(value == "xlsx" for _n, value in form.buttons)


def test_payloads_in_every_free_text_field_come_back_as_text_on_pages_and_in_exports(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Escaping is the templates' and the exports' work, the same on either database; the
        # walk takes minutes, so it runs once (SQLite).
        pytest.skip("run on SQLite only")
    classes = free_text_forms()
    assert set(EXCLUDED) <= set(classes), "an exclusion names no form with free text"
    validated = Validated(monkeypatch)
    run = Run()
    clients = {}
    starts_of = {}
    landed_of: dict[str, list[str]] = {}
    number = 0
    for role, phone in ROLES.items():
        user = clients[role] = app.test_client()
        log_in(user, phone)
        starts = starts_of[role] = start_pages(app, user)
        posted: set[tuple] = set()
        exports: dict[tuple, Form] = {}
        # Twice: a saved incident brings the forms of its steps (found from the pages the saves
        # led to).
        seeds = starts
        for _round in range(2):
            posts: dict[tuple, Form] = {}
            run.landed = []
            for path, html in crawl(user, seeds, limit=900 if _round == 0 else 60):
                assert_no_markup(html, path)
                forms, _links = parse("http://localhost" + path, html)
                for form in forms:
                    if form.method == "get" and form.free_text and _round == 0:
                        number += 1
                        search(user, form, number)
                    elif form.method == "post" and is_export(form):
                        exports.setdefault(form.key, form)
                    elif to_fill(form) and form.key not in posted:
                        posts.setdefault(form.key, form)
            posted |= set(posts)
            # What ends or sends something away goes last, so the rest still find their rows.
            ending = ("/end", "/status", "/send", "/withdraw", "/close", "/decline", "/cancel")
            ordered = sorted(posts.values(), key=lambda f: any(w in f.action for w in ending))
            for form in ordered:
                number += 1
                submit(user, form, number, validated, run)
            seeds = run.landed
            landed_of.setdefault(role, []).extend(run.landed)
        for form in exports.values():
            sent = Filler(form, 0)
            data, _p = sent.data()
            token = [("csrf_token", csrf_token(user, local(form.page)))]
            data = [d for d in data if d[0] != "csrf_token"] + token
            response = user.post(local(form.action), data=MultiDict(data))
            if response.mimetype.endswith("spreadsheetml.sheet"):
                run.exports.append((form.action, response.data))

    for role, user in clients.items():
        for path in landed_of.get(role, []):  # the pages the saves led to, as they are now
            again = user.get(path)
            if again.mimetype == "text/html":
                assert_no_markup(again.get_data(as_text=True), f"{path} ({role})")
                run.pages.append(again.get_data(as_text=True))
        for path, html in crawl(user, starts_of[role]):
            assert_no_markup(html, f"{path} ({role})")
            run.pages.append(html)

    print("\nSaved with the payload:")
    for name, fields in sorted(run.saved.items()):
        refused = sorted(run.refused.get(name, ()))
        print(f"  {name}: {sorted(fields)}" + (f" (refused: {refused})" if refused else ""))
    print("Never saved:", json.dumps(run.failed, ensure_ascii=False, indent=1))

    uncovered = {
        name: fields
        for name, fields in classes.items()
        if name not in EXCLUDED and not covered(name, run.saved)
    }
    assert uncovered == {}, f"neither saved with the payload nor excluded: {sorted(uncovered)}"

    shown: dict[str, bool] = {}
    for owner, value in run.values:
        seen = any(shown_escaped(value, page) for page in run.pages)
        shown[owner] = shown.get(owner, False) or seen
        if not seen:
            print(f"  not on any page walked: {owner} {value[:50]}")
    unseen = {owner for owner, seen in shown.items() if not seen and owner not in NOT_SHOWN}
    assert unseen == set(), "forms whose saved text is on no page walked (escaped)"

    exported = sorted({pattern(action) for action, _data in run.exports})
    print("Excel files checked:", exported)
    assert any("/roster/" in a for a in exported) and any("/reports/" in a for a in exported)
    texts = [text for action, data in run.exports for text in check_export(data, action)]
    assert any(text.startswith("'" + FORMULA) for text in texts)
