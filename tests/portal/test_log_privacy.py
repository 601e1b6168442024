"""Logs are JSON lines with a request id, and carry no personal data: a journey through the
demo (a failed and a good sign-in, the children, a child, a PEP, its PDF, a page that is not
there) with the production log format captured at the production level, then every demo
child's and person's name and e-mail address looked for in what was written."""

import io
import json
import logging
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from children.models import Child
from pep_portal.accounts.models import User
from pep_portal.accounts.password_validation import DEMO_PASSWORD
from pep_portal.logs import JsonFormatter, RequestIdFilter
from peps.models import Pep
from tests.filejobs.helpers import get_pdf
from tests.second_factor import backup_code_for

pytestmark = pytest.mark.django_db
ADVISER = "alex.morgan@demo-borough.example"


@pytest.fixture
def captured_logs():  # type: ignore[no-untyped-def]
    """What the production handler writes (settings.LOGGING's json formatter and request id
    filter), at the production level (INFO)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(saved_level)


def personal_data() -> set[str]:
    words = set()
    for child in Child.objects.all():
        words |= {child.legal_first_name, child.legal_last_name, child.preferred_name}
        words.add(child.date_of_birth.isoformat())
        words |= {child.upn} - {""}
    for user in User.objects.all():
        words.add(user.email)
        words |= set(user.full_name.split())
    return {word for word in words if len(word) >= 3}


def test_a_journey_logs_json_with_request_ids_and_no_names_or_addresses(client, captured_logs):
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        client.post(
            reverse("login"), {"username": ADVISER, "password": "wrong-password-1"}
        ).status_code
        == 200
    )
    code = backup_code_for(ADVISER)
    assert (
        client.post(reverse("login"), {"username": ADVISER, "password": DEMO_PASSWORD}).status_code
        == 302
    )
    # The second factor, as a person types it (the journey's log lines include this step too).
    assert client.post(reverse("second_factor_verify"), {"code": code}).status_code == 302
    assert client.get(reverse("child_list")).status_code == 200
    child = Child.objects.filter(peps__isnull=False).first()
    pep = Pep.objects.filter(child=child).first()
    assert client.get(reverse("child_detail", args=[child.pk])).status_code == 200
    assert client.get(reverse("pep_detail", args=[pep.pk])).status_code == 200
    pdf = get_pdf(client, pep.pk)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    missing = client.get(reverse("child_detail", args=[child.pk + 10_000]))
    assert missing.status_code == 404
    # Something that does name a person in its message, as a library might.
    logging.getLogger("tests.library").warning("Could not deliver to %s", ADVISER)

    lines = captured_logs.getvalue().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert entries, "the journey logged nothing: the capture is not working"
    not_found = [e for e in entries if e["logger"] == "django.request"]
    assert not_found and not_found[-1]["message"].startswith("Not Found: /children/")
    assert not_found[-1]["request_id"] == missing["X-Request-ID"]
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    assert "Could not deliver to [email]" in [e["message"] for e in entries]

    text = captured_logs.getvalue()
    words = personal_data()
    assert len(words) > 30  # the demo's children and people were all looked for
    found = sorted(w for w in words if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE))
    assert found == []


def test_a_response_carries_its_request_id_and_a_proxys_is_kept_if_it_looks_like_one(client, db):
    own = client.get("/account/sign-in/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", own)
    assert client.get("/account/sign-in/")["X-Request-ID"] != own
    given = "caddy-5f2b9c1e-0d4a"
    assert client.get("/account/sign-in/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    forged = client.get("/account/sign-in/", HTTP_X_REQUEST_ID='x"}\n{"level": "ERROR"')
    assert re.fullmatch(r"[0-9a-f]{32}", forged["X-Request-ID"])
