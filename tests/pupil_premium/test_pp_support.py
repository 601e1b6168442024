"""What the Pupil Premium Plus tests share: a PEP with an allocation and a target, a virtual
school administrator, and the URLs mounted at /pupil-premium/ as the portal mounts them."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import include, path, reverse
from django.utils import timezone

from children.models import Child
from meetings.models import Meeting, Target
from pep_portal import urls as portal_urls
from pep_portal.accounts.models import User
from peps.models import Pep
from pupil_premium.models import PpAllocation, PpRequest, PpStatus

# The portal's own URLs with the PP+ pages at /pupil-premium/, as pep_portal/urls.py mounts
# them (the first match wins, so this also works once the portal includes them itself).
urlpatterns = [
    path("pupil-premium/", include("pupil_premium.urls")),
    *portal_urls.urlpatterns,
]
handler403 = portal_urls.handler403
handler404 = portal_urls.handler404
URLCONF = __name__

ALLOCATION = Decimal("2570.00")
# The day the PEP fixture is set on: 24 November 2026, financial year 2026 to 2027.
TODAY = dt.date(2026, 11, 24)


@dataclass
class PpSetting:
    child: Child
    pep: Pep
    target: Target
    admin: User


def add_target(pep: Pep, arranged_by: User, what: str = "Read 20 minutes a day") -> Target:
    meeting = Meeting.objects.filter(pep=pep).first() or Meeting.objects.create(
        pep=pep, starts_at=timezone.now(), arranged_by=arranged_by
    )
    return Target.objects.create(
        child=pep.child,
        pep=pep,
        meeting=meeting,
        what=what,
        measure="Reading age up by a year",
        responsible="Class teacher",
        due_on=dt.date(2027, 3, 1),
        funded_by_pp_plus=True,
    )


@pytest.fixture
def pp_setting(personas, pep_setting) -> PpSetting:  # type: ignore[no-untyped-def]
    """Zara's Autumn 2026 PEP (Medway's rules: PP+ accepted until 22 March), an allocation of £2,570
    per child for 2026 to 2027, one target, and a virtual school administrator."""
    PpAllocation.objects.create(
        authority=personas.authority, financial_year=2026, amount_per_child=ALLOCATION
    )
    admin = personas.virtual_school_administrator
    target = add_target(pep_setting.pep, personas.virtual_school_staff)
    return PpSetting(child=pep_setting.child, pep=pep_setting.pep, target=target, admin=admin)


@pytest.fixture
def on_24_november(monkeypatch):  # type: ignore[no-untyped-def]
    """Pages use today's date: pin it, so the tests do not change with the calendar."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def make_request(
    setting: PpSetting,
    requested_by: User,
    amount: str,
    *,
    status: str = PpStatus.REQUESTED,
    approved: str | None = None,
    purpose: str = "Tutoring in maths",
    year: int = 2026,
    child: Child | None = None,
    pep: Pep | None = None,
) -> PpRequest:
    """A request written straight to the database, for tests about reading them back."""
    child = child or setting.child
    return PpRequest.objects.create(
        pep=pep or setting.pep,
        child=child,
        school=child.enrolments.filter(ended_on__isnull=True).first().school
        if child.enrolments.filter(ended_on__isnull=True).exists()
        else None,
        financial_year=year,
        amount=Decimal(amount),
        purpose=purpose,
        requested_by=requested_by,
        status=status,
        approved_amount=Decimal(approved) if approved is not None else None,
    )


@pytest.mark.urls(URLCONF)
def test_the_pupil_premium_pages_live_under_pupil_premium():
    assert reverse("pp_request_raise", args=[7]) == "/pupil-premium/for-pep/7/"
    assert reverse("pp_request_list") == "/pupil-premium/"
    assert reverse("pp_request_decide", args=[3]) == "/pupil-premium/3/"
    assert reverse("pp_totals") == "/pupil-premium/totals/"
    assert reverse("pp_export") == "/pupil-premium/export.csv"
    assert reverse("pp_allocations") == "/pupil-premium/allocations/"
