"""The production entry point: ``gunicorn 'webapp.wsgi:app'``.

Production unless SHOUWANG_ENV says otherwise, so a server never starts with development secrets.
"""

import os

from webapp import create_app

app = create_app(env=os.environ.get("SHOUWANG_ENV", "production"))
