"""Retention: each authority's rule says how long a child's record is kept after they left care;
the nightly job deletes the whole record (with its history and files) once that time is up, and
reports counts only."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from children.models import CareEpisode, Child, Delegation
from documents.services import signed_off_pdf_name
from pep_portal.operations.models import KeepUntil, RetentionAction, RetentionRule
from pep_portal.operations.retention import apply_retention, children_due
from peps.models import Pep, PepSection, private_storage
from tests.children.fixtures import register

TODAY = dt.date(2026, 12, 7)


def leave_care(child: Child, on: dt.date, born: dt.date) -> None:
    CareEpisode.objects.filter(child=child).update(
        started_on=on - dt.timedelta(days=700), ended_on=on
    )
    Child.objects.filter(pk=child.pk).update(date_of_birth=born)


@pytest.fixture
def children(personas, pep_setting):  # type: ignore[no-untyped-def]
    """Zara (with her PEP) left care in 2019 and turned 25 in January 2026; Yan left care too
    but is 24; Xavi is 30 and still in care; Wren, of another authority, is like Zara."""
    school = personas.designated_teacher.school
    zara = pep_setting.child
    leave_care(zara, dt.date(2019, 3, 31), born=dt.date(2001, 1, 15))
    yan = register(personas, school=school, name="Yan")
    leave_care(yan, dt.date(2020, 7, 20), born=dt.date(2002, 1, 15))
    xavi = register(personas, school=school, name="Xavi")
    Child.objects.filter(pk=xavi.pk).update(date_of_birth=dt.date(1996, 5, 5))
    wren = register(personas, school=school, name="Wren")
    Child.objects.filter(pk=wren.pk).update(authority=personas.other_authority)
    leave_care(wren, dt.date(2019, 3, 31), born=dt.date(2001, 1, 15))
    return {"zara": zara, "yan": yan, "xavi": xavi, "wren": wren, "pep": pep_setting.pep}


def test_a_record_is_due_at_the_25th_birthday_only_once_out_of_care(personas, children):
    rule = RetentionRule.objects.create(
        authority=personas.authority, keep_until=KeepUntil.BIRTHDAY_25
    )
    assert children_due(rule=rule, today=dt.date(2026, 1, 14)) == []
    assert children_due(rule=rule, today=dt.date(2026, 1, 15)) == [children["zara"]]
    assert children_due(rule=rule, today=dt.date(2027, 1, 15)) == [
        children["zara"],
        children["yan"],
    ]


def test_a_record_is_due_a_number_of_years_after_the_child_left_care(personas, children):
    rule = RetentionRule.objects.create(
        authority=personas.authority, keep_until=KeepUntil.YEARS_AFTER_CARE, years=7
    )
    assert children_due(rule=rule, today=dt.date(2026, 3, 30)) == []
    assert children_due(rule=rule, today=dt.date(2026, 3, 31)) == [children["zara"]]
    # A child back in care (a new open period) is never due, whatever happened before.
    CareEpisode.objects.create(
        child=children["zara"], started_on=dt.date(2026, 1, 1), legal_status="C2"
    )
    assert children_due(rule=rule, today=dt.date(2026, 3, 31)) == []


def test_the_nightly_job_deletes_the_whole_record_its_history_and_files(
    personas, children, django_capture_on_commit_callbacks
):
    RetentionRule.objects.create(
        authority=personas.authority,
        keep_until=KeepUntil.BIRTHDAY_25,
        action=RetentionAction.DELETE,
    )
    # Wren's authority has the same rule but only counts.
    RetentionRule.objects.create(
        authority=personas.other_authority, keep_until=KeepUntil.BIRTHDAY_25
    )
    zara, pep = children["zara"], children["pep"]
    assert Delegation.objects.filter(child=zara).exists()  # pep_setting granted one
    kept = private_storage().save(signed_off_pdf_name(pep), ContentFile(b"%PDF-1.7 kept\n"))
    sections = set(PepSection.objects.filter(pep=pep).values_list("pk", flat=True))
    assert sections and Child.history.filter(id=zara.pk).exists()
    assert Pep.history.filter(id=pep.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        report = apply_retention(today=TODAY)

    assert report.due == {personas.authority.pk: 1, personas.other_authority.pk: 1}
    assert report.deleted == {personas.authority.pk: 1}
    # The child, its period in care, placement, school place, delegation; the PEP, its
    # sections; and more (permissions, notifications).
    assert report.rows_deleted >= len(sections) + 6
    assert not Child.objects.filter(pk=zara.pk).exists()
    assert not Pep.objects.filter(pk=pep.pk).exists()
    assert not PepSection.objects.filter(pk__in=sections).exists()
    assert not Delegation.objects.filter(child_id=zara.pk).exists()
    assert not Child.history.filter(id=zara.pk).exists()
    assert not Pep.history.filter(id=pep.pk).exists()
    assert not PepSection.history.filter(id__in=sections).exists()
    assert not private_storage().exists(kept)
    # Everyone else's record, and its history, is untouched.
    others = [children[name].pk for name in ("yan", "xavi", "wren")]
    assert Child.objects.filter(pk__in=others).count() == 3
    assert Child.history.filter(id__in=others).count() >= 3


def test_a_dry_run_and_a_report_only_rule_delete_nothing(personas, children):
    RetentionRule.objects.create(
        authority=personas.authority,
        keep_until=KeepUntil.BIRTHDAY_25,
        action=RetentionAction.DELETE,
    )
    report = apply_retention(today=TODAY, dry_run=True)
    assert (report.due, report.deleted) == ({personas.authority.pk: 1}, {})
    RetentionRule.objects.update(action=RetentionAction.REPORT)
    assert apply_retention(today=TODAY).deleted == {}
    assert Child.objects.filter(pk=children["zara"].pk).exists()


def test_the_command_prints_counts_and_no_names(personas, children, capsys):
    RetentionRule.objects.create(authority=personas.authority, keep_until=KeepUntil.BIRTHDAY_25)
    call_command("apply_retention", "--date", "2026-12-07", "--dry-run")
    out = capsys.readouterr().out
    assert f"'due': {{{personas.authority.pk}: 1}}" in out
    assert "Zara" not in out and "Quill" not in out


def test_a_years_after_care_rule_needs_a_number_of_years(personas):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionRule.objects.create(
            authority=personas.authority, keep_until=KeepUntil.YEARS_AFTER_CARE, years=0
        )


# --- the e-mail addresses of invitees without an account ---------------------------------------


def test_an_invitees_address_is_removed_the_set_number_of_days_after_the_meeting(
    personas, pep_setting, settings, django_capture_on_commit_callbacks
):
    """Mary and Fay (no accounts) are e-mailed about Zara's Autumn meeting on Tue 10 November
    2026, the psychologist about her Spring one on Wed 3 February 2027. With 30 days set, the
    nightly job keeps their addresses up to Thu 10 December and removes Mary's and Fay's on Fri
    11 December: 10 November + 30 days = 10 December."""
    from django.core import mail

    from meetings.services import care_team_invitees, meeting_arrange
    from pep_portal.notifications.models import InviteeEmail
    from pep_portal.notifications.services import invitee_email_send
    from peps.models import Term
    from peps.services import pep_set_up
    from tests.meetings.test_meetings import HELD, NEXT, at
    from tests.notifications.test_events import AGENCY, EP, MUM

    settings.INVITEE_EMAIL_KEEP_DAYS = 30
    autumn = pep_setting.pep
    with django_capture_on_commit_callbacks(execute=True):
        meeting_arrange(
            actor=personas.social_worker,
            pep=autumn,
            starts_at=at(HELD),
            invitees=[*care_team_invitees(autumn), MUM, AGENCY],
        )
        spring = pep_set_up(
            actor=personas.virtual_school_staff,
            child=pep_setting.child,
            academic_year=2026,
            term=Term.SPRING,
        )
        meeting_arrange(
            actor=personas.social_worker,
            pep=spring,
            starts_at=at(NEXT),
            invitees=[*care_team_invitees(spring), EP],
        )
    sent = dict(InviteeEmail.objects.values_list("email", "emailed_at"))
    assert set(sent) == {"mary.q@example.net", "fay@hearth.test", "ed.psych@northam.test"}
    assert all(sent.values())

    def addresses() -> list[str]:
        return sorted(InviteeEmail.objects.values_list("email", flat=True))

    assert apply_retention(today=dt.date(2026, 12, 10)).invitee_addresses_removed == 0
    assert apply_retention(today=dt.date(2026, 12, 11), dry_run=True).invitee_addresses_removed == 2
    assert len(addresses()) == 3 and "" not in addresses()

    report = apply_retention(today=dt.date(2026, 12, 11))
    assert report.invitee_addresses_removed == 2
    assert addresses() == ["", "", "ed.psych@northam.test"]
    # Nowhere else in the rows either (the key that stopped a second copy named the address);
    # the rows stay as the record that the e-mails were sent, and when.
    for invite in InviteeEmail.objects.filter(email=""):
        assert "@" not in invite.dedupe_key and "mary" not in invite.dedupe_key.lower()
        assert invite.emailed_at is not None
        assert invite.meeting.pep_id == autumn.pk
    assert apply_retention(today=dt.date(2026, 12, 11)).invitee_addresses_removed == 0
    # The Spring meeting's address goes 30 days after 3 February: kept on 5 March, gone on 6.
    assert apply_retention(today=dt.date(2027, 3, 5)).invitee_addresses_removed == 0
    assert apply_retention(today=dt.date(2027, 3, 6)).invitee_addresses_removed == 1
    assert addresses() == ["", "", ""]

    # One still waiting to be sent is never sent once its address is gone.
    waiting = InviteeEmail.objects.filter(meeting__pep=autumn).first()
    assert waiting is not None
    InviteeEmail.objects.filter(pk=waiting.pk).update(emailed_at=None)
    mail.outbox.clear()
    assert invitee_email_send(waiting.pk) is False
    assert mail.outbox == []
