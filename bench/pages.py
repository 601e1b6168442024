"""Issue 20's pages, who opens them and about what: shared by `make bench` (bench/bench.py,
under gunicorn) and scripts/profile_pages.py (in-process), so both measure the same visits.

Against a database seeded by `manage.py seed_demo --children N` (authority "bulk-1"); the
functions import the models when called, so the callers set Django up first.
"""

from __future__ import annotations

import time
from typing import Any

Visit = tuple[str, str, str]  # (page, role, path)

# The two baselines, measured in the same run as the pages. The issue's "trivial view from the
# same server" is the signed-in one: it pays the whole stack a page pays (sessions, sign-in,
# the second-factor check, axes, CSP, history; 2 queries: the session and the user) and renders
# nothing. /healthz is a liveness probe answered by middleware before all of that.
BASELINE_PROBE: Visit = (
    "baseline: /healthz (probe, before the stack)",
    "social_worker",
    "/healthz",
)
BASELINE_STACK: Visit = (
    "baseline: signed-in trivial view (whole stack)",
    "social_worker",
    "/account/session/",
)
BASELINES: list[Visit] = [BASELINE_PROBE, BASELINE_STACK]


def personas() -> dict[str, Any]:
    """The people the clients sign in as, and the objects their pages are about."""
    from children.models import Child
    from meetings.models import Meeting, MeetingStatus
    from pep_portal.accounts.models import User
    from peps.models import Pep, PepStatus
    from pupil_premium.models import PpRequest, PpStatus

    adviser = User.objects.get(email="head.1@bulk-1.example")
    # The first child with a carer and a school place, and their social worker.
    child = (
        Child.objects.filter(
            authority__slug="bulk-1",
            placements__carers__isnull=False,
            enrolments__ended_on__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    assert child is not None
    social_worker = child.social_worker
    pep = Pep.objects.filter(child=child).order_by("-academic_year", "-pk").first()
    teacher = User.objects.filter(
        school__enrolments__child=child, email__startswith="teacher."
    ).first()
    carer = User.objects.filter(placements__child=child, placements__ended_on__isnull=True).first()
    held = Meeting.objects.filter(pep__child=child, status=MeetingStatus.HELD).first()
    submitted = Pep.objects.filter(
        child__authority=child.authority, status=PepStatus.SUBMITTED
    ).first()
    assert pep and teacher and carer and held and submitted
    # Only the profiler's extra pages use it (PP+ decide); none waiting leaves that page out.
    pp = PpRequest.objects.filter(
        child__authority=child.authority, status=PpStatus.REQUESTED
    ).first()
    return {
        "users": {
            "adviser": adviser,
            "social_worker": social_worker,
            "teacher": teacher,
            "carer": carer,
        },
        "child": child.pk,
        "pep": pep.pk,
        "meeting": held.pk,
        "submitted": submitted.pk,
        "pp": pp.pk if pp else None,
        "year": pep.academic_year,
        "children": Child.objects.filter(authority=child.authority).count(),
    }


def pages(p: dict[str, Any]) -> list[Visit]:
    """(page, role, path) of every page measured (the issue's list)."""
    last = max(1, p["children"] // 25)
    return [
        ("home (adviser)", "adviser", "/"),
        ("home (social worker)", "social_worker", "/"),
        ("home (designated teacher)", "teacher", "/"),
        ("home (carer)", "carer", "/"),
        ("children list, first page", "adviser", "/children/"),
        ("children list, a late page", "adviser", f"/children/?page={last - 1}"),
        ("children list, a search", "adviser", "/children/?q=Rowan"),
        ("children list (social worker)", "social_worker", "/children/"),
        ("child page", "social_worker", f"/children/{p['child']}/"),
        ("PEP page (social worker)", "social_worker", f"/peps/{p['pep']}/"),
        ("PEP page (designated teacher)", "teacher", f"/peps/{p['pep']}/"),
        ("PEP page (carer)", "carer", f"/peps/{p['pep']}/"),
        ("section edit", "teacher", f"/peps/{p['pep']}/sections/teacher_comments/"),
        ("meeting record", "social_worker", f"/meetings/{p['meeting']}/record/"),
        ("meetings calendar", "social_worker", "/meetings/"),
        ("people list", "adviser", "/people/"),
        ("QA queue", "adviser", "/quality-assurance/"),
        ("QA review", "adviser", f"/quality-assurance/review/{p['submitted']}/"),
        ("PP+ list", "adviser", "/pupil-premium/"),
        ("PP+ totals", "adviser", "/pupil-premium/totals/"),
        ("PP+ totals by school", "adviser", "/pupil-premium/totals/schools/"),
        ("dashboard", "adviser", "/quality-assurance/dashboard/"),
        ("notifications", "social_worker", "/notifications/"),
        # The smallest page with a template: the whole stack, base.html, no query of its own.
        ("help page (signed in)", "social_worker", "/help/"),
        ("calendars", "adviser", "/calendars/"),
        ("calendar year", "adviser", f"/calendars/{p['year']}/"),
        ("audit trail", "adviser", f"/children/{p['child']}/audit/"),
        ("work list", "adviser", "/work/no_meeting/"),
        ("dashboard CSV", "adviser", "/quality-assurance/dashboard.csv"),
        ("PP+ finance CSV", "adviser", "/pupil-premium/export.csv"),
        ("audit CSV", "adviser", "/audit/export.csv"),
    ]


def more_pages(p: dict[str, Any]) -> list[Visit]:
    """Visits the profiler adds to the issue's list: the fixed cost of a request (the bench's
    two baselines), its pages as other roles, and two more."""
    pep, child = p["pep"], p["child"]
    rows = [
        *BASELINES,
        ("children list (designated teacher)", "teacher", "/children/"),
        ("child page (adviser)", "adviser", f"/children/{child}/"),
        ("PEP page (adviser)", "adviser", f"/peps/{pep}/"),
        ("meeting page", "social_worker", f"/meetings/{p['meeting']}/"),
        ("meetings calendar (adviser)", "adviser", "/meetings/"),
        ("notifications (adviser)", "adviser", "/notifications/"),
    ]
    if p["pp"] is not None:
        rows.append(("PP+ decide", "adviser", f"/pupil-premium/{p['pp']}/"))
    return rows


def signed_in_session(user: Any) -> str:
    """The key of a new session signed in as `user` with a verified second factor, and
    recently authenticated (the CSV exports ask for it)."""
    from importlib import import_module

    import django_otp
    from django.conf import settings
    from django.contrib.auth import login
    from django.http import HttpRequest
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pep_portal.security.signin import AUTHENTICATED_AT

    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    request.user = user
    login(request, user, "django.contrib.auth.backends.ModelBackend")
    django_otp.login(request, device)
    request.session[AUTHENTICATED_AT] = time.time()
    request.session.save()
    key: str = request.session.session_key
    return key
