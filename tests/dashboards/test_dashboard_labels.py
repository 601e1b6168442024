"""The dashboard speaks in labels people read, never the values stored in the database."""

import datetime as dt

import pytest
from django.urls import reverse

from peps.services import pep_record_meeting_held, pep_submit
from quality_assurance.models import QaDecision
from quality_assurance.services import framework_for, qa_review_complete
from tests.peps.fixtures import everything_done


@pytest.fixture
def rated(personas, pep_setting):  # type: ignore[no-untyped-def]
    everything_done(personas, pep_setting)
    pep_record_meeting_held(
        actor=personas.social_worker, pep=pep_setting.pep, held_on=dt.date(2026, 11, 10)
    )
    pep = pep_submit(actor=personas.social_worker, pep=pep_setting.pep)
    framework = framework_for(pep.child.authority)
    qa_review_complete(
        actor=personas.virtual_school_staff,
        pep=pep,
        criteria_ratings={c.pk: "requires_improvement" for c in framework.criteria.all()},
        overall="requires_improvement",
        feedback_to_teacher="Targets need dates.",
        feedback_to_social_worker="Thorough.",
        decision=QaDecision.SIGNED_OFF,
    )
    return pep


def test_quality_ratings_show_the_rating_and_term_labels(client, personas, rated):
    client.force_login(personas.virtual_school_staff)
    html = client.get(reverse("vs_dashboard"), {"year": 2026}).content.decode()
    ratings = html[html.index('id="ratings"') : html.index('id="ratings-by-school"')]
    assert '<td class="govuk-table__cell">Autumn</td>' in ratings
    assert "Requires improvement" in ratings
    by_school = html[html.index('id="ratings-by-school"') : html.index("To act on")]
    assert "Requires improvement" in by_school
    assert "requires_improvement" not in html
