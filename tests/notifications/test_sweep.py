"""The deadline sweep: each deadline kind once, nothing twice, escalation order, and e-mails
that never name a child."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from meetings.services import meeting_arrange
from pep_portal.accounts.models import User
from pep_portal.notifications.models import EVENT_KINDS, Kind, Notification, Stage
from pep_portal.notifications.services import sweep_deadlines, termly_set_up
from peps.models import Pep, Term
from peps.services import pep_record_meeting_held
from tests.concurrency import run_at_once
from tests.meetings.test_meetings import at
from tests.peps.fixtures import complete, teacher_sections_done


@pytest.fixture
def pep_setting(pep_setting):  # type: ignore[no-untyped-def]
    """These tests are about the sweep: what setting Zara up told people (she is new to care,
    Dee delegated her) is put aside; tests/notifications/test_events.py tests it."""
    Notification.objects.filter(kind__in=EVENT_KINDS).delete()
    User.objects.update(unread_notifications=0)
    return pep_setting


# Zara's Autumn 2026 PEP is due 31 December; Medway: reminders 3 days before, escalation 5
# days after.


def kinds_and_stages(**filters: object) -> set[tuple[str, str, str]]:
    return set(
        Notification.objects.exclude(kind__in=EVENT_KINDS)
        .filter(**filters)
        .values_list("kind", "stage", "recipient__full_name")
    )


def test_no_meeting_arranged_reminds_then_is_due_then_escalates(personas, pep_setting):
    assert sweep_deadlines(today=dt.date(2026, 12, 27)) == []
    sweep_deadlines(today=dt.date(2026, 12, 28))
    assert kinds_and_stages() == {(Kind.NO_MEETING_ARRANGED, Stage.REMINDER, "Alice Social")}
    sweep_deadlines(today=dt.date(2026, 12, 31))
    sweep_deadlines(today=dt.date(2027, 1, 5))
    assert kinds_and_stages(stage=Stage.ESCALATED) == {
        (Kind.NO_MEETING_ARRANGED, Stage.ESCALATED, "Alice Social"),
        (Kind.NO_MEETING_ARRANGED, Stage.ESCALATED, "Vic School"),  # the adviser, last
    }
    assert Notification.objects.count() == 4


def test_a_second_run_sends_nothing_new(pep_setting):
    first = sweep_deadlines(today=dt.date(2027, 1, 9))
    assert first
    assert sweep_deadlines(today=dt.date(2027, 1, 9)) == []
    assert Notification.objects.count() == len(first)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_notification_once(personas, pep_setting):
    # Zara's Autumn 2026 PEP, due 31 December with no meeting, is escalated on 9 January to
    # Alice Social and Vic School: two notifications between the two sweeps, none twice.
    sent = run_at_once(lambda: sweep_deadlines(today=dt.date(2027, 1, 9)))
    keys = [due.key for each in sent for due in each]
    assert len(keys) == len(set(keys)) == 2
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == sorted(keys)
    assert kinds_and_stages() == {
        (Kind.NO_MEETING_ARRANGED, Stage.ESCALATED, "Alice Social"),
        (Kind.NO_MEETING_ARRANGED, Stage.ESCALATED, "Vic School"),
    }


def test_teacher_sections_due_before_the_meeting(personas, pep_setting):
    # (Medway's care information, also due then, is chased too: tests/notifications/
    # test_chasing.py.)
    complete(personas.social_worker, pep_setting.section("care_information"))
    meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(dt.date(2026, 12, 8))
    )  # sections due Tue 1 December
    sweep_deadlines(today=dt.date(2026, 11, 28))
    assert (Kind.TEACHER_SECTIONS_DUE, Stage.REMINDER, "Dee Teacher") in kinds_and_stages()
    teacher_sections_done(personas, pep_setting)
    before = Notification.objects.count()
    sweep_deadlines(today=dt.date(2026, 12, 1))
    assert Notification.objects.filter(kind=Kind.TEACHER_SECTIONS_DUE).count() == 1
    assert Notification.objects.count() == before


def test_submission_due_after_the_meeting(personas, pep_setting):
    teacher_sections_done(personas, pep_setting)
    pep_record_meeting_held(
        actor=personas.social_worker, pep=pep_setting.pep, held_on=dt.date(2026, 11, 10)
    )  # submit by Fri 13 November
    sweep_deadlines(today=dt.date(2026, 11, 13))
    assert (Kind.SUBMISSION_DUE, Stage.DUE, "Alice Social") in kinds_and_stages()


def test_initial_pep_due(personas, pep_setting):
    from peps.services import pep_set_up

    pep = pep_set_up(
        actor=personas.virtual_school_staff,
        child=pep_setting.child,
        academic_year=2026,
        term=Term.INITIAL,
    )
    assert pep.due_on == dt.date(2026, 9, 28)  # 14 Sep, emergency placement: 10 school days
    sweep_deadlines(today=pep.due_on)
    assert (Kind.INITIAL_PEP_DUE, Stage.DUE, "Alice Social") in kinds_and_stages()


def test_emails_name_no_child_and_carry_only_a_link(
    personas, pep_setting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sweep_deadlines(today=dt.date(2027, 1, 9))
    assert mail.outbox
    child = pep_setting.child
    secrets = [
        child.legal_first_name,
        child.legal_last_name,
        child.display_name,
        child.date_of_birth.isoformat(),
        child.date_of_birth.strftime("%-d %B %Y"),
        child.legal_first_name[0] + child.legal_last_name[0],
        child.upn or "no-upn",
        child.social_care_id or "no-id",
    ]
    for message in mail.outbox:
        text = message.subject + "\n" + message.body
        for secret in secrets:
            assert secret not in text, secret
        assert "https://pep-portal.test/notifications/" in text


def test_daily_digest_sends_one_email_per_person(personas, pep_setting):
    from pep_portal.notifications.services import send_daily_digests

    personas.social_worker.email_notifications = "daily"
    personas.social_worker.save()
    sweep_deadlines(today=dt.date(2027, 1, 9))
    mail.outbox.clear()
    assert send_daily_digests() >= 1
    to_alice = [m for m in mail.outbox if m.to == [personas.social_worker.email]]
    assert len(to_alice) == 1 and "Zara" not in to_alice[0].body
    assert send_daily_digests() == 0


def test_notification_centre_and_unread_count(client, personas, pep_setting):
    sweep_deadlines(today=dt.date(2027, 1, 9))
    client.force_login(personas.social_worker)
    home = client.get(reverse("home")).content.decode()
    # One: Zara's PEP escalated to Alice on 9 January.
    assert '>1<span class="govuk-visually-hidden"> unread</span>' in home
    page = client.get(reverse("notification_list")).content.decode()
    assert "Zara Quill: arrange the PEP meeting, due by 31 December" in page
    client.post(reverse("notification_read"))
    personas.social_worker.refresh_from_db()
    assert personas.social_worker.unread_notifications == 0


def test_sweep_command_with_a_date_and_a_dry_run(pep_setting, capsys):
    call_command("sweep_deadlines", "--date", "2027-01-09", "--dry-run")
    out = capsys.readouterr().out
    assert "Would send" in out and "no_meeting_arranged" in out
    assert not Notification.objects.exists()
    call_command("sweep_deadlines", "--date", "2027-01-09")
    assert Notification.objects.exists()


def test_termly_set_up_creates_each_childs_pep_once(personas, pep_setting):
    made = termly_set_up(today=dt.date(2026, 12, 20))  # two weeks before Spring opens
    assert sum(made.values()) == 1
    assert Pep.objects.filter(child=pep_setting.child, term=Term.SPRING).count() == 1
    assert termly_set_up(today=dt.date(2026, 12, 21)) == {}
    assert Notification.objects.filter(kind=Kind.PEPS_SET_UP).count() == 1


def test_beat_schedule_has_each_job_in_utc():
    from django.conf import settings

    # Beat ticks; the daily jobs are queued once a day by the tick (pep_portal/scheduling).
    tasks = {job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks == {
        "pep_portal.scheduling.tasks.run_due_daily_jobs_task",
        "pep_portal.outbox.tasks.relay_outbox_task",
        # File jobs whose worker went quiet are queued again (pep_portal/filejobs).
        "pep_portal.filejobs.tasks.requeue_stale_file_jobs_task",
    }
    daily = {name: (job["task"], job["at"]) for name, job in settings.DAILY_JOBS.items()}
    assert daily == {
        "nightly-housekeeping": ("pep_portal.scheduling.tasks.housekeeping_task", "02:00"),
        "retention": ("pep_portal.operations.tasks.apply_retention_task", "02:30"),
        "nightly-access-check": ("pep_portal.notifications.tasks.check_access_task", "03:30"),
        "termly-set-up": ("pep_portal.notifications.tasks.termly_set_up_task", "04:00"),
        "daily-deadline-sweep": ("pep_portal.notifications.tasks.sweep_deadlines_task", "05:00"),
        "daily-digests": ("pep_portal.notifications.tasks.send_daily_digests_task", "07:00"),
    }
    assert settings.CELERY_TIMEZONE == "UTC"


def test_qa_waiting_too_long_goes_to_the_quality_assurers(personas, pep_setting):
    from django.utils import timezone

    from quality_assurance.services import qa_framework_load_preset

    qa_framework_load_preset(authority=personas.authority, preset="good_ri_inadequate")
    personas.virtual_school_staff.is_vs_quality_assurer = True
    personas.virtual_school_staff.save()
    Pep.objects.filter(pk=pep_setting.pep.pk).update(
        status="submitted", submitted_at=timezone.make_aware(dt.datetime(2026, 11, 2, 9))
    )
    assert not sweep_deadlines(today=dt.date(2026, 11, 11))  # within the 10 days
    sweep_deadlines(today=dt.date(2026, 11, 12))
    assert (Kind.QA_WAITING, Stage.DUE, "Vic School") in kinds_and_stages()


def test_pp_plus_cutoff_warns_the_designated_teachers_fourteen_days_before(personas, pep_setting):
    assert not Notification.objects.filter(kind=Kind.PP_CUTOFF).exists()
    # Medway: the last date accepted is 22 March, so teachers are told from 8 March.
    sweep_deadlines(today=dt.date(2027, 3, 7))
    assert not Notification.objects.filter(kind=Kind.PP_CUTOFF).exists()
    sweep_deadlines(today=dt.date(2027, 3, 8))
    assert list(
        Notification.objects.filter(kind=Kind.PP_CUTOFF).values_list(
            "recipient__full_name", flat=True
        )
    ) == ["Dee Teacher"]


def test_the_pp_plus_reminder_period_is_the_rule_sets(personas, pep_setting):
    from pep_portal.calendars.models import PepRuleSet

    PepRuleSet.objects.filter(authority=personas.authority).update(pp_plus_reminder_days=7)
    sweep_deadlines(today=dt.date(2027, 3, 14))  # Medway: 22 March, now 7 days before
    assert not Notification.objects.filter(kind=Kind.PP_CUTOFF).exists()
    sweep_deadlines(today=dt.date(2027, 3, 15))
    assert Notification.objects.filter(kind=Kind.PP_CUTOFF).count() == 1


def test_reminder_and_escalation_days_are_the_rule_sets(personas, pep_setting):
    from pep_portal.calendars.models import PepRuleSet

    PepRuleSet.objects.filter(authority=personas.authority).update(
        reminder_lead_days=10, escalate_after_days=1
    )
    # Zara's Autumn 2026 PEP is due 31 December: reminded from 21 December, escalated on 1 January.
    assert sweep_deadlines(today=dt.date(2026, 12, 20)) == []
    sweep_deadlines(today=dt.date(2026, 12, 21))
    assert kinds_and_stages() == {(Kind.NO_MEETING_ARRANGED, Stage.REMINDER, "Alice Social")}
    sweep_deadlines(today=dt.date(2027, 1, 1))
    assert (Kind.NO_MEETING_ARRANGED, Stage.ESCALATED, "Vic School") in kinds_and_stages()


def test_defect_14_sweep_command_prints_ids_and_counts_never_childrens_names(
    personas, pep_setting, capsys
):
    # Zara Quill's Autumn PEP (due 31 December, no meeting arranged) is escalated on 9 January
    # to her social worker (Alice Social) and her adviser (Vic School): two notifications.
    pep = pep_setting.pep
    for args in (["--dry-run"], []):
        call_command("sweep_deadlines", "--date", "2027-01-09", *args)
        out = capsys.readouterr().out
        for name in ("Zara", "Quill", "Alice", "Vic School"):
            assert name not in out
        assert f"item pep{pep.pk}  user" in out
        assert f"user {personas.social_worker.pk}" in out
        assert f"user {personas.virtual_school_staff.pk}" in out
        assert "no_meeting_arranged escalated: 2" in out
    assert "Sent 2 notification(s)" in out
    assert Notification.objects.count() == 2


def test_new_notifications_queue_one_email_task_per_batch_of_people_not_per_notification(
    personas, pep_setting, django_capture_on_commit_callbacks
):
    from pep_portal.notifications.services import Due, notify
    from pep_portal.outbox.models import OutboxTask

    sw, teacher = personas.social_worker, personas.designated_teacher
    User.objects.filter(pk__in=[sw.pk, teacher.pk]).update(email_notifications="immediate")
    dues = [
        Due(person.pk, Kind.SUBMISSION_DUE, Stage.REMINDER, f"pep-{n}", None, "Due", "/")
        for person in (sw, teacher)
        for n in range(3)
    ]
    with django_capture_on_commit_callbacks() as published:
        created = notify(dues)
    assert len(created) == 6
    tasks = OutboxTask.objects.filter(
        task_name="pep_portal.notifications.tasks.send_notification_emails"
    ).order_by("pk")
    # One task for the two of them (a batch holds up to 500 people): the first person's three
    # notifications, then the other's; every e-mail sent once.
    mine = {
        person: sorted(pk for pk, p, _ in created if p == person) for person in (sw.pk, teacher.pk)
    }
    first, second = sorted(mine)
    ours = {pk for pk, _, _ in created}
    batches = [task.args[0] for task in tasks if ours & set(task.args[0])]
    assert batches == [mine[first] + mine[second]]
    for publish in published:  # the commit: the tasks go to the broker and run
        publish()
    assert len(mail.outbox) >= 6
    assert not Notification.objects.filter(pk__in=ours, emailed_at__isnull=True).exists()
