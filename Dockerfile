# syntax=docker/dockerfile:1
# --- build: wheels, compiled messages, collected static -----------------------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*
COPY requirements/ requirements/
RUN python -m venv /venv && /venv/bin/pip install --upgrade pip && /venv/bin/pip install -r requirements/base.txt polib==1.2.0
COPY native/ native/
RUN /venv/bin/pip install ./native && rm -rf native/build
COPY . .
RUN DJANGO_SETTINGS_MODULE=infrazen.settings.production SECRET_KEY=build ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@localhost/build \
    sh -c "/venv/bin/python manage.py compile_translations && /venv/bin/python manage.py collectstatic --noinput"

# --- runtime -------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH="/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=infrazen.settings.production PORT=8000
# libpq for psycopg; pango/harfbuzz/fontconfig/fonts for WeasyPrint PDF reports (Cyrillic).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpq5 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
        fonts-dejavu-core shared-mime-info curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system infrazen && useradd --system --gid infrazen --home /app infrazen
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build --chown=infrazen:infrazen /app /app
USER infrazen
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD curl -fsS http://127.0.0.1:${PORT}/healthz || exit 1
# Web by default; run the worker with: docker run IMAGE python manage.py qcluster
# Migrations at deploy: docker run IMAGE python manage.py migrate_platform
CMD ["sh", "-c", "gunicorn infrazen.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
