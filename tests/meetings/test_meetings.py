"""Arranging and recording PEP meetings: SMART targets, reviews, attendance, the next meeting
and the internal-review rule."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from children.services import school_move
from meetings.models import MeetingKind, MeetingStatus, MeetingTask, Target, TargetReview
from meetings.services import (
    NewAction,
    NewTarget,
    Review,
    meeting_arrange,
    meeting_record,
    targets_to_review,
)
from pep_portal.calendars.services import rule_set_load_preset
from peps.models import PepStatus, Term
from peps.services import pep_set_up

HELD = dt.date(2026, 11, 10)
NEXT = dt.date(2027, 2, 3)


def at(day: dt.date, hour: int = 14) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def a_target(**changes: object) -> NewTarget:
    fields = {
        "what": "Read 20 minutes every day",
        "measure": "Reading log checked weekly",
        "support": "Daily reading with a TA",
        "responsible": "Class teacher",
        "due_on": dt.date(2027, 3, 20),
        "cost": None,
        "funded_by_pp_plus": False,
    }
    fields.update(changes)
    return NewTarget(**fields)  # type: ignore[arg-type]


def everyone_came(meeting):  # type: ignore[no-untyped-def]
    return {a.pk: (True, "") for a in meeting.attendees.all()}


def record(personas, meeting, **changes):  # type: ignore[no-untyped-def]
    kwargs = {
        "actor": personas.social_worker,
        "meeting": meeting,
        "held_on": HELD,
        "attendance": everyone_came(meeting),
        "discussion": "Good progress in reading.",
        "targets": [a_target()],
        "next_meeting_on": NEXT,
        "actions": [NewAction("Book a reading assessment", "SENCo", dt.date(2026, 12, 1))],
    }
    kwargs.update(changes)
    return meeting_record(**kwargs)


@pytest.fixture
def arranged(personas, pep_setting):  # type: ignore[no-untyped-def]
    return meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(HELD)
    ).meeting


def test_arranging_invites_the_care_team(personas, arranged):
    roles = sorted(arranged.attendees.values_list("role", flat=True))
    assert roles == ["carer", "designated_teacher", "social_worker", "virtual_school"]
    assert arranged.attendees.get(role="social_worker").email == personas.social_worker.email


def test_arranging_sets_the_teachers_deadline_five_school_days_before(pep_setting, arranged):
    pep_setting.pep.refresh_from_db()
    # Meeting Tue 10 Nov 2026: Mon 9, Fri 6, Thu 5, Wed 4, Tue 3 November.
    assert pep_setting.pep.teacher_sections_due_on == dt.date(2026, 11, 3)


def test_a_meeting_without_a_date_is_refused(personas, pep_setting):
    with pytest.raises(ValidationError, match="date and time"):
        meeting_arrange(actor=personas.social_worker, pep=pep_setting.pep, starts_at=None)


def test_arranging_warns_after_the_due_date_and_when_the_teacher_has_too_little_time(
    personas, pep_setting
):
    late = meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(dt.date(2027, 1, 12))
    )
    assert any("after the PEP is due" in w for w in late.warnings)
    soon = meeting_arrange(
        actor=personas.social_worker,
        pep=pep_setting.pep,
        starts_at=at(timezone.localdate() + dt.timedelta(days=1)),
    )
    assert any("less than 5 school days" in w for w in soon.warnings)
    assert late.meeting.__class__.objects.get(pk=late.meeting.pk).status == (
        MeetingStatus.CANCELLED
    )  # rearranging replaces the earlier booking


@pytest.mark.parametrize(
    "who",
    ["carer", "independent_reviewing_officer", "unrelated_social_worker", "other_school_teacher"],
)
def test_only_the_care_team_arranges(personas, pep_setting, who):
    with pytest.raises(PermissionDenied):
        meeting_arrange(actor=getattr(personas, who), pep=pep_setting.pep, starts_at=at(HELD))


def test_recording_moves_the_pep_to_meeting_held_and_starts_the_clock(
    personas, pep_setting, arranged
):
    record(personas, arranged)
    pep_setting.pep.refresh_from_db()
    assert pep_setting.pep.status == PepStatus.MEETING_HELD
    assert pep_setting.pep.submission_due_on == dt.date(2026, 11, 13)
    assert Target.objects.get().pep == pep_setting.pep


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"measure": ""}, "how it will be measured"),
        ({"due_on": None}, "the date it is due by"),
        ({"responsible": ""}, "who is responsible"),
        ({"funded_by_pp_plus": True}, "enter the cost"),
    ],
)
def test_a_target_that_is_not_smart_is_refused_naming_what_is_missing(
    personas, arranged, change, field
):
    with pytest.raises(ValidationError, match=field):
        record(personas, arranged, targets=[a_target(**change)])
    assert not Target.objects.exists()


def test_absent_required_attendees_need_a_reason_and_are_flagged(personas, arranged):
    attendance = everyone_came(arranged)
    carer = arranged.attendees.get(role="carer")
    attendance[carer.pk] = (False, "")
    with pytest.raises(ValidationError, match="why"):
        record(personas, arranged, attendance=attendance)
    attendance[carer.pk] = (False, "Unwell")
    meeting = record(personas, arranged, attendance=attendance)
    assert meeting.required_absence is True


def test_the_next_meeting_must_fall_in_the_next_terms_window(personas, arranged):
    with pytest.raises(ValidationError, match="Spring term"):
        record(personas, arranged, next_meeting_on=dt.date(2027, 4, 20))
    with pytest.raises(ValidationError, match="next PEP meeting"):
        record(personas, arranged, next_meeting_on=None)


def test_targets_carry_forward_for_review_at_the_next_pep(personas, pep_setting, arranged):
    record(personas, arranged, targets=[a_target(), a_target(what="Times tables to 12")])
    spring = pep_set_up(
        actor=personas.virtual_school_staff,
        child=pep_setting.child,
        academic_year=2026,
        term=Term.SPRING,
    )
    due = targets_to_review(pep_setting.child, before=spring)
    assert [t.what for t in due] == ["Read 20 minutes every day", "Times tables to 12"]
    # Arranged for a day already past: a meeting is recorded from its day on.
    spring_meeting = meeting_arrange(
        actor=personas.social_worker, pep=spring, starts_at=at(dt.date(2026, 11, 20))
    ).meeting
    with pytest.raises(ValidationError, match="Choose the outcome of"):
        meeting_record(
            actor=personas.social_worker,
            meeting=spring_meeting,
            held_on=dt.date(2026, 11, 20),
            attendance=everyone_came(spring_meeting),
            discussion="x",
            next_meeting_on=dt.date(2027, 5, 5),
        )
    reviews = [
        Review(due[0], "achieved", "Log shows daily reading"),
        Review(due[1], "partly_achieved", "Up to 8 so far"),
    ]
    meeting_record(
        actor=personas.social_worker,
        meeting=spring_meeting,
        held_on=dt.date(2026, 11, 20),
        attendance=everyone_came(spring_meeting),
        discussion="Reviewed",
        reviews=reviews,
        next_meeting_on=dt.date(2027, 2, 10),
    )
    assert TargetReview.objects.count() == 2
    summer = pep_set_up(
        actor=personas.virtual_school_staff,
        child=pep_setting.child,
        academic_year=2026,
        term=Term.SUMMER,
    )
    assert [t.what for t in targets_to_review(pep_setting.child, before=summer)] == [
        "Times tables to 12"
    ]


def test_designated_teacher_records_only_where_the_rules_allow(personas, pep_setting, arranged):
    with pytest.raises(PermissionDenied):  # Medway: the social worker records
        record(personas, arranged, actor=personas.designated_teacher)
    rule_set_load_preset(preset="walsall", slug=personas.authority.slug)
    assert record(personas, arranged, actor=personas.designated_teacher).status == "held"


class TestWalsallInternalReview:
    @pytest.fixture(autouse=True)
    def walsall_rules(self, personas, pep_setting):  # type: ignore[no-untyped-def]
        rule_set_load_preset(preset="walsall", slug=personas.authority.slug)

    def internal(self, personas, pep):  # type: ignore[no-untyped-def]
        return meeting_arrange(
            actor=personas.designated_teacher,
            pep=pep,
            starts_at=at(HELD),
            kind=MeetingKind.INTERNAL_REVIEW,
        ).meeting

    def test_allowed_when_the_child_makes_expected_progress(self, personas, pep_setting):
        meeting = self.internal(personas, pep_setting.pep)
        held = record(personas, meeting, actor=personas.designated_teacher, expected_progress=True)
        assert held.kind == MeetingKind.INTERNAL_REVIEW and held.status == "held"

    def test_refused_without_expected_progress(self, personas, pep_setting):
        meeting = self.internal(personas, pep_setting.pep)
        with pytest.raises(ValidationError, match="expected progress"):
            record(personas, meeting, actor=personas.designated_teacher, expected_progress=False)

    def test_refused_when_formal_meetings_would_fall_below_two(self, personas, pep_setting):
        autumn = self.internal(personas, pep_setting.pep)
        record(personas, autumn, actor=personas.designated_teacher, expected_progress=True)
        spring = pep_set_up(
            actor=personas.virtual_school_staff,
            child=pep_setting.child,
            academic_year=2026,
            term=Term.SPRING,
        )
        second = self.internal(personas, spring)
        with pytest.raises(ValidationError, match="2 formal PEP meetings"):
            record(
                personas,
                second,
                actor=personas.designated_teacher,
                expected_progress=True,
                reviews=[
                    Review(t, "achieved", "Done")
                    for t in targets_to_review(pep_setting.child, before=spring)
                ],
                next_meeting_on=dt.date(2027, 5, 5),
            )

    def test_only_the_designated_teacher_holds_one(self, personas, pep_setting):
        with pytest.raises(ValidationError, match="Only the designated teacher"):
            meeting_arrange(
                actor=personas.social_worker,
                pep=pep_setting.pep,
                starts_at=at(HELD),
                kind=MeetingKind.INTERNAL_REVIEW,
            )

    def test_medway_counts_no_internal_reviews(self, personas, pep_setting):
        rule_set_load_preset(preset="medway", slug=personas.authority.slug)
        meeting = self.internal(personas, pep_setting.pep)
        with pytest.raises(ValidationError, match="every term"):
            record(personas, meeting, actor=personas.designated_teacher, expected_progress=True)


def test_no_school_place_raises_the_24_hour_task_under_medway_rules(personas, pep_setting):
    school_move(
        actor=personas.virtual_school_staff,
        child=pep_setting.child,
        school=None,
        started_on=pep_setting.child.enrolments.get().started_on,
    )
    task = MeetingTask.objects.get(child=pep_setting.child)
    hours = (task.due_at - task.raised_at).total_seconds() / 3600
    assert round(hours) == 24
    meeting_arrange(actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(HELD))
    task.refresh_from_db()
    assert task.done_at is not None


def test_cost_is_kept_for_pp_plus_funded_targets(personas, arranged):
    record(personas, arranged, targets=[a_target(funded_by_pp_plus=True, cost=Decimal("250"))])
    assert Target.objects.get().cost == Decimal("250.00")
