"""Error pages in the user's language: a full page, or for htmx a message in the message area."""

from __future__ import annotations

import logging

from flask import Flask, Response, make_response, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.core.htmx import is_htmx_request

log = logging.getLogger(__name__)

ERROR_TEXTS = {
    400: (_l("Request not understood"), _l("Go back, reload the page and try again.")),
    403: (
        _l("Not allowed"),
        _l("Your role does not allow this. Ask your principal if you need it."),
    ),
    404: (_l("Not found"), _l("This page does not exist, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("The file is too large to send.")),
    422: (_l("Please check what you entered"), _l("Some fields need correcting.")),
    429: (_l("Too many attempts"), _l("Wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("Nothing was saved. Try again in a moment.")),
}

CSRF_TEXT = (
    _l("This page has expired"),
    _l("For your safety the form could not be sent. Go back, reload the page and send it again."),
)


def error_response(status: int, title: str, detail: str) -> Response:
    if is_htmx_request():
        # Shown in the message area, whatever element made the request.
        response = make_response(
            render_template("errors/_error.html", title=title, detail=detail), status
        )
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return make_response(
        render_template("errors/error.html", status=status, title=title, detail=detail), status
    )


def handle_csrf_error(_error: CSRFError) -> Response:
    title, detail = CSRF_TEXT
    return error_response(400, str(title), str(detail))


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    title, detail = ERROR_TEXTS.get(status, ERROR_TEXTS[500 if status >= 500 else 400])
    response = error_response(status, str(title), str(detail))
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def handle_unexpected_error(error: Exception) -> Response:
    log.exception("unhandled error", exc_info=error)
    return handle_http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected_error)
