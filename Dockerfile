FROM python:3.11-slim-bookworm
# WeasyPrint's libraries, and a metric-compatible Arial for PDFs.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-liberation libmagic1 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . && useradd --system --home /app portal && chown -R portal /app
USER portal
ENV DEBUG=false STATIC_MANIFEST=true PYTHONUNBUFFERED=1
EXPOSE 8000
