"""A PEP taken through the whole process prints its meeting, targets and QA rating."""

import datetime as dt

from documents.services import pep_pdf_for
from meetings.services import meeting_arrange
from peps.models import Pep
from peps.services import pep_submit
from quality_assurance.models import QaDecision
from quality_assurance.services import framework_for, qa_review_complete
from tests.documents.reading import read_pdf
from tests.meetings.test_meetings import a_target, at, record
from tests.peps.fixtures import everything_done


def test_the_pdf_carries_the_meeting_targets_and_qa(personas, pep_setting):
    everything_done(personas, pep_setting)
    meeting = meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(dt.date(2026, 11, 10))
    ).meeting
    record(
        personas,
        meeting,
        discussion="Zara is settled and reading well.",
        targets=[a_target(what="Learn times tables to 12")],
    )
    pep = pep_submit(actor=personas.social_worker, pep=Pep.objects.get(pk=pep_setting.pep.pk))
    framework = framework_for(pep.child.authority)
    qa_review_complete(
        actor=personas.virtual_school_staff,
        pep=pep,
        criteria_ratings={c.pk: "good" for c in framework.criteria.all()},
        overall="good",
        feedback_to_teacher="Strong targets.",
        feedback_to_social_worker="Clear care plan.",
        decision=QaDecision.SIGNED_OFF,
    )
    text = read_pdf(pep_pdf_for(Pep.objects.get(pk=pep.pk)).content).text
    assert "Zara is settled and reading well." in text
    assert "Learn times tables to 12" in text
    assert "Good" in text and "Strong targets." in text
    assert "Alice Social" in text  # an attendee
