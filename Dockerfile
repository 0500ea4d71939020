# The production image: the web app (gunicorn), Celery workers and beat all run from it
# (docker-compose.yml). Everything is installed at build time; a container only starts
# its process (no pip or apt at start).
FROM python:3.11-slim-bookworm

# WeasyPrint (login cards) needs Pango and HarfBuzz; the fonts print pupils' names in any
# script: DejaVu (Latin, Greek, Cyrillic), Noto (Arabic, Hebrew, Indic scripts, ...) and
# WenQuanYi Micro Hei (Chinese, Japanese, Korean). curl is for the health checks.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
        fonts-dejavu-core fonts-noto-core fonts-wqy-microhei \
        curl \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/var/lib/mis-sync

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The app runs as its own user, never root; VAR_DIR holds the static files and logs.
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin missync \
    && mkdir -p "$VAR_DIR" && chown missync "$VAR_DIR"
USER missync
# Static files are collected into the image (collectstatic needs no database). Settings
# refuse DEBUG=0 without its secrets, so this one build step runs with development ones.
RUN DEBUG=1 python manage.py collectstatic --noinput -v 0

EXPOSE 8000
# The web app; docker-compose.yml runs workers and beat from the same image with their
# own command. Migrations run once, from the "migrate" service, not at each start.
CMD ["gunicorn", "purplemash.wsgi", "--config", "purplemash/gunicorn.py"]
