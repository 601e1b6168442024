"""Logs as JSON lines, each with the request (or Celery task) it belongs to, and no personal
data.

- `RequestIdMiddleware` gives every request an id: the proxy's `X-Request-ID` when it looks
  like one, else a new one. It is sent back in the response's `X-Request-ID`, so a person
  reporting a problem can quote it, and it is on every log line written during the request.
- A Celery task's lines carry its task id the same way (`task_prerun` below).
- `JsonFormatter` writes one JSON object per line. E-mail addresses are replaced by
  `[email]` wherever they appear (a library's message, an exception), because they identify
  a person; the portal's own messages carry ids, never names (tests/portal/test_log_privacy.py
  runs a journey and looks for every demo name and address in the output).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from celery.signals import task_postrun, task_prerun
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# What a proxy's request id may look like (Caddy, nginx's $request_id, a UUID): anything else,
# which a client could have written to forge log lines, is replaced.
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        value = given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex
        # Not reset on the way out: Django logs an error response (django.request) after the
        # middleware has returned. The id is cleared when the request is finished (below).
        request_id.set(value)
        response = self.get_response(request)
        response["X-Request-ID"] = value
        return response


@receiver(request_finished)
def _request_finished(**kwargs: object) -> None:
    request_id.set("")


class RequestIdFilter(logging.Filter):
    """Put the current request's (or task's) id on the record, for any formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def redact(text: str) -> str:
    return _EMAIL.sub("[email]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if getattr(record, "request_id", ""):
            entry["request_id"] = record.request_id  # type: ignore[attr-defined]
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """The demo's readable lines, with the same redaction."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _scrub(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    return value


def scrub_sentry_event(event: Any, hint: Any) -> Any:
    """Sentry's before_send: keep what says where the error is (stack, exception type, the
    URL's path, the request id), drop what could say who (the request's query string, body,
    cookies and headers, the user), and redact e-mail addresses from everything left."""
    request = event.get("request")
    if isinstance(request, dict):
        kept = {key: request[key] for key in ("method", "url") if request.get(key)}
        event["request"] = kept
    event.pop("user", None)
    event.setdefault("tags", {})["request_id"] = request_id.get()
    return _scrub(event)


@task_prerun.connect
def _task_started(task_id: str | None = None, **kwargs: object) -> None:
    request_id.set(task_id or "")


@task_postrun.connect
def _task_finished(**kwargs: object) -> None:
    request_id.set("")
