"""Events that reach people (pep_portal/notifications/events.py): for each kind, the people who
must act or know are told, and only they (never the person who made the change, nor a
bystander of the same authority or of another); each is told once; the e-mail names no child
and carries only a link, and a meeting's e-mail carries a calendar entry with its time and a
link. Recipients are written out by hand from the personas (tests/personas.py)."""

# pp_setting is imported from test_pp_support (as its own tests do), so pytest's fixture
# parameter looks to ruff like a redefinition.
# ruff: noqa: F811

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from children.models import Child, LegalStatus, PlacementType
from children.services import (
    care_episode_end,
    care_episode_start,
    child_register,
    delegation_grant,
    placement_change,
    school_move,
)
from meetings.models import AttendeeRole, MeetingStatus, Venue
from meetings.services import Invitee, care_team_invitees, meeting_arrange, meeting_cancel
from pep_portal.notifications import events
from pep_portal.notifications.models import InviteeEmail, Kind, Notification
from pep_portal.notifications.services import send_daily_digests
from peps.models import Pep, PepEvent, PepStatus, Term
from peps.services import pep_record_meeting_held, pep_set_up, pep_submit
from pupil_premium.models import PpStatus
from pupil_premium.services import pp_request_decide
from quality_assurance.models import QaDecision
from quality_assurance.services import framework_for, qa_review_complete
from tests.meetings.test_meetings import HELD, at, everyone_came, record
from tests.peps.fixtures import everything_done
from tests.pupil_premium.test_pp_support import make_request, pp_setting  # noqa: F401

BASE = "https://pep-portal.test/"
# People who must never be told about Zara: a social worker of her authority who is not hers,
# a teacher at another school, and the virtual school and a social worker of another authority.
BYSTANDERS = {"Bob Social", "Otto Teacher", "Sol Virtual", "Sid Social"}


@pytest.fixture
def zara(setting: Any) -> Child:
    """Zara with a UPN, so the privacy checks can look for it."""
    Child.objects.filter(pk=setting.child.pk).update(upn="A801234567890")
    setting.child.refresh_from_db()
    return setting.child


def told(kind: str) -> set[str]:
    return set(
        Notification.objects.filter(kind=kind).values_list("recipient__full_name", flat=True)
    )


def emails_of(capture: Any, action: Callable[[], Any]) -> list[mail.EmailMessage]:
    """Run `action` and deliver what it queued (the outbox publishes after commit)."""
    mail.outbox.clear()
    with capture(execute=True):
        action()
    return list(mail.outbox)


def calendar_of(message: mail.EmailMessage) -> Calendar:
    [(name, content, mimetype)] = message.attachments  # type: ignore[misc]
    assert name.endswith(".ics") and mimetype == "text/calendar"
    return Calendar.from_ical(content)


def assert_private(messages: list[mail.EmailMessage], child: Child) -> None:
    """Nothing in the e-mail, or its calendar entry, says who it is about; it links to the
    portal."""
    assert messages
    secrets = [
        child.legal_first_name,
        child.legal_last_name,
        child.display_name,
        "2015-05-05",
        "20150505",
        "5 May 2015",
        "05/05/2015",
        "A801234567890",
    ]
    for message in messages:
        text = message.subject + "\n" + message.body
        for _, content, _ in message.attachments:  # type: ignore[misc]
            text += "\n" + (content.decode() if isinstance(content, bytes) else content)
        for secret in secrets:
            assert secret not in text, secret
        assert BASE in message.body


def recipients(messages: list[mail.EmailMessage]) -> set[str]:
    return {address for message in messages for address in message.to}


# --- meetings ---------------------------------------------------------------------------------


def test_an_arranged_meeting_reaches_every_invitee_with_its_time_in_a_calendar_entry(
    personas, zara, pep_setting, django_capture_on_commit_callbacks
):
    arranged: dict[str, Any] = {}

    def arrange() -> None:
        arranged["m"] = meeting_arrange(
            actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(HELD)
        ).meeting

    sent = emails_of(django_capture_on_commit_callbacks, arrange)
    # Invited from the care team: Alice (who arranged it), Dee, Carol and Vic.
    assert told(Kind.MEETING_ARRANGED) == {"Dee Teacher", "Carol Carer", "Vic School"}
    assert recipients(sent) == {
        "dee.teacher@example.org",
        "carol.carer@example.org",
        "vic.school@example.org",
    }
    assert_private(sent, zara)
    meeting = arranged["m"]
    for message in sent:
        assert message.subject == "PEP Portal: a pep meeting has been arranged"
        calendar = calendar_of(message)
        assert str(calendar["METHOD"]) == "PUBLISH"
        [event] = calendar.walk("VEVENT")
        # Tuesday 10 November 2026, 14:00 in London (GMT): 14:00 UTC, for an hour.
        assert event.decoded("DTSTART") == dt.datetime(2026, 11, 10, 14, 0, tzinfo=dt.UTC)
        assert event.decoded("DTEND") == dt.datetime(2026, 11, 10, 15, 0, tzinfo=dt.UTC)
        assert str(event["SUMMARY"]) == "PEP meeting"
        assert str(event["URL"]) == f"{BASE}meetings/{meeting.pk}/"
        assert str(event["UID"]) == f"pep{pep_setting.pep.pk}-meeting0@pep-portal.test"
        assert "LOCATION" not in event and "ATTENDEE" not in event
    # In the portal the invitee reads whose meeting it is.
    dee = Notification.objects.get(
        kind=Kind.MEETING_ARRANGED, recipient=personas.designated_teacher
    )
    assert dee.message == (
        "Zara Quill: the Autumn PEP 2026/27 meeting is arranged for Tuesday 10 November 2026 "
        "at 14:00"
    )


def test_a_moved_meeting_updates_the_same_calendar_entry(
    personas, zara, pep_setting, django_capture_on_commit_callbacks
):
    first = emails_of(
        django_capture_on_commit_callbacks,
        lambda: meeting_arrange(
            actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(HELD)
        ),
    )
    moved = emails_of(
        django_capture_on_commit_callbacks,
        lambda: meeting_arrange(
            actor=personas.social_worker,
            pep=pep_setting.pep,
            starts_at=at(dt.date(2026, 11, 12), hour=10),
        ),
    )
    assert told(Kind.MEETING_MOVED) == {"Dee Teacher", "Carol Carer", "Vic School"}
    assert_private(moved, zara)
    before = calendar_of(first[0]).walk("VEVENT")[0]
    after = calendar_of(moved[0]).walk("VEVENT")[0]
    assert str(after["UID"]) == str(before["UID"])
    assert after.decoded("DTSTART") == dt.datetime(2026, 11, 12, 10, 0, tzinfo=dt.UTC)
    assert int(after["SEQUENCE"]) >= int(before["SEQUENCE"])


def test_a_cancelled_meeting_cancels_the_calendar_entry(
    personas, zara, pep_setting, django_capture_on_commit_callbacks
):
    meeting = meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(HELD)
    ).meeting
    sent = emails_of(
        django_capture_on_commit_callbacks,
        lambda: meeting_cancel(actor=personas.social_worker, meeting=meeting),
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert told(Kind.MEETING_CANCELLED) == {"Dee Teacher", "Carol Carer", "Vic School"}
    assert_private(sent, zara)
    calendar = calendar_of(sent[0])
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"pep{pep_setting.pep.pk}-meeting0@pep-portal.test"


# Invitees without an account: recorded by hand with their role, organisation, e-mail and phone.
MUM = Invitee("Mary Quill", AttendeeRole.PARENT, None, "", "Mary.Q@example.net", "07700 900111")
AGENCY = Invitee("Fay Foster", AttendeeRole.CARER, None, "Hearth Fostering", "fay@hearth.test")
EP = Invitee("Ed Psych", AttendeeRole.OTHER, None, "Northam EPS", "ed.psych@northam.test")
NO_EMAIL = Invitee("Gran Quill", AttendeeRole.PARENT, None, "", "", "07700 900222")
ALICE_CONTACT = "Alice Social, Northam Council, alice.social@example.org"


def to_guests(messages: list[mail.EmailMessage]) -> dict[str, mail.EmailMessage]:
    """The e-mails to invitees without an account, by address."""
    guests = {"mary.q@example.net", "fay@hearth.test", "ed.psych@northam.test"}
    return {m.to[0]: m for m in messages if m.to[0] in guests}


def assert_private_for_guests(messages: list[mail.EmailMessage], child: Child) -> None:
    """As assert_private, but with no link: they cannot sign in."""
    for message in messages:
        text = message.subject + "\n" + message.body
        for _, content, _ in message.attachments:  # type: ignore[misc]
            text += "\n" + (content.decode() if isinstance(content, bytes) else content)
        for secret in (child.legal_first_name, child.legal_last_name, child.display_name):
            assert secret not in text, secret
        for secret in ("A801234567890", "2015", BASE, "http"):
            assert secret not in text, secret


def test_invitees_without_an_account_get_the_time_place_organiser_and_reference(
    personas, zara, pep_setting, django_capture_on_commit_callbacks
):
    pep = pep_setting.pep
    invitees = [*care_team_invitees(pep), MUM, AGENCY, NO_EMAIL]
    sent = emails_of(
        django_capture_on_commit_callbacks,
        lambda: meeting_arrange(
            actor=personas.social_worker,
            pep=pep,
            starts_at=at(HELD),
            venue_details="Room 4",
            invitees=invitees,
        ),
    )
    # Those with accounts as before; the two with an e-mail address, once each; Gran (no
    # address) and nobody else.
    assert recipients(sent) == {
        "dee.teacher@example.org",
        "carol.carer@example.org",
        "vic.school@example.org",
        "mary.q@example.net",
        "fay@hearth.test",
    }
    guests = to_guests(sent)
    assert set(guests) == {"mary.q@example.net", "fay@hearth.test"}
    assert_private_for_guests(list(guests.values()), zara)
    reference = f"PEP{pep.pk}-MEETING0"
    for message in guests.values():
        assert message.subject == (
            f"PEP Portal: A PEP meeting has been arranged (reference {reference})"
        )
        assert "When: Tuesday 10 November 2026 at 14:00" in message.body
        assert "Where: At school: Northam High School, Room 4" in message.body
        assert f"Meeting reference: {reference}" in message.body
        assert ALICE_CONTACT in message.body
        [event] = calendar_of(message).walk("VEVENT")
        assert event.decoded("DTSTART") == dt.datetime(2026, 11, 10, 14, 0, tzinfo=dt.UTC)
        assert str(event["LOCATION"]) == "At school: Northam High School, Room 4"
        assert str(event["DESCRIPTION"]) == (
            f"Meeting reference: {reference}. Organiser: {ALICE_CONTACT}"
        )
        # The same calendar entry as the care team's, so a move updates it; no link.
        assert str(event["UID"]) == f"pep{pep.pk}-meeting0@pep-portal.test"
        assert "URL" not in event
    # Recorded once each, and the event passed on again sends nothing more.
    assert InviteeEmail.objects.filter(emailed_at__isnull=False).count() == 2
    again = emails_of(
        django_capture_on_commit_callbacks,
        lambda: events.meeting_arranged(
            meeting=pep.meetings.get(), moved_from=None, actor=personas.social_worker
        ),
    )
    assert again == []


def test_an_invitee_address_that_is_not_one_valid_address_is_not_written_to(
    personas, zara, pep_setting, django_capture_on_commit_callbacks
):
    hostile = [
        Invitee("Injected", AttendeeRole.OTHER, None, "", "mum@example.net\nBcc: all@evil.test"),
        Invitee("Typo", AttendeeRole.OTHER, None, "", "not-an-address"),
        Invitee("Two", AttendeeRole.OTHER, None, "", "a@example.net, b@example.net"),
    ]
    sent = emails_of(
        django_capture_on_commit_callbacks,
        lambda: meeting_arrange(
            actor=personas.social_worker,
            pep=pep_setting.pep,
            starts_at=at(HELD),
            invitees=[*care_team_invitees(pep_setting.pep), MUM, *hostile],
        ),
    )
    # Mary and the care team only; nothing recorded for the others, nothing failed.
    assert recipients(sent) == {
        "dee.teacher@example.org",
        "carol.carer@example.org",
        "vic.school@example.org",
        "mary.q@example.net",
    }
    assert list(InviteeEmail.objects.values_list("email", flat=True)) == ["mary.q@example.net"]


def test_invitees_without_an_account_are_told_of_a_move_and_a_cancellation(
    personas, zara, pep_setting, django_capture_on_commit_callbacks
):
    pep = pep_setting.pep
    team = care_team_invitees(pep)
    meeting_arrange(
        actor=personas.social_worker,
        pep=pep,
        starts_at=at(HELD),
        invitees=[*team, MUM, AGENCY],
    )
    # Moved online, with Mary still invited, Fay no longer, and the psychologist added.
    moved = emails_of(
        django_capture_on_commit_callbacks,
        lambda: meeting_arrange(
            actor=personas.social_worker,
            pep=pep,
            starts_at=at(dt.date(2026, 11, 12), hour=10),
            venue=Venue.ONLINE,
            online_link="https://teams.example.test/meet/secret-room",
            invitees=[*team, MUM, EP],
        ),
    )
    guests = to_guests(moved)
    assert_private_for_guests(list(guests.values()), zara)
    kinds = {email: m.subject.split(" (")[0] for email, m in guests.items()}
    assert kinds == {
        "mary.q@example.net": "PEP Portal: A PEP meeting has been moved",
        "ed.psych@northam.test": "PEP Portal: A PEP meeting has been arranged",
        "fay@hearth.test": "PEP Portal: A PEP meeting has been cancelled",
    }
    mary = guests["mary.q@example.net"]
    assert "When: Thursday 12 November 2026 at 10:00" in mary.body
    # The joining link is never e-mailed: the organiser sends it.
    assert "Where: Online (Teams): the organiser will send you the link to join" in mary.body
    assert "teams.example.test" not in mary.body + str(mary.attachments[0][1])  # type: ignore[index]
    fay = calendar_of(guests["fay@hearth.test"])
    assert str(fay["METHOD"]) == "CANCEL"
    assert fay.walk("VEVENT")[0].decoded("DTSTART") == dt.datetime(
        2026, 11, 10, 14, 0, tzinfo=dt.UTC
    )
    # Called off: Mary and the psychologist are told, Fay (told already) is not told again.
    meeting = pep.meetings.get(status=MeetingStatus.ARRANGED)
    cancelled = emails_of(
        django_capture_on_commit_callbacks,
        lambda: meeting_cancel(actor=personas.designated_teacher, meeting=meeting),
    )
    guests = to_guests(cancelled)
    assert set(guests) == {"mary.q@example.net", "ed.psych@northam.test"}
    for message in guests.values():
        assert "will not take place" in message.body
        assert "Dee Teacher, Northam High School, dee.teacher@example.org" in message.body
        assert str(calendar_of(message)["METHOD"]) == "CANCEL"


def test_invitees_without_an_account_are_invited_to_the_next_meeting_agreed(
    personas, zara, pep_setting, django_capture_on_commit_callbacks
):
    pep = pep_setting.pep
    meeting = meeting_arrange(
        actor=personas.social_worker,
        pep=pep,
        starts_at=at(HELD),
        invitees=[*care_team_invitees(pep), MUM],
    ).meeting
    record(personas, meeting)  # held 10 November 2026; the next agreed for 3 February 2027
    sent = emails_of(
        django_capture_on_commit_callbacks,
        lambda: pep_set_up(
            actor=personas.virtual_school_staff,
            child=zara,
            academic_year=2026,
            term=Term.SPRING,
        ),
    )
    spring = Pep.objects.get(child=zara, term=Term.SPRING)
    carried = spring.meetings.get(status=MeetingStatus.ARRANGED)
    assert ("Mary Quill", "Mary.Q@example.net", "07700 900111") in carried.attendees.values_list(
        "name", "email", "phone"
    )
    [to_mary] = to_guests(sent).values()
    assert to_mary.subject.startswith("PEP Portal: A PEP meeting has been arranged")
    assert "When: Wednesday 3 February 2027 at 10:00" in to_mary.body
    assert_private_for_guests([to_mary], zara)


def test_an_invitee_who_prefers_a_daily_summary_gets_the_calendar_entry_in_it(
    personas, zara, pep_setting
):
    personas.designated_teacher.email_notifications = "daily"
    personas.designated_teacher.save()
    meeting_arrange(actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(HELD))
    mail.outbox.clear()
    send_daily_digests()
    [to_dee] = [m for m in mail.outbox if m.to == ["dee.teacher@example.org"]]
    assert "A PEP meeting has been arranged: 1" in to_dee.body
    ics = [a for a in to_dee.attachments if a[0].endswith(".ics")]  # type: ignore[index]
    assert len(ics) == 1
    assert_private([to_dee], zara)


def test_a_required_absence_tells_the_childs_virtual_school_adviser(
    personas, zara, pep_setting, django_capture_on_commit_callbacks
):
    meeting = meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(HELD)
    ).meeting
    attendance = everyone_came(meeting)
    carer = meeting.attendees.get(role="carer")
    attendance[carer.pk] = (False, "Unwell")
    sent = emails_of(
        django_capture_on_commit_callbacks,
        lambda: record(personas, meeting, attendance=attendance),
    )
    assert told(Kind.REQUIRED_ABSENCE) == {"Vic School"}
    assert recipients(sent) == {"vic.school@example.org"}
    assert_private(sent, zara)
    [notice] = Notification.objects.filter(kind=Kind.REQUIRED_ABSENCE)
    assert notice.message == "Zara Quill: the Autumn PEP 2026/27 meeting was held without the carer"


def test_a_meeting_everyone_attended_tells_nobody_of_an_absence(personas, zara, pep_setting):
    meeting = meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(HELD)
    ).meeting
    record(personas, meeting)
    assert told(Kind.REQUIRED_ABSENCE) == set()


# --- quality assurance and Pupil Premium Plus -------------------------------------------------


@pytest.fixture
def submitted(personas, zara, pep_setting):  # type: ignore[no-untyped-def]
    everything_done(personas, pep_setting)
    pep_record_meeting_held(actor=personas.social_worker, pep=pep_setting.pep, held_on=HELD)
    return pep_submit(actor=personas.social_worker, pep=pep_setting.pep)


def qa(personas, pep, decision: str, rating: str = "good", **extra: str):  # type: ignore[no-untyped-def]
    framework = framework_for(pep.child.authority)
    return qa_review_complete(
        actor=personas.virtual_school_staff,
        pep=pep,
        criteria_ratings={c.pk: rating for c in framework.criteria.all()},
        overall=rating,
        feedback_to_teacher="Clear targets.",
        feedback_to_social_worker="Thorough.",
        decision=decision,
        **extra,
    )


def test_a_returned_pep_tells_the_social_worker_and_the_school_why(
    personas, zara, submitted, django_capture_on_commit_callbacks
):
    sent = emails_of(
        django_capture_on_commit_callbacks,
        lambda: qa(
            personas, submitted, QaDecision.RETURNED, changes_needed="Add the reading target."
        ),
    )
    assert told(Kind.PEP_RETURNED) == {"Alice Social", "Dee Teacher", "Sen Co"}
    assert not told(Kind.PEP_RETURNED) & BYSTANDERS
    assert_private(sent, zara)
    for message in sent:
        assert "Add the reading target" not in message.body  # the reason stays in the portal
    alice = Notification.objects.get(kind=Kind.PEP_RETURNED, recipient=personas.social_worker)
    assert alice.message == (
        "Zara Quill: the Autumn PEP 2026/27 was returned for changes: Add the reading target."
    )
    assert alice.url == f"/peps/{submitted.pk}/"


def test_a_second_return_of_the_same_pep_is_told_again(personas, zara, submitted):
    qa(personas, submitted, QaDecision.RETURNED, changes_needed="Add the reading target.")
    pep_submit(actor=personas.social_worker, pep=submitted)
    qa(personas, submitted, QaDecision.RETURNED, changes_needed="And the maths one.")
    assert (
        Notification.objects.filter(
            kind=Kind.PEP_RETURNED, recipient=personas.social_worker
        ).count()
        == 2
    )


def test_a_signed_off_pep_tells_its_writers_and_the_reviewing_officer(
    personas, zara, submitted, django_capture_on_commit_callbacks
):
    sent = emails_of(
        django_capture_on_commit_callbacks, lambda: qa(personas, submitted, QaDecision.SIGNED_OFF)
    )
    assert submitted.status == PepStatus.SIGNED_OFF
    assert told(Kind.PEP_SIGNED_OFF) == {"Alice Social", "Dee Teacher", "Sen Co", "Ivy Reviewer"}
    assert_private([m for m in sent if "signed off" in m.subject], zara)


def test_a_pp_plus_decision_tells_the_designated_teacher_and_the_social_worker(
    personas, zara, pp_setting, django_capture_on_commit_callbacks
):
    request = make_request(pp_setting, personas.designated_teacher, "500")
    sent = emails_of(
        django_capture_on_commit_callbacks,
        lambda: pp_request_decide(
            actor=personas.virtual_school_staff, request=request, decision=PpStatus.APPROVED
        ),
    )
    assert told(Kind.PP_DECIDED) == {"Dee Teacher", "Alice Social"}
    assert recipients(sent) == {"dee.teacher@example.org", "alice.social@example.org"}
    assert_private(sent, zara)
    [dee] = Notification.objects.filter(kind=Kind.PP_DECIDED, recipient=personas.designated_teacher)
    assert dee.message == "Zara Quill: the Pupil Premium Plus request for £500.00 is approved"


# --- the child's care, school and home -------------------------------------------------------


def test_a_child_new_to_care_tells_the_adviser_social_worker_and_designated_teacher(
    personas, django_capture_on_commit_callbacks
):
    registered: dict[str, Child] = {}

    def register() -> None:
        registered["child"] = child_register(
            actor=personas.virtual_school_administrator,
            details={
                "legal_first_name": "Zara",
                "legal_last_name": "Quill",
                "date_of_birth": dt.date(2015, 5, 5),
                "gender": "female",
                "upn": "",
            },
            entered_care_on=dt.date(2026, 9, 14),
            emergency_placement=True,
            legal_status=LegalStatus.INTERIM_CARE_ORDER,
            placement_type=PlacementType.FOSTER,
            carers=[personas.carer],
            school=personas.designated_teacher.school,
            social_worker=personas.social_worker,
            virtual_school_adviser=personas.virtual_school_staff,
        )

    sent = emails_of(django_capture_on_commit_callbacks, register)
    # Val Admin registered her: she is not told.
    assert told(Kind.NEW_TO_CARE) == {"Vic School", "Alice Social", "Dee Teacher"}
    assert_private(sent, registered["child"])


def test_a_child_without_an_adviser_is_told_to_the_whole_virtual_school(personas):
    val = personas.virtual_school_administrator
    child_register(
        actor=val,
        details={
            "legal_first_name": "Yan",
            "legal_last_name": "Pike",
            "date_of_birth": dt.date(2014, 3, 3),
            "gender": "male",
        },
        entered_care_on=dt.date(2026, 9, 14),
        emergency_placement=False,
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
        placement_type=PlacementType.FOSTER,
        school=None,
        social_worker=personas.social_worker,
        virtual_school_adviser=None,
    )
    # No adviser: Northam's virtual school staff (Vic; Val registered him), and Alice.
    assert told(Kind.NEW_TO_CARE) == {"Vic School", "Alice Social"}


def test_a_child_who_comes_back_into_care_is_told_again(personas, zara):
    val = personas.virtual_school_administrator
    assert told(Kind.NEW_TO_CARE) == {"Alice Social", "Dee Teacher"}  # Vic registered her
    care_episode_end(actor=val, child=zara, ended_on=dt.date(2026, 10, 2), reason="Home")
    care_episode_start(
        actor=val,
        child=zara,
        entered_care_on=dt.date(2026, 11, 2),
        emergency_placement=False,
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
    )
    assert (
        Notification.objects.filter(kind=Kind.NEW_TO_CARE, recipient=personas.social_worker).count()
        == 2
    )
    assert told(Kind.NEW_TO_CARE) == {"Alice Social", "Dee Teacher", "Vic School"}


def test_a_school_move_tells_the_receiving_designated_teacher(
    personas, zara, setting, django_capture_on_commit_callbacks
):
    sent = emails_of(
        django_capture_on_commit_callbacks,
        lambda: school_move(
            actor=personas.virtual_school_administrator,
            child=zara,
            school=setting.new_school,
            started_on=dt.date(2026, 10, 19),
        ),
    )
    # Nia at the new school, the adviser and the social worker; not Dee at the old school.
    assert told(Kind.SCHOOL_MOVE) == {"Nia Newteacher", "Vic School", "Alice Social"}
    assert_private(sent, zara)
    [nia] = Notification.objects.filter(kind=Kind.SCHOOL_MOVE, recipient=setting.new_school_teacher)
    assert nia.message == "Zara Quill has moved to Eastham Academy"


def test_losing_a_school_place_tells_the_virtual_school_and_social_worker(personas, zara, setting):
    school_move(
        actor=personas.virtual_school_administrator,
        child=zara,
        school=None,
        started_on=dt.date(2026, 10, 19),
    )
    assert told(Kind.SCHOOL_MOVE) == {"Vic School", "Alice Social"}


def test_a_placement_move_tells_the_new_carers_and_those_who_must_act(
    personas, zara, setting, django_capture_on_commit_callbacks
):
    sent = emails_of(
        django_capture_on_commit_callbacks,
        lambda: placement_change(
            actor=personas.virtual_school_administrator,
            child=zara,
            placement_type=PlacementType.RESIDENTIAL,
            started_on=dt.date(2026, 10, 19),
            carers=[setting.new_carer],
        ),
    )
    # Nat (the new carer), Dee (the school), Alice and Vic; not Carol, who cared for her before.
    assert told(Kind.PLACEMENT_MOVE) == {
        "Nat Newcarer",
        "Dee Teacher",
        "Alice Social",
        "Vic School",
    }
    assert_private(sent, zara)


def test_a_delegation_tells_the_delegate_only(
    personas, zara, setting, django_capture_on_commit_callbacks
):
    sent = emails_of(
        django_capture_on_commit_callbacks,
        lambda: delegation_grant(
            actor=personas.designated_teacher, child=zara, delegate=personas.delegated_school_staff
        ),
    )
    assert told(Kind.DELEGATION_GRANTED) == {"Sen Co"}
    assert recipients(sent) == {"sen.co@example.org"}
    assert_private(sent, zara)


# --- once each --------------------------------------------------------------------------------


def test_an_event_passed_on_twice_is_told_once(personas, zara, submitted):
    qa(personas, submitted, QaDecision.RETURNED, changes_needed="Add the reading target.")
    event = PepEvent.objects.get(pep=submitted, to_status=PepStatus.RETURNED)
    before = Notification.objects.count()
    events.pep_returned(pep=submitted, actor=personas.virtual_school_staff, event=event)
    events.pep_signed_off(pep=submitted, actor=personas.virtual_school_staff)
    events.pep_signed_off(pep=submitted, actor=personas.virtual_school_staff)
    # The return again: nothing new. The sign-off, passed on twice: four people, once each.
    assert Notification.objects.count() == before + 4


def test_the_meeting_page_tells_the_truth_about_the_virtual_school(
    client, personas, zara, pep_setting
):
    meeting = meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(HELD)
    ).meeting
    attendance = everyone_came(meeting)
    attendance[meeting.attendees.get(role="designated_teacher").pk] = (False, "Off sick")
    record(personas, meeting, attendance=attendance)
    client.force_login(personas.social_worker)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "The virtual school has been told" in page
    assert told(Kind.REQUIRED_ABSENCE) == {"Vic School"}


def test_cancelling_from_the_meeting_page_tells_the_invitees(client, personas, zara, pep_setting):
    meeting = meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(HELD)
    ).meeting
    client.force_login(personas.designated_teacher)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "Cancel the meeting" in page
    response = client.post(reverse("meeting_cancel", args=[meeting.pk]))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    # Dee cancelled it: Alice, Carol and Vic are told.
    assert told(Kind.MEETING_CANCELLED) == {"Alice Social", "Carol Carer", "Vic School"}
    client.force_login(personas.carer)
    assert client.post(reverse("meeting_cancel", args=[meeting.pk])).status_code == 403
