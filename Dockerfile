FROM python:3.11-slim-bookworm
# WeasyPrint's libraries, a metric-compatible Arial for PDFs, and pg_dump for backups (15, as
# the database).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-liberation libmagic1 \
        postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Every runtime dependency at the version and hash in requirements.lock (`make lock`), so the
# image holds what was tested and audited (`make audit`); then the portal itself, nothing more.
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN pip install --no-cache-dir --no-deps .
# Static files are collected once, into the image (never at start-up). The key is a throwaway:
# collectstatic needs settings that load, not a secret.
RUN DEBUG=false SECRET_KEY=collectstatic-at-build-time-only DATABASE_URL=sqlite:////tmp/unused.sqlite3 \
    python manage.py collectstatic --noinput
# The files volume is mounted here; created owned by the app's user so a fresh volume is too.
RUN useradd --system --home /app portal && mkdir -p /data/files && chown portal /data/files
USER portal
ENV DEBUG=false STATIC_MANIFEST=true PYTHONUNBUFFERED=1 PRIVATE_MEDIA_ROOT=/data/files
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "pep_portal.wsgi:application", "--bind", "0.0.0.0:8000"]
