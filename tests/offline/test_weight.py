"""What the phone downloads for working offline, compressed as a server would send it: the
service worker within 5 KB, all it keeps within 80 KB, the first visit's scripts within 24 KB."""

from __future__ import annotations

import gzip
import json
import re

from flask.testing import FlaskClient

from tests.helpers import text_of

KB = 1024


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def test_the_worker_and_what_it_keeps_stay_small(client: FlaskClient) -> None:
    worker = client.get("/sw.js").get_data()
    assert gzipped(worker) <= 5 * KB
    shell = json.loads(re.search(rb"var SHELL = (\[.*?\]);", worker).group(1))
    kept = sum(gzipped(client.get(url).get_data()) for url in shell)
    assert kept <= 80 * KB


def test_the_first_visit_scripts_stay_within_24_kb(client: FlaskClient) -> None:
    page = text_of(client.get("/login"))
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert len(scripts) == 2  # htmx and app.js, nothing else on a first visit
    assert sum(gzipped(client.get(url).get_data()) for url in scripts) <= 24 * KB
