# 守望 Shouwang: serves with gunicorn; the catalogues are compiled into the image.
# Run with DATABASE_URL, SECRET_KEY and SHOUWANG_DATA_KEY set; migrations run at start.
# On PostgreSQL set MIGRATE_DATABASE_URL to the tables' owner and DATABASE_URL to a role that
# owns nothing: migrations and the grant run as the owner, the app as that role (README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SHOUWANG_ENV=production \
    SHOUWANG_INSTANCE_PATH=/var/lib/shouwang

WORKDIR /app
COPY . .
RUN pip install -e . \
    && pybabel compile -d translations \
    && useradd --system --home-dir /var/lib/shouwang --create-home shouwang

USER shouwang
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "DATABASE_URL=\"${MIGRATE_DATABASE_URL:-$DATABASE_URL}\" flask --app webapp db upgrade && if [ -n \"$MIGRATE_DATABASE_URL\" ]; then DATABASE_URL=\"$MIGRATE_DATABASE_URL\" flask --app webapp db-grant-app-role \"$DATABASE_URL\"; fi && exec gunicorn --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-2} --access-logfile - 'webapp.wsgi:app'"]
