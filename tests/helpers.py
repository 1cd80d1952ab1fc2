"""What tests do the way a user does: log in, find the form's token, submit."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pyotp
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from webapp.demo import DEMO_PASSWORD
from webapp.demo.authenticator import DEMO_TOTP_SECRET

_HX_HEADERS = re.compile(r"hx-headers='([^']+)'")


def csrf_token_in(html: str) -> str:
    """The token the layout hands htmx (the same one every form carries)."""
    match = _HX_HEADERS.search(html)
    assert match, "the page carries no CSRF token"
    return json.loads(match.group(1))["X-CSRFToken"]


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    return csrf_token_in(client.get(path).get_data(as_text=True))


def log_in(
    client: FlaskClient,
    phone: str,
    password: str = DEMO_PASSWORD,
    next_path: str = "",
    *,
    with_code: bool = True,
) -> TestResponse:
    """Logs in as a person would; with the demo authenticator's code, as the demo's principals
    and leads do before a step-up action (an account without one ignores it). A code is good
    once: a second login in the same 30 seconds gives the next one, as a person would wait."""
    token = csrf_token(client, "/login")
    data = {"phone": phone, "password": password, "csrf_token": token, "next": next_path}
    codes = [totp_code(), totp_code(30)] if with_code else [""]
    for code in codes:
        response = client.post("/login", data={**data, "code": code})
        if response.status_code != 422 or "动态码不正确" not in text_of(response):
            return response
    return response


def copy_login(source: FlaskClient, target: FlaskClient) -> None:
    """The same login on another client (ten retries of one phone): both its cookies."""
    for name in ("shouwang", "shouwang_login"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def totp_code(ahead: int = 0) -> str:
    """The demo authenticator's code now, or ``ahead`` seconds from now."""
    return pyotp.TOTP(DEMO_TOTP_SECRET).at(datetime.now(UTC) + timedelta(seconds=ahead))


def text_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


class FormCollector(HTMLParser):
    """Collects every <form> with its method and the names of its inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (attributes.get("method") or "get").lower(),
                    "action": attributes.get("action"),
                    "inputs": [],
                }
            )
        elif tag in ("input", "select", "textarea", "button") and self.forms:
            self.forms[-1]["inputs"].append(attributes.get("name"))


def forms_in(html: str) -> list[dict]:
    collector = FormCollector()
    collector.feed(html)
    return collector.forms


def purge_audit(session, statement) -> None:
    """Delete audit rows a test made for real (the log is otherwise append-only)."""
    from webapp.core.audit import purging

    with purging(session):
        session.execute(statement)
