"""OpenTelemetry traces of web requests, only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the
standard OpenTelemetry variables name the collector, OTEL_SERVICE_NAME the service).

A span says which view answered, how and how fast: method, route, status, duration and the
request id the logs carry. It never holds the query string (a search of the children list
holds a child's name), the client's address, the user agent or who is signed in: every
attribute outside ALLOWED is overwritten before the span ends, whatever a later version of
the instrumentation starts collecting."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from pep_portal.logs import request_id

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span

REDACTED = "[redacted]"

# Both the older and the stable HTTP semantic conventions' names for harmless facts.
ALLOWED = frozenset(
    {
        "http.method",
        "http.request.method",
        "http.route",
        "http.status_code",
        "http.response.status_code",
        "http.scheme",
        "url.scheme",
        "http.flavor",
        "network.protocol.version",
        "http.server_name",
        "http.host",
        "server.address",
        "net.host.port",
        "server.port",
        "request_id",
    }
)


def _path_only(span: Span, request: HttpRequest) -> None:
    span.set_attribute("http.target", request.path)
    span.set_attribute("url.path", request.path)


def request_hook(span: Span, request: HttpRequest) -> None:
    if span.is_recording():
        _path_only(span, request)


def response_hook(span: Span, request: HttpRequest, response: HttpResponse) -> None:
    if not span.is_recording():
        return
    span.set_attribute("request_id", request_id.get())
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        span.set_attribute("http.route", match.route)
    attributes: Any = getattr(span, "attributes", None) or {}
    for key in list(attributes):
        if key not in ALLOWED and key not in ("http.target", "url.path"):
            span.set_attribute(key, REDACTED)
    _path_only(span, request)


def tracing_start(tracer_provider: TracerProvider | None = None) -> None:
    """Instrument Django's request handling. Without a provider, one that sends spans in
    batches to the collector the OTEL_* variables name."""
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    if tracer_provider is None:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        name = os.environ.get("OTEL_SERVICE_NAME", "pep-portal")
        tracer_provider = SdkTracerProvider(resource=Resource.create({"service.name": name}))
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(tracer_provider)
    DjangoInstrumentor().instrument(
        tracer_provider=tracer_provider, request_hook=request_hook, response_hook=response_hook
    )


def tracing_stop() -> None:
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    DjangoInstrumentor().uninstrument()


def tracing_start_if_configured() -> bool:
    """Called by the WSGI entry point before Django loads its middleware."""
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") and not os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    ):
        return False
    tracing_start()
    return True
