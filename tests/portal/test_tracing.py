"""Optional OpenTelemetry traces (pep_portal/tracing.py): a request makes one span with its
method, route, status and request id, and nothing personal — not the search a social worker
typed (a child's name), the client's address, the browser or who is signed in."""

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from pep_portal.tracing import tracing_start, tracing_start_if_configured, tracing_stop
from tests.children.fixtures import CareSetting
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing_start(tracer_provider=provider)
    yield exporter
    tracing_stop()


def test_a_search_of_the_children_list_is_traced_without_the_childs_name(
    spans: InMemorySpanExporter, personas: Personas, setting: CareSetting
) -> None:
    client = Client(
        HTTP_USER_AGENT="Mozilla/5.0 (Zara's laptop)",
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_REQUEST_ID="0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9",
    )
    client.force_login(personas.social_worker)
    response = client.get(reverse("child_list") + "?q=Zara")
    assert response.status_code == 200
    assert "Zara" in response.content.decode()  # the search found her: her name was in play

    (span,) = [s for s in spans.get_finished_spans() if s.kind.name == "SERVER"]
    attributes = dict(span.attributes or {})
    assert attributes.get("http.status_code", attributes.get("http.response.status_code")) == 200
    assert attributes.get("http.method", attributes.get("http.request.method")) == "GET"
    assert attributes["http.route"] == reverse("child_list").strip("/") + "/"
    assert attributes["http.target"] == reverse("child_list")
    assert attributes["request_id"] == "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
    everything = " ".join([span.name, *(f"{k}={v}" for k, v in attributes.items())])
    for personal in (
        "Zara",
        "Quill",
        "q=",
        "203.0.113.9",
        "laptop",
        personas.social_worker.email,
        str(personas.social_worker.pk) + " ",
    ):
        assert personal not in everything, f"{personal!r} in the span: {everything}"


def test_without_a_collector_nothing_is_instrumented(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert tracing_start_if_configured() is False
