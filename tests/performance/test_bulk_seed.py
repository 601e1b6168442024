"""`seed_demo --children N`: a large authority in bulk, with the rows the services write.

The oracle for the access rows is the care-team derivation itself (`check_access`): after the
seed it must find nothing to repair. Counts are worked out here from the seed's own ratios."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from children.models import Child, ChildUserObjectPermission
from meetings.models import Meeting, MeetingStatus, Target
from outcomes.models import AttainmentRecord, ExclusionEvent, PartTimeTimetable, TermAttendance
from pep_portal.accounts.models import User
from pep_portal.audit.models import AuditAction, AuditEvent
from pep_portal.demo_bulk import seed_authority
from pep_portal.notifications.models import Notification
from peps.models import Pep, PepSection, PepStatus, SectionStatus
from peps.records import records_state
from peps.sections import (
    SECTIONS_BY_KEY,
    check_answers,
    contradictions,
    missing_answers,
    to_confirm,
    with_records,
)
from pupil_premium.models import PpRequest
from quality_assurance.models import QaReview

TODAY = dt.date(2026, 11, 24)  # an autumn day: Spring and Summer 2026 before it
CHILDREN = 60


def test_one_seed_of_a_large_authority(db: None) -> None:
    """One seed (a few seconds), every check of it: the parts below."""
    seed_authority(1, CHILDREN, today=TODAY)
    _the_access_rows_are_exactly_the_care_teams()
    _the_authority_has_what_a_large_one_has()
    _answers_are_what_the_section_definitions_accept()
    _unread_counts_match_the_notification_centre()
    _signed_off_peps_are_answered_by_their_records()


def _the_access_rows_are_exactly_the_care_teams() -> None:
    out = StringIO()
    call_command("check_access", stdout=out)  # raises CommandError on any difference
    assert "Access rows match the care teams." in out.getvalue()
    # Every child is seen by its social worker, adviser and IRO at least.
    rows = ChildUserObjectPermission.objects.filter(content_object__authority__slug="bulk-1")
    assert rows.values("content_object_id").distinct().count() == CHILDREN
    assert rows.count() >= 3 * CHILDREN
    # Each grant audited once, for exactly that child and person (not every pair named).
    grants = AuditEvent.objects.filter(action=AuditAction.ACCESS_GRANTED, child__isnull=False)
    assert grants.filter(child__authority__slug="bulk-1").count() == rows.count()


def _the_authority_has_what_a_large_one_has() -> None:
    children = Child.objects.filter(authority__slug="bulk-1")
    assert children.count() == CHILDREN
    # 30 children a social worker, 2 a carer, 25 a school (one teacher each).
    assert (
        User.objects.filter(email__startswith="social-worker.", authority__slug="bulk-1").count()
        == 2
    )
    assert User.objects.filter(email__startswith="carer.", authority__slug="bulk-1").count() == 30
    assert (
        User.objects.filter(email__startswith="teacher.", email__endswith=".example")
        .filter(school__urn__gte=7_100_000, school__urn__lt=7_200_000)
        .count()
        == 2
    )
    peps = Pep.objects.filter(child__authority__slug="bulk-1")
    # Three terms for every child old enough (all of them: 5 to 17).
    assert peps.count() == 3 * CHILDREN
    assert {(p.academic_year, p.term) for p in peps} == {
        (2025, "spring"),
        (2025, "summer"),
        (2026, "autumn"),
    }
    # The two terms before this one all signed off, with a snapshot and a QA review each.
    past = peps.exclude(academic_year=2026)
    assert past.filter(status=PepStatus.SIGNED_OFF).count() == 2 * CHILDREN
    assert past.filter(snapshot__isnull=True).count() == 0
    assert QaReview.objects.filter(pep__in=past).count() == 2 * CHILDREN
    # ... and a held meeting with two targets each.
    held = Meeting.objects.filter(pep__in=past, status=MeetingStatus.HELD)
    assert held.count() == 2 * CHILDREN
    assert Target.objects.filter(meeting__in=held).count() == 4 * CHILDREN
    # This term's PEPs spread over the workflow.
    assert peps.filter(academic_year=2026).values("status").distinct().count() >= 4
    assert PpRequest.objects.filter(child__authority__slug="bulk-1").exists()
    assert Notification.objects.filter(child__authority__slug="bulk-1").exists()


def _answers_are_what_the_section_definitions_accept() -> None:
    complete = PepSection.objects.filter(
        pep__child__authority__slug="bulk-1", status=SectionStatus.COMPLETE
    ).select_related("pep")
    assert complete.count() >= 2 * CHILDREN * 8
    for section in complete[:: max(1, complete.count() // 40)]:
        cleaned, errors = check_answers(
            SECTIONS_BY_KEY[section.key], section.pep.template, section.answers
        )
        assert errors == {}, (section.key, errors)
        assert cleaned == section.answers


# The signed-off terms' first and last days, as the review terms run (by hand).
SIGNED_OFF_TERMS = {
    (2025, "spring"): (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    (2025, "summer"): (dt.date(2026, 4, 1), dt.date(2026, 8, 31)),
    # This term's PEPs that have gone all the way.
    (2026, "autumn"): (dt.date(2026, 9, 1), dt.date(2026, 12, 31)),
}


def _signed_off_peps_are_answered_by_their_records() -> None:
    """A signed-off PEP's records-backed questions are answered: the term's attendance and
    attainment recorded (and confirmed), and its yes/no about suspensions and part-time
    timetables agreeing with the records of the term."""
    signed = list(Pep.objects.filter(child__authority__slug="bulk-1", status=PepStatus.SIGNED_OFF))
    assert len([p for p in signed if p.academic_year == 2025]) == 2 * CHILDREN
    suspended = 0
    for pep in signed:
        first, last = SIGNED_OFF_TERMS[(pep.academic_year, pep.term)]
        term = {"child": pep.child, "academic_year": pep.academic_year, "term": pep.term}
        assert TermAttendance.objects.filter(**term, confirmed=True).count() == 1
        attainment = AttainmentRecord.objects.filter(**term)
        assert attainment.exists() and not attainment.filter(confirmed=False).exists()
        answers = pep.sections.get(key="attendance").answers
        excluded = ExclusionEvent.objects.filter(
            child=pep.child, started_on__gte=first, started_on__lte=last
        ).exists()
        part_time = (
            PartTimeTimetable.objects.filter(child=pep.child, started_on__lte=last)
            .exclude(ended_on__lt=first)
            .exists()
        )
        assert answers["suspended_or_excluded"] == ("yes" if excluded else "no")
        assert answers["part_time_timetable"] == ("yes" if part_time else "no")
        suspended += excluded
        # And so the section definitions find nothing unanswered, unconfirmed or contradicted.
        states = records_state(pep)
        for key in ("current_attainment", "attendance"):
            spec = SECTIONS_BY_KEY[key]
            merged = with_records(spec, pep.sections.get(key=key).answers, states)
            assert missing_answers(spec, pep.template, merged) == [], (pep.pk, key)
            assert to_confirm(spec, pep.template, merged) == [], (pep.pk, key)
            assert contradictions(spec, pep.template, merged) == [], (pep.pk, key)
    # Some children were suspended in those terms, so the "Yes" is seen too.
    assert suspended > 0


def _unread_counts_match_the_notification_centre() -> None:
    from pep_portal.notifications.services import notifications_visible_to

    for user in User.objects.filter(email__startswith="social-worker.", authority__slug="bulk-1"):
        unread = notifications_visible_to(user).filter(read_at__isnull=True).count()
        assert unread > 0
        assert user.unread_notifications == unread


def test_a_second_run_adds_nothing(db: None) -> None:
    seed_authority(1, 10, today=TODAY)
    counts = (
        Child.objects.count(),
        Pep.objects.count(),
        User.objects.count(),
        Meeting.objects.count(),
    )
    seed_authority(1, 10, today=TODAY)
    assert (
        Child.objects.count(),
        Pep.objects.count(),
        User.objects.count(),
        Meeting.objects.count(),
    ) == counts


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--children", "-1"], "between 0 and 1,000,000"),
        (["--children", "2000000"], "between 0 and 1,000,000"),
        (["--children", "5", "--authorities", "0"], "between 1 and 100"),
    ],
)
def test_the_command_refuses_silly_sizes(db: None, argv: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *argv, stdout=StringIO())
