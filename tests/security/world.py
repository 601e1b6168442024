"""Objects for the security suite: one of each kind the URLs name, in Northam's care (Zara
Quill, the shared fixtures' child) and in Southam's (Yara Southwell, whom no Northam persona
may reach). Each object carries the text that must never reach someone refused it."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from children.models import LegalStatus, PlacementType
from children.services import care_team_allocate, child_register
from meetings.services import meeting_arrange
from pep_portal.calendars.demo import seed_demo_calendars
from pep_portal.calendars.models import CalendarPeriod
from pep_portal.calendars.services import rule_set_load_preset
from peps.models import Attachment, Pep, Term
from peps.services import pep_set_up
from pupil_premium.models import PpRequest
from quality_assurance.models import QaReview, TrainingNeed
from tests.fixtures.attachments import samples

TODAY = dt.date(2026, 11, 24)


@dataclass
class Side:
    """One authority's objects, and the words that name its child."""

    child: Any
    pep: Pep
    meeting: Any
    attachment: Attachment
    pp_request: Any
    training_need: TrainingNeed
    period: CalendarPeriod
    school: Any
    person: Any
    teacher: Any
    delegation: Any
    markers: list[str] = field(default_factory=list)


def _attachment(pep: Pep, by: Any) -> Attachment:
    data = samples.pdf_bytes()
    return Attachment.objects.create(
        pep=pep,
        file=ContentFile(data, "report.pdf"),
        name="report.pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
    )


def _pp_request(pep: Pep, by: Any) -> Any:
    enrolment = pep.child.enrolments.filter(ended_on__isnull=True).first()
    return PpRequest.objects.create(
        pep=pep,
        child=pep.child,
        school=enrolment.school if enrolment else None,
        financial_year=2026,
        amount=100,
        purpose="Tutoring",
        requested_by=by,
    )


def _training_need(pep: Pep, reviewer: Any, person: Any) -> TrainingNeed:
    review = QaReview.objects.create(
        pep=pep,
        reviewer=reviewer,
        overall="requires_improvement",
        scale="good_ri_inadequate",
        decision="returned",
        changes_needed="More detail",
    )
    return TrainingNeed.objects.create(person=person, review=review)


def _meeting(pep: Pep, by: Any) -> Any:
    starts = timezone.make_aware(dt.datetime.combine(TODAY + dt.timedelta(days=14), dt.time(10)))
    return meeting_arrange(actor=by, pep=pep, starts_at=starts).meeting


def northam(personas: Any, pep_setting: Any) -> Side:
    child, pep = pep_setting.child, pep_setting.pep
    return Side(
        child=child,
        pep=pep,
        meeting=_meeting(pep, personas.social_worker),
        attachment=_attachment(pep, personas.designated_teacher),
        pp_request=_pp_request(pep, personas.designated_teacher),
        training_need=_training_need(
            pep, personas.virtual_school_staff, personas.designated_teacher
        ),
        period=CalendarPeriod.objects.filter(calendar__authority=personas.authority).first(),
        school=personas.designated_teacher.school,
        person=personas.social_worker,
        teacher=personas.designated_teacher,
        delegation=child.delegations.get(),
        markers=["Zara", "Quill"],
    )


def southam(personas: Any) -> Side:
    """Southam's child, with a care team of Southam's social worker alone."""
    authority = personas.other_authority
    vs, sw = personas.other_authority_virtual_school_staff, personas.other_authority_social_worker
    rule_set_load_preset(preset="walsall", slug=authority.slug)
    seed_demo_calendars(authority, today=TODAY)
    child = child_register(
        actor=vs,
        details={
            "legal_first_name": "Yara",
            "legal_last_name": "Southwell",
            "date_of_birth": dt.date(2015, 6, 6),
            "gender": "female",
        },
        entered_care_on=dt.date(2026, 9, 1),
        emergency_placement=False,
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
        placement_type=PlacementType.FOSTER,
        school=personas.other_school_teacher.school,
        social_worker=sw,
        virtual_school_adviser=vs,
        # Her Autumn 2026 PEP below: a record brought onto the portal after its initial PEP
        # (an initial PEP is the PEP of its term; the portal refuses a second one).
        initial_pep=False,
    )
    care_team_allocate(
        actor=vs,
        child=child,
        social_worker=sw,
        virtual_school_adviser=vs,
        independent_reviewing_officer=None,
    )
    pep = pep_set_up(actor=vs, child=child, academic_year=2026, term=Term.AUTUMN)
    return Side(
        child=child,
        pep=pep,
        meeting=_meeting(pep, sw),
        attachment=_attachment(pep, sw),
        pp_request=_pp_request(pep, sw),
        training_need=_training_need(pep, vs, sw),
        period=CalendarPeriod.objects.filter(calendar__authority=authority).first(),
        school=personas.other_school_teacher.school,
        person=sw,
        teacher=personas.other_school_teacher,
        delegation=None,
        markers=["Yara", "Southwell"],
    )
