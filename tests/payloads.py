"""Hostile text, and the pages and forms a person reaches by following links.

One payload joins the five ways text has been made to run somewhere else: a script, an attribute
break with an image whose error runs script, an htmx element that loads on sight, a template
expression and a spreadsheet formula. ``payload(n, limit)`` numbers it (so a page showing it can
be traced to the form that saved it) and fits it to a field's ``maxlength``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from flask.testing import FlaskClient
from markupsafe import escape

FORMULA = "=HYPERLINK("


def pieces(n: int) -> list[str]:
    return [
        f'=HYPERLINK("http://evil.example/{n}","x")',
        f"<script>alert({n})</script>",
        f'"><img src=x onerror=alert({n})>',
        f'<b hx-get="/x" hx-trigger="load">{n}</b>',
        "{{7*7}}",
    ]


def payload(n: int, limit: int | None = None) -> str:
    """All five pieces, or as many as fit in ``limit`` characters (the script first)."""
    whole = "".join(pieces(n))
    if limit is None or len(whole) <= limit:
        return whole
    chosen: list[str] = []
    formula, script, image, loader, template = pieces(n)
    for piece in (script, image, loader, template, formula):
        if len("".join(chosen)) + len(piece) <= limit:
            chosen.append(piece)
    if not {script, image, loader} & set(chosen) and limit >= len(f"<i>{n}</i>{{{{7*7}}}}"):
        chosen.insert(0, f"<i>{n}</i>")  # a short field: still numbered, still markup
    order = [f"<i>{n}</i>", *pieces(n)]
    return "".join(sorted(chosen, key=order.index))


# What must never reach a page as markup: any of these is the payload running.
RAW = re.compile(
    r"<script>alert\(\d+\)|<img src=x onerror|hx-get=\"/x\"|hx-trigger=\"load\"|<b hx-get"
    r"|<i>\d+</i>"
    r"|&lt;/b&gt;49"  # the template expression evaluated where {{7*7}} was saved
)


def raw_payload_in(text: str) -> list[str]:
    return sorted({match.group(0) for match in RAW.finditer(text)})


def shown_escaped(value: str, text: str) -> bool:
    """The saved value is on the page as text: escaped whole, or (cut short, as a list shows a
    long note) its beginning with its number. Markup it never is: ``raw_payload_in``."""
    if str(escape(value)) in text:
        return True
    numbered = re.search(r"(?:example/|alert\(|<i>)(\d+)", value)
    return bool(numbered) and bool(
        re.search(rf"(?:evil\.example/|alert\(|&lt;i&gt;){numbered.group(1)}\D", text)
    )


@dataclass
class Control:
    tag: str
    name: str
    type: str = "text"
    value: str = ""
    checked: bool = False
    maxlength: int | None = None
    inputmode: str | None = None
    autocomplete: str | None = None
    options: list[tuple[str, bool]] = field(default_factory=list)  # a select's (value, selected)
    multiple: bool = False

    @property
    def free_text(self) -> bool:
        """Where a person types what they like: a textarea, or a text input that is not a
        phone, a number or a one-time code."""
        if self.tag == "textarea":
            return True
        return (
            self.tag == "input"
            and self.type in ("text", "search")
            and self.inputmode not in ("tel", "numeric", "decimal")
            and self.autocomplete not in ("one-time-code", "tel")
        )


@dataclass
class Form:
    page: str
    method: str
    action: str
    controls: list[Control] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons

    @property
    def free_text(self) -> list[Control]:
        return [c for c in self.controls if c.free_text]

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        names = tuple(sorted({re.sub(r"\d+", "N", c.name) for c in self.controls}))
        return pattern(self.action), names


class _Parser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._open: Form | None = None
        self._textarea: Control | None = None
        self._select: Control | None = None
        self._option: list | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page, a["href"]))
        elif tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self._open = Form(self.page, (a.get("method") or "get").lower(), action)
            self.forms.append(self._open)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select.options.append(("", False))
        elif self._open is None or not a.get("name"):
            return
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._open.buttons.append((a["name"], a.get("value", "")))
        elif tag in ("input", "textarea", "select"):
            maxlength = a.get("maxlength")
            control = Control(
                tag=tag,
                name=a["name"],
                type=(a.get("type") or "text").lower() if tag == "input" else tag,
                value=a.get("value", ""),
                checked="checked" in a,
                maxlength=int(maxlength) if maxlength and maxlength.isdigit() else None,
                inputmode=a.get("inputmode"),
                autocomplete=a.get("autocomplete"),
                multiple="multiple" in a,
            )
            self._open.controls.append(control)
            if tag == "textarea":
                self._textarea = control
            elif tag == "select":
                self._select = control

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option" and self._select is not None and self._option is not None:
            value, selected, text = self._option
            self._select.options[-1] = (text.strip() if value is None else value, selected)
            self._option = None


def parse(page: str, html: str) -> tuple[list[Form], list[str]]:
    parser = _Parser(page)
    parser.feed(html)
    return parser.forms, parser.links


def pattern(url: str) -> str:
    """A page's shape: its path with numbers as N and the names of its query's parameters."""
    parts = urlsplit(url)
    query = ",".join(sorted({k for k, _v in parse_qsl(parts.query)}))
    return re.sub(r"\d+", "N", parts.path) + ("?" + query if query else "")


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


# Pages a link-follower must not open: they end the session or are files, not pages.
SKIPPED = re.compile(r"/logout|/static/|\.xlsx|\.json|/sw\.js|/photos?/|/qr|\.svg|\.png|\.jpg")


def crawl(client: FlaskClient, start: list[str], limit: int = 900):
    """Every page reachable from ``start`` by links, one of each shape: yields (path, html)."""
    queue = list(start)
    seen: set[str] = set()
    while queue and len(seen) < limit:
        path = local(queue.pop(0))
        shape = pattern(path)
        if shape in seen or SKIPPED.search(path) or not path.startswith("/"):
            continue
        seen.add(shape)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        yield path, html
        _forms, links = parse("http://localhost" + path, html)
        queue.extend(link for link in links if urlsplit(link).netloc in ("localhost", ""))
