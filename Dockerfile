# 守望 Shouwang: serves with gunicorn; the catalogues are compiled into the image.
# Run with DATABASE_URL, SECRET_KEY and SHOUWANG_DATA_KEY set; migrations run at start.
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
CMD ["sh", "-c", "flask --app webapp db upgrade && exec gunicorn --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-2} --access-logfile - 'webapp.wsgi:app'"]
