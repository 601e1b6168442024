"""Education outcomes as records: sessions and the percentages computed from them, the
persistent and severe absence lines at their boundaries, each key stage's scales, carry-forward
into the next termly PEP, who may record, alerts once, and the history of every change."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from outcomes import services
from outcomes.attendance import (
    Sessions,
    Thresholds,
    absence_percent,
    attendance_percent,
    is_persistent_absence,
    is_severe_absence,
)
from outcomes.models import (
    AlertKind,
    AttainmentRecord,
    ExclusionEvent,
    OutcomeAlert,
    TermAttendance,
)
from outcomes.selectors import child_outcomes
from pep_portal.calendars.models import PepRuleSet
from pep_portal.calendars.presets import MEDWAY
from pep_portal.calendars.services import rule_set_load_preset, rule_set_save
from peps.models import Term
from peps.services import pep_set_up

LINES = Thresholds()


def test_percentages_are_computed_from_sessions() -> None:
    # 171 of 180 sessions: 95 %; 6 + 3 absent: 5 %.
    sessions = Sessions(possible=180, present=171, authorised=6, unauthorised=3)
    assert attendance_percent(sessions) == Decimal("95.00")
    assert absence_percent(sessions) == Decimal("5.00")
    # 2 of 3: 66.666… shown as 66.67.
    assert attendance_percent(Sessions(3, 2, 1, 0)) == Decimal("66.67")


@pytest.mark.parametrize(
    ("present", "persistent", "severe"),
    [
        (8999, True, False),  # 89.99 %: persistent absence
        (9000, False, False),  # 90 % exactly: not
        (4999, True, True),  # 49.99 %: severe (and persistent)
        (5000, True, False),  # 50 % exactly: persistent only
    ],
)
def test_absence_lines_at_their_boundaries(present: int, persistent: bool, severe: bool) -> None:
    sessions = Sessions(possible=10000, present=present, authorised=10000 - present, unauthorised=0)
    assert is_persistent_absence(sessions, LINES) is persistent
    assert is_severe_absence(sessions, LINES) is severe


def test_the_lines_come_from_the_rule_set(personas, setting) -> None:  # type: ignore[no-untyped-def]
    PepRuleSet.objects.create(
        authority=personas.authority,
        persistent_absence_below=Decimal("95.00"),
        severe_absence_below=Decimal("60.00"),
    )
    # 93 % is persistent absence under a 95 % line, not under the default 90 %.
    row = services.attendance_save(
        actor=personas.designated_teacher,
        child=setting.child,
        academic_year=2025,
        term="autumn",
        possible=100,
        present=93,
        authorised=7,
        unauthorised=0,
    )
    shown = child_outcomes(user=personas.social_worker, child=setting.child).attendance
    assert [(r.record.pk, r.attendance, r.persistent, r.severe) for r in shown] == [
        (row.pk, Decimal("93.00"), True, False)
    ]
    assert (
        OutcomeAlert.objects.filter(child=setting.child, kind=AlertKind.PERSISTENT_ABSENCE).count()
        == 1
    )


BAD_SESSIONS = [
    ((100, 95, 5, 1), "present"),  # adds up to 101 of 100
    ((0, 0, 0, 0), "possible"),
    ((100, -1, 0, 0), "present"),
    ((401, 400, 1, 0), "possible"),  # more than a school year
    ((100, "90", 0, 0), "present"),  # text, not a number
    ((100, True, 0, 0), "present"),
]


def test_bad_sessions_are_refused(personas, setting) -> None:  # type: ignore[no-untyped-def]
    for (possible, present, authorised, unauthorised), field in BAD_SESSIONS:
        with pytest.raises(ValidationError) as refused:
            services.attendance_save(
                actor=personas.designated_teacher,
                child=setting.child,
                academic_year=2025,
                term="autumn",
                possible=possible,
                present=present,
                authorised=authorised,
                unauthorised=unauthorised,
            )
        assert field in refused.value.message_dict, (possible, present)
    assert not TermAttendance.objects.exists()


def test_the_database_refuses_sessions_that_do_not_add_up(setting) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        TermAttendance.objects.create(
            child=setting.child,
            academic_year=2025,
            term="autumn",
            term_index=20251,
            sessions_possible=10,
            sessions_present=10,
            authorised_absence=1,
            unauthorised_absence=0,
        )


# --- each key stage's fields and scales --------------------------------------------------------

GOOD = [
    ("eyfs", "elg_speaking", {"level": "expected"}),
    ("eyfs", "elg_natural_world", {"level": "emerging"}),
    ("eyfs", "rba", {"score": 39}),
    ("eyfs", "gld", {"achieved": "yes"}),
    ("ks1", "reading", {"working_at": "wts", "target": "exs"}),
    ("ks1", "phonics", {"mark": 32, "result": "met"}),
    ("ks2", "maths", {"working_at": "gds"}),
    ("ks2", "science", {"working_at": "exs"}),
    ("ks2", "mtc", {"score": 25}),
    ("ks3", "english", {"school_grade": "Secure 7", "band": "at"}),
    ("ks4", "maths", {"working_at": "4", "predicted": "5", "target": "6"}),
    ("ks4", "english_language", {"working_at": "u"}),
    ("ks4", "headline", {"attainment_8": 38.5, "progress_8": -0.25}),
    (
        "post16",
        "course_1",
        {
            "course": "A level biology",
            "level": "3_plus",
            "awarding_body": "AQA",
            "predicted": "B",
            "achieved": "A",
        },
    ),
    ("post16", "destination", {"destination": "apprenticeship"}),
]


def test_each_key_stage_takes_its_own_scale(personas, setting) -> None:  # type: ignore[no-untyped-def]
    for key_stage, subject, values in GOOD:
        record = services.attainment_save(
            actor=personas.designated_teacher,
            child=setting.child,
            academic_year=2025,
            term="spring",
            key_stage=key_stage,
            subject=subject,
            values=values,
        )
        record.refresh_from_db()
        assert (record.key_stage, record.subject, record.values) == (key_stage, subject, values)
        assert record.confirmed is True
    assert AttainmentRecord.objects.count() == len(GOOD)


BAD = [
    ("eyfs", "elg_speaking", {"level": "exceeding"}, "level"),  # not on the 2021 ELG scale
    ("eyfs", "rba", {"score": 40}, "score"),  # out of 39
    ("eyfs", "gld", {"achieved": "maybe"}, "achieved"),
    ("ks1", "reading", {"working_at": "expected"}, "working_at"),
    ("ks1", "phonics", {"mark": 41}, "mark"),
    ("ks2", "mtc", {"score": 26}, "score"),
    ("ks2", "mtc", {"score": "twenty"}, "score"),
    ("ks3", "english", {"band": "way above"}, "band"),
    ("ks3", "english", {"school_grade": "x" * 201}, "school_grade"),
    ("ks4", "maths", {"working_at": "10"}, "working_at"),
    ("ks4", "maths", {"predicted": "A*"}, "predicted"),
    ("ks4", "headline", {"attainment_8": 90.5}, "attainment_8"),
    ("ks4", "headline", {"progress_8": -5.01}, "progress_8"),
    ("ks4", "headline", {"progress_8": 0.125}, "progress_8"),  # three decimal places
    ("post16", "course_1", {"level": "4"}, "level"),
    ("ks2", "maths", {"<script>": "gds"}, "<script>"),  # a field the subject has not
    ("ks2", "phonics", {"mark": 30}, "subject"),  # phonics is a key stage 1 check
    ("ks2", "latin", {"working_at": "exs"}, "subject"),
]


def test_values_off_the_scale_are_refused(personas, setting) -> None:  # type: ignore[no-untyped-def]
    for key_stage, subject, values, field in BAD:
        with pytest.raises(ValidationError) as refused:
            services.attainment_save(
                actor=personas.designated_teacher,
                child=setting.child,
                academic_year=2025,
                term="spring",
                key_stage=key_stage,
                subject=subject,
                values=values,
            )
        assert field in refused.value.message_dict, (key_stage, subject, values)
    assert not AttainmentRecord.objects.exists()


def test_a_wrong_term_or_key_stage_is_refused(personas, setting) -> None:  # type: ignore[no-untyped-def]
    for term, key_stage, field in (("winter", "ks2", "term"), ("autumn", "ks9", "key_stage")):
        with pytest.raises(ValidationError) as refused:
            services.attainment_save(
                actor=personas.designated_teacher,
                child=setting.child,
                academic_year=2025,
                term=term,
                key_stage=key_stage,
                subject="maths",
                values={"working_at": "exs"},
            )
        assert field in refused.value.message_dict


# --- carry-forward ------------------------------------------------------------------------------


def test_the_next_termly_pep_starts_with_last_terms_values_to_confirm(
    personas, pep_setting
) -> None:  # type: ignore[no-untyped-def]
    child = pep_setting.child
    teacher = personas.designated_teacher
    # Zara (born 5 May 2015) is in Year 7 in 2026/27: key stage 3. In 2025/26 she was in
    # Year 6 (key stage 2): that is not carried into key stage 3.
    services.attainment_save(
        actor=teacher,
        child=child,
        academic_year=2025,
        term="summer",
        key_stage="ks2",
        subject="reading",
        values={"working_at": "exs"},
    )
    for subject, band in (("english", "at"), ("maths", "below")):
        services.attainment_save(
            actor=teacher,
            child=child,
            academic_year=2026,
            term="autumn",
            key_stage="ks3",
            subject=subject,
            values={"band": band},
        )
    pep_set_up(
        actor=personas.virtual_school_staff, child=child, academic_year=2026, term=Term.SPRING
    )
    spring = AttainmentRecord.objects.filter(child=child, academic_year=2026, term="spring")
    assert sorted(spring.values_list("key_stage", "subject", "values", "confirmed")) == [
        ("ks3", "english", {"band": "at"}, False),
        ("ks3", "maths", {"band": "below"}, False),
    ]
    # The teacher changes maths (which confirms it) and confirms the rest as they are.
    services.attainment_save(
        actor=teacher,
        child=child,
        academic_year=2026,
        term="spring",
        key_stage="ks3",
        subject="maths",
        values={"band": "at"},
    )
    assert (
        services.attainment_confirm(actor=teacher, child=child, academic_year=2026, term="spring")
        == 1
    )
    assert sorted(spring.values_list("subject", "values", "confirmed")) == [
        ("english", {"band": "at"}, True),
        ("maths", {"band": "at"}, True),
    ]
    # Autumn is untouched by spring's changes.
    autumn = AttainmentRecord.objects.get(
        child=child, academic_year=2026, term="autumn", subject="maths"
    )
    assert autumn.values == {"band": "below"}
    # Carrying forward twice makes nothing new.
    assert (
        services.attainment_carry_forward(children=[child], academic_year=2026, term="spring") == 0
    )


# --- who may record; history ---------------------------------------------------------------------


def test_only_the_school_and_the_virtual_school_record(personas, setting) -> None:  # type: ignore[no-untyped-def]
    def record(user):  # type: ignore[no-untyped-def]
        return services.exclusion_record(
            actor=user,
            child=setting.child,
            kind="suspension",
            started_on=dt.date(2025, 10, 6),
            sessions_lost=4,
            reason="PD",
        )

    for outsider in (
        personas.social_worker,
        personas.carer,
        personas.other_school_teacher,
        personas.other_authority_virtual_school_staff,
    ):
        with pytest.raises(PermissionDenied):
            record(outsider)
    assert not ExclusionEvent.objects.exists()
    event = record(personas.designated_teacher)
    # The social worker sees it; an unrelated one does not.
    assert child_outcomes(user=personas.social_worker, child=setting.child).exclusions == [event]
    with pytest.raises(PermissionDenied):
        child_outcomes(user=personas.unrelated_social_worker, child=setting.child)
    # The school is the child's current one, and the history says who recorded it.
    assert event.school == setting.school
    assert [h.history_user for h in event.history.all()] == [personas.designated_teacher]


BAD_EXCLUSIONS = [
    ({"kind": "expelled"}, "kind"),
    ({"reason": "ZZ"}, "reason"),
    ({"sessions_lost": -2}, "sessions_lost"),
    ({"sessions_lost": 401}, "sessions_lost"),
    ({"started_on": dt.date(2099, 1, 1)}, "started_on"),
]


def test_bad_exclusions_are_refused(personas, setting) -> None:  # type: ignore[no-untyped-def]
    for changes, field in BAD_EXCLUSIONS:
        details = {
            "kind": "suspension",
            "started_on": dt.date(2025, 10, 6),
            "sessions_lost": 4,
            "reason": "PD",
        } | changes
        with pytest.raises(ValidationError) as refused:
            services.exclusion_record(
                actor=personas.designated_teacher, child=setting.child, **details
            )
        assert field in refused.value.message_dict, changes
    assert not ExclusionEvent.objects.exists()


def test_each_alert_is_raised_once(personas, setting) -> None:  # type: ignore[no-untyped-def]
    child = setting.child
    teacher = personas.designated_teacher
    services.exclusion_record(
        actor=teacher,
        child=child,
        kind="suspension",
        started_on=dt.date(2025, 10, 6),
        sessions_lost=4,
        reason="PD",
    )
    services.exclusion_record(
        actor=teacher,
        child=child,
        kind="permanent",
        started_on=dt.date(2025, 11, 3),
        sessions_lost=20,
        reason="PA",
    )
    # The same term's attendance corrected twice, under the line both times: told once.
    for present in (170, 171):
        services.attendance_save(
            actor=teacher,
            child=child,
            academic_year=2025,
            term="autumn",
            possible=200,
            present=present,
            authorised=10,
            unauthorised=10,
        )
    # 180 of 200 is 90 % exactly: not under the line, no alert for spring.
    services.attendance_save(
        actor=teacher,
        child=child,
        academic_year=2025,
        term="spring",
        possible=200,
        present=180,
        authorised=20,
        unauthorised=0,
    )
    spell = services.missing_education_start(
        actor=teacher, child=child, started_on=dt.date(2026, 1, 5)
    )
    # The default line is 20 days: day 20 is not more than 20, day 21 is; then never again.
    assert services.missing_education_sweep(today=dt.date(2026, 1, 25)) == []
    assert len(services.missing_education_sweep(today=dt.date(2026, 1, 26))) == 1
    assert services.missing_education_sweep(today=dt.date(2026, 1, 27)) == []
    kinds = sorted(OutcomeAlert.objects.filter(child=child).values_list("kind", "about"))
    exclusions = sorted(ExclusionEvent.objects.values_list("pk", flat=True))
    assert kinds == sorted(
        [
            (AlertKind.EXCLUSION, f"exclusion-{exclusions[0]}"),
            (AlertKind.EXCLUSION, f"exclusion-{exclusions[1]}"),
            (AlertKind.PERSISTENT_ABSENCE, "2025-autumn"),
            (AlertKind.MISSING_EDUCATION, f"spell-{spell.pk}"),
        ]
    )


def test_the_lines_are_the_authoritys_rules_to_set(personas) -> None:  # type: ignore[no-untyped-def]
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)

    def save(**changes: object) -> None:
        rule_set_save(
            actor=personas.authority_administrator,
            authority=personas.authority,
            values=dict(MEDWAY.rules, **changes),
            windows=MEDWAY.windows,
        )

    save(persistent_absence_below=Decimal("92.50"), missing_education_alert_days=10)
    rules = PepRuleSet.objects.get(authority=personas.authority)
    assert (rules.persistent_absence_below, rules.missing_education_alert_days) == (
        Decimal("92.50"),
        10,
    )
    assert rules.provenance["education_outcomes"].startswith("Changed in the portal by Ada")
    with pytest.raises(ValidationError, match="must not be above the persistent"):
        save(severe_absence_below=Decimal("95.00"))
