"""One URL serves a page or its fragment."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request

from webapp.extensions import htmx


def wants_partial(target: str | None) -> bool:
    """An htmx request aimed at this fragment (a boosted navigation wants the whole page)."""
    return bool(htmx) and not htmx.boosted and target is not None and htmx.target == target


def render(
    page_template: str,
    /,
    *,
    partial: str | None = None,
    target: str | None = None,
    status: int = 200,
    **context: Any,
) -> Response:
    """Render the page, or only its partial when htmx asks for the partial's target.

    The partial's root element carries ``id=target`` and the page includes the partial, so both
    answers show the same markup.
    """
    template = partial if partial and wants_partial(target) else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    response.vary.add("HX-Target")
    return response


def is_htmx_request() -> bool:
    return request.headers.get("HX-Request") == "true"
