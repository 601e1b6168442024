import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pep_portal.settings")

# Traces only when a collector is named (OTEL_EXPORTER_OTLP_ENDPOINT); before the middleware
# is loaded, which get_wsgi_application does.
from pep_portal.tracing import tracing_start_if_configured

tracing_start_if_configured()
application = get_wsgi_application()
