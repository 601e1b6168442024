"""No page offers its viewer a link or button they may not use: each persona's crawl from the
home page (tests/portal/crawl.py) follows every link and form it is shown, one address per URL
pattern, and none may answer 403, 404 or 405. The meeting was held yesterday, so "Record the
meeting" is offered to those who may record it, and must be offered to nobody else."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from meetings.models import Meeting
from tests.portal.crawl import crawl, offers_on
from tests.security import world

# One persona of each kind that uses the portal's pages (Val Admin: the administrator duty).
PERSONA_KINDS = [
    "social_worker",
    "designated_teacher",
    "delegated_school_staff",
    "carer",
    "virtual_school_staff",
    "independent_reviewing_officer",
    "authority_administrator",
    "virtual_school_administrator",
]
# Written by hand from the product's rules: the social worker records the meeting (README,
# "Meetings"); the carer, the virtual school and the IRO read it.
RECORDS_THE_MEETING = {"social_worker"}


@pytest.fixture
def held(personas, pep_setting):  # type: ignore[no-untyped-def]
    side = world.northam(personas, pep_setting)
    yesterday = timezone.now() - dt.timedelta(days=1)
    Meeting.objects.filter(pk=side.meeting.pk).update(starts_at=yesterday)
    return side


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", PERSONA_KINDS)
def test_no_page_offers_an_action_that_is_refused(name, personas, held):  # type: ignore[no-untyped-def]
    client = _client(getattr(personas, name))
    found = crawl(client)
    print(f"\n{name}: {found.checked} offers tried, {len(found.pages)} pages; left {found.left}")
    # The crawl got somewhere: the home page and the PEP (every one of these is in its care
    # team, or its virtual school) at least.
    assert "home" in found.pages
    if name not in ("authority_administrator",):
        assert "pep_detail" in found.pages or "child_detail" in found.pages, found.pages
    assert found.dead_ends == [], "\n".join(found.dead_ends)
    pep_page = client.get(f"/peps/{held.pep.pk}/").content.decode()
    offered = {o.url for o in offers_on(f"/peps/{held.pep.pk}/", pep_page)}
    record = f"/meetings/{held.meeting.pk}/record/"
    if name in RECORDS_THE_MEETING:
        assert "Record the meeting" in pep_page and record in offered
    else:
        assert "Record the meeting" not in pep_page and record not in offered


def test_the_crawl_finds_a_link_that_is_refused(personas, held):  # type: ignore[no-untyped-def]
    """The crawl's own check: a link to the virtual school's calendars, shown to a carer, is
    reported (so a page that did show it would fail the test above)."""
    client = _client(personas.carer)
    found = crawl(client, start="/calendars/")
    assert found.dead_ends and "/calendars/" in found.dead_ends[0]
