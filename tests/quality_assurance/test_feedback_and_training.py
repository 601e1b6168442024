"""Issue 14, QA: the review's rating and feedback are on the PEP's page for its care team (not
only inside the PDF); each person is on the training list once, however many reviews flagged
them; ratings are shown in words."""

import datetime as dt

import pytest
from django.urls import reverse

from peps.models import PepStatus, Term
from peps.services import pep_record_meeting_held, pep_set_up, pep_submit
from quality_assurance.models import QaDecision, TrainingNeed
from quality_assurance.services import framework_for, qa_review_complete
from tests.peps.fixtures import everything_done

HELD = dt.date(2026, 11, 10)
RI = "requires_improvement"
# A person's row on the training list begins so.
ROW = '<td class="govuk-table__cell">{}<br>'


@pytest.fixture
def submitted(personas, pep_setting):  # type: ignore[no-untyped-def]
    everything_done(personas, pep_setting)
    pep_record_meeting_held(actor=personas.social_worker, pep=pep_setting.pep, held_on=HELD)
    return pep_submit(actor=personas.social_worker, pep=pep_setting.pep)


def review(personas, pep, rating, decision, **extra):  # type: ignore[no-untyped-def]
    framework = framework_for(pep.child.authority)
    return qa_review_complete(
        actor=personas.virtual_school_staff,
        pep=pep,
        criteria_ratings={c.pk: rating for c in framework.criteria.all()},
        overall=rating,
        feedback_to_teacher="The attainment section needs current data.",
        feedback_to_social_worker="Say how the placement supports homework.",
        decision=decision,
        **extra,
    )


def pep_page(client, user, pep) -> str:  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(reverse("pep_detail", args=[pep.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("name", "sees"),
    [
        ("social_worker", True),
        ("designated_teacher", True),
        ("delegated_school_staff", True),
        ("independent_reviewing_officer", True),
        ("virtual_school_staff", True),
        # Carers read the PEP; the feedback is addressed to the teacher and the social worker.
        ("carer", False),
    ],
)
def test_the_feedback_and_rating_are_on_the_pep_page_after_the_review(
    client, personas, submitted, name, sees
):
    before = pep_page(client, getattr(personas, name), submitted)
    assert "Quality assurance</h2>" not in before
    review(personas, submitted, RI, QaDecision.RETURNED, changes_needed="Add current data.")
    page = pep_page(client, getattr(personas, name), submitted)
    # (The changes asked for are also in the PEP's history, which every reader sees.)
    assert "Add current data." in page
    for text in (
        "Returned for changes by Vic School",
        "Requires improvement",
        "The attainment section needs current data.",
        "Say how the placement supports homework.",
    ):
        assert (text in page) is sees, text
    assert RI not in page


def test_a_person_flagged_at_a_return_and_again_at_sign_off_is_listed_once(
    client, personas, submitted
):
    review(personas, submitted, RI, QaDecision.RETURNED, changes_needed="Add current data.")
    pep_submit(actor=personas.social_worker, pep=submitted)
    review(personas, submitted, RI, QaDecision.SIGNED_OFF)
    assert submitted.status == PepStatus.SIGNED_OFF
    assert TrainingNeed.objects.filter(person=personas.designated_teacher).count() == 1
    client.force_login(personas.virtual_school_staff)
    html = client.get(reverse("qa_training")).content.decode()
    assert html.count(ROW.format("Dee Teacher")) == 1
    assert html.count(ROW.format("Alice Social")) == 1


def test_a_person_flagged_on_two_peps_is_one_row_and_one_click_marks_it_done(
    client, personas, submitted
):
    review(personas, submitted, RI, QaDecision.SIGNED_OFF)
    spring = pep_set_up(
        actor=personas.virtual_school_staff,
        child=submitted.child,
        academic_year=2026,
        term=Term.SPRING,
    )
    from tests.peps.fixtures import PepSetting

    everything_done(personas, PepSetting(child=submitted.child, pep=spring))
    pep_record_meeting_held(actor=personas.social_worker, pep=spring, held_on=dt.date(2026, 11, 20))
    pep_submit(actor=personas.social_worker, pep=spring)
    review(personas, spring, RI, QaDecision.SIGNED_OFF)
    assert TrainingNeed.objects.filter(person=personas.designated_teacher).count() == 2

    client.force_login(personas.virtual_school_staff)
    response = client.get(reverse("qa_training"))
    html = response.content.decode()
    assert html.count(ROW.format("Dee Teacher")) == 1
    assert "Autumn PEP 2026/27" in html and "Spring PEP 2026/27" in html
    dee = next(row for row in response.context["needs"] if row.person.full_name == "Dee Teacher")
    client.post(reverse("qa_training_resolve", args=[dee.first.pk]))
    assert not TrainingNeed.objects.filter(
        person=personas.designated_teacher, resolved_at__isnull=True
    ).exists()
    after = client.get(reverse("qa_training")).content.decode()
    assert ROW.format("Dee Teacher") not in after and ROW.format("Alice Social") in after


def test_the_dashboard_shows_ratings_in_words(client, personas, submitted):
    review(personas, submitted, RI, QaDecision.SIGNED_OFF)
    client.force_login(personas.virtual_school_staff)
    html = client.get(reverse("vs_dashboard")).content.decode()
    assert "Requires improvement" in html and RI not in html
