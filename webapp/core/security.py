"""Headers on every response: no inline script, no framing, nothing cached that holds a child."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
# What logging out asks the browser to forget: cached pages and cookies. Not "storage": it would
# delete the outbox of records not yet sent (kept encrypted, replayed only for their author);
# app.js wipes the home-visit pack itself at logout.
CLEAR_SITE_DATA = '"cache", "cookies"'


def served_securely() -> bool:
    """HSTS only means something over HTTPS; in production the proxy in front terminates it."""
    return request.is_secure or current_app.config["SHOUWANG_ENV"] == "production"


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if served_securely():
        headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    # The person as loaded for this request, asked without a query (is_authenticated reads
    # is_active, which a commit in the view has expired).
    user = g.get("_login_user")
    if request.endpoint != "static" and user is not None and not user.is_anonymous:
        # A shared phone's back button must not show another person's children.
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
