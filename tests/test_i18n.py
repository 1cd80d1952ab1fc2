"""Chinese first and complete; English second; Chinese dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import csrf_token, text_of

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "_l": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
METHODS = [("webapp/**.py", "python"), ("templates/**.html", "jinja2")]


def extracted_message_ids() -> set[str]:
    def wanted(path: str) -> bool:  # like `make i18n`: skip hidden dirs, keep _macros
        name = Path(path).name
        return not name.startswith(".") and name not in ("__pycache__", "node_modules")

    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, directory_filter=wanted
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def catalogue(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def test_every_message_has_a_chinese_translation_that_is_not_fuzzy() -> None:
    ids = extracted_message_ids()
    assert len(ids) > 50
    zh = catalogue("zh_Hans_CN")
    problems = []
    for message_id in sorted(ids):
        message = zh.get(message_id)
        if message is None:
            problems.append(f"missing: {message_id!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {message_id!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {message_id!r}")
    assert not problems, "run `make i18n` and translate:\n" + "\n".join(problems)


def test_the_english_catalogue_knows_every_message() -> None:
    en = catalogue("en")
    missing = [m for m in extracted_message_ids() if en.get(m) is None]
    assert not missing, f"run `make i18n`: {missing[:10]}"


def test_pages_are_chinese_unless_english_is_chosen(client: FlaskClient) -> None:
    assert "登录" in text_of(client.get("/login"))
    response = client.post(
        "/locale", data={"locale": "en", "next": "/login", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    english = text_of(client.get("/login"))
    assert "Log in" in english and "登录" not in english


def test_a_browser_asking_for_english_still_gets_chinese(client: FlaskClient) -> None:
    html = text_of(client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert "手机号码" in html


def test_dates_read_the_chinese_way(app: Flask) -> None:
    with app.test_request_context():
        template = app.jinja_env.from_string("{{ d|long_date }}|{{ d|date_with_weekday }}")
        assert template.render(d=date(2026, 11, 22)) == "2026年11月22日|2026年11月22日星期日"


def choice_labels_in_english() -> set[str]:
    """The English label of every choice (性别, 话题, 情绪 …) whose Chinese differs."""
    import webapp.models  # noqa: F401 - every Choice defined
    from webapp.core.choices import Choice

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    zh = catalogue("zh_Hans_CN")
    labels = set()
    for choice in subclasses(Choice):
        for member in choice:
            message_id = str(member._label._args[0]) if hasattr(member._label, "_args") else ""
            message = zh.get(message_id)
            if message is not None and message.string and message.string != message_id:
                labels.add(message_id)
    return labels


def test_no_page_shows_a_choice_in_english(app: Flask, client: FlaskClient) -> None:
    """Option labels are translated when the page is drawn, not when the form class is made."""
    import re

    from tests.helpers import log_in
    from tests.routes import ids_of, school_rules, urls_for

    english = choice_labels_in_english()
    assert {"Study", "Working away", "Very low"} <= english
    ids = ids_of(app, "yangguang", limit=1)
    for phone in ("13800000001", "13800000002"):
        log_in(client, phone)
        for rule in school_rules(app):
            if "GET" not in rule.methods:
                continue
            for url in urls_for(rule, "yangguang", ids):
                response = client.get(url)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                shown = set(re.findall(r">\s*([A-Za-z][A-Za-z ,'()-]+?)\s*<", text_of(response)))
                assert not shown & english, f"{url} shows {sorted(shown & english)[:3]}"
        client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
