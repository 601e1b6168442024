"""Alerts through the notification centre: a suspension or exclusion recorded, a term's
attendance under the rule set's lines, a child with no setting for too long. Each reaches the
child's virtual school adviser and social worker, once per event, and no one else; the e-mail
names no child. Recipients are written out by hand from the personas (tests/personas.py)."""

import datetime as dt
from typing import Any

from django.core import mail

from children.services import school_move
from outcomes import services
from outcomes.models import MissingEducationSpell
from pep_portal.notifications.models import Kind, Notification
from pep_portal.notifications.services import sweep_deadlines
from tests.notifications.test_events import assert_private, told, zara  # noqa: F401

ADVISER_AND_SOCIAL_WORKER = {"Vic School", "Alice Social"}


def test_each_outcome_alert_reaches_the_adviser_and_social_worker_once(
    personas: Any,
    zara: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    teacher = personas.designated_teacher
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.exclusion_record(
            actor=teacher,
            child=zara,
            kind="suspension",
            started_on=dt.date(2025, 10, 6),
            sessions_lost=4,
            reason="PD",
        )
    assert told(Kind.EXCLUSION_RECORDED) == ADVISER_AND_SOCIAL_WORKER
    assert_private(list(mail.outbox), zara)
    assert {m.to[0] for m in mail.outbox} == {"vic.school@example.org", "alice.social@example.org"}

    # 89 of 100 is under 90 %: told once, however often the term is corrected.
    for present in (89, 88):
        services.attendance_save(
            actor=teacher,
            child=zara,
            academic_year=2025,
            term="autumn",
            possible=100,
            present=present,
            authorised=0,
            unauthorised=100 - present,
        )
    assert told(Kind.ABSENCE_UNDER_LINE) == ADVISER_AND_SOCIAL_WORKER
    assert Notification.objects.filter(kind=Kind.ABSENCE_UNDER_LINE).count() == 2

    # No setting from 1 September: the nightly sweep tells them on the 21st day, once.
    services.missing_education_start(actor=teacher, child=zara, started_on=dt.date(2026, 9, 1))
    sweep_deadlines(today=dt.date(2026, 9, 21))
    assert told(Kind.NO_SETTING) == set()
    sweep_deadlines(today=dt.date(2026, 9, 22))
    sweep_deadlines(today=dt.date(2026, 9, 23))
    assert told(Kind.NO_SETTING) == ADVISER_AND_SOCIAL_WORKER
    assert Notification.objects.filter(kind=Kind.NO_SETTING).count() == 2
    assert Notification.objects.filter(kind=Kind.EXCLUSION_RECORDED).count() == 2


def test_losing_a_school_place_starts_a_spell_that_a_new_place_ends(
    personas: Any,
    setting: Any,
) -> None:
    vic = personas.virtual_school_staff
    child = setting.child
    school_move(actor=vic, child=child, school=None, started_on=dt.date(2026, 9, 15))
    [spell] = MissingEducationSpell.objects.filter(child=child)
    assert (spell.started_on, spell.ended_on) == (dt.date(2026, 9, 15), None)
    sweep_deadlines(today=dt.date(2026, 10, 5))  # 20 days: not more than the line
    assert told(Kind.NO_SETTING) == set()
    sweep_deadlines(today=dt.date(2026, 10, 6))
    assert told(Kind.NO_SETTING) == ADVISER_AND_SOCIAL_WORKER
    school_move(actor=vic, child=child, school=setting.new_school, started_on=dt.date(2026, 10, 20))
    spell.refresh_from_db()
    assert spell.ended_on == dt.date(2026, 10, 19)
