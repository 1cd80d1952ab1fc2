"""Our own scripts reach the phone minified, and still run."""

from __future__ import annotations

import gzip
from pathlib import Path

from flask import Flask

from webapp.core.assets import MINIFIED


def test_our_scripts_are_served_minified_with_their_year_of_caching(app: Flask) -> None:
    client = app.test_client()
    for name in MINIFIED:
        source = (Path(app.static_folder or "static") / name).read_bytes()
        response = client.get(f"/static/{name}?v=1")
        assert response.status_code == 200
        served = response.get_data()
        assert 0 < len(served) < len(source) * 0.8, name  # comments and indentation gone
        assert len(gzip.compress(served)) < len(gzip.compress(source)), name
        assert "max-age=31536000" in response.headers["Cache-Control"]
        again = client.get(
            f"/static/{name}?v=1", headers={"If-None-Match": response.headers["ETag"]}
        )
        assert again.status_code == 304 and again.get_data() == b""
