"""Every answer carries the strict policy; authenticated ones are never stored; logging out
asks the browser to forget; webapp/ holds no HTTP client to reach another origin."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import csrf_token, log_in
from tests.routes import ids_of, urls_for

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
HTTP_CLIENTS = re.compile(
    r"^\s*(?:import|from)\s+(requests|httpx|urllib\.request|http\.client|aiohttp|urllib3)\b"
    r"|^\s*from\s+urllib\s+import\s+[^\n]*\brequest\b"
    r"|^\s*from\s+http\s+import\s+[^\n]*\bclient\b",
    re.MULTILINE,
)


def assert_strict(headers, path: str) -> None:
    policy = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'", path
    assert directives["script-src"] == "'self'", path
    assert directives["style-src"] == "'self'", path
    assert directives["frame-ancestors"] == "'none'", path
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] == "same-origin", path


def get_routes(app: Flask) -> list[str]:
    """Every GET page of the app: the school ones with real ids, the others as they are."""
    ids = ids_of(app, "yangguang", limit=1)
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if rule.rule.startswith("/s/<tenant_slug>"):
            paths.extend(urls_for(rule, "yangguang", ids))
        elif not rule.arguments:
            paths.append(rule.rule)
        elif rule.arguments == {"unit_slug"}:
            paths.append(rule.rule.replace("<unit_slug>", "qinggang"))
    return paths


def test_every_get_route_answers_with_the_strict_headers_and_no_store(
    app: Flask, principal: FlaskClient
) -> None:
    paths = get_routes(app)
    assert len(paths) > 100
    for path in paths:
        response = principal.get(path)
        assert_strict(response.headers, path)
        if response.status_code < 500:
            assert response.headers["Cache-Control"] == "no-store", path
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests


def test_anonymous_pages_carry_the_policy_and_assets_stay_cacheable(client: FlaskClient) -> None:
    for path in ("/login", "/healthz", "/no-such-page", "/s/yangguang/"):
        assert_strict(client.get(path).headers, path)
    asset = client.get("/static/app.js?v=1")
    assert_strict(asset.headers, "/static/app.js")
    assert "no-store" not in asset.headers.get("Cache-Control", "")


def test_hsts_is_sent_over_https_only(client: FlaskClient) -> None:
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_logging_out_clears_the_site_data_and_says_so(teacher: FlaskClient) -> None:
    response = teacher.post("/logout", data={"csrf_token": csrf_token(teacher, "/me")})
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies"'
    page = teacher.get(response.headers["Location"])
    assert "您已退出登录。" in page.get_data(as_text=True)


def test_the_layout_configures_htmx_for_the_strict_policy(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'", html).group(1)
    for setting in (
        '"allowEval":false',
        '"allowScriptTags":false',
        '"includeIndicatorStyles":false',
    ):
        assert setting in config
    assert "<script>" not in html and "style=" not in html and "<style" not in html


def test_no_template_holds_inline_script_style_or_handlers() -> None:
    templates = Path(__file__).resolve().parents[2] / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|hx-on|javascript:")
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if inline.search(path.read_text())
    ]
    assert offenders == []


def test_webapp_imports_no_http_client() -> None:
    offenders = [
        str(path.relative_to(WEBAPP))
        for path in WEBAPP.rglob("*.py")
        if HTTP_CLIENTS.search(path.read_text())
    ]
    assert offenders == []
    assert HTTP_CLIENTS.search("import requests\n") and HTTP_CLIENTS.search(
        "from httpx import Client\n"
    )
    assert HTTP_CLIENTS.search("from urllib import request\n")
    assert HTTP_CLIENTS.search("    import urllib.request as ur\n")


def test_a_fresh_login_keeps_the_strict_headers(client: FlaskClient) -> None:
    response = log_in(client, "13800000002")
    assert_strict(response.headers, "/login")
