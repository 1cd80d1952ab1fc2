"""The first visit's scripts, compressed as a server would send them: htmx and app.js only,
within 24 KB (the service worker and what it keeps: tests/bench/test_page_weight.py)."""

from __future__ import annotations

import gzip
import re

from flask.testing import FlaskClient

from tests.helpers import text_of

KB = 1024


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def test_the_first_visit_scripts_stay_within_24_kb(client: FlaskClient) -> None:
    page = text_of(client.get("/login"))
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert len(scripts) == 2  # htmx and app.js, nothing else on a first visit
    assert sum(gzipped(client.get(url).get_data()) for url in scripts) <= 24 * KB
