"""Quality assurance: ratings by each authority's framework, sign-off and return, training,
moderation, and the dashboard's figures."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from meetings.services import meeting_arrange
from peps.models import Pep, PepStatus, Term
from peps.services import pep_record_meeting_held, pep_set_up, pep_submit, section_save
from quality_assurance.models import QaDecision, QaReview, TrainingNeed
from quality_assurance.services import (
    framework_for,
    moderation_sample,
    overall_from_criteria,
    qa_framework_load_preset,
    qa_moderate,
    qa_review_complete,
)
from tests.children.fixtures import register
from tests.peps.fixtures import everything_done

HELD = dt.date(2026, 11, 10)


@pytest.fixture
def submitted(personas, pep_setting):  # type: ignore[no-untyped-def]
    everything_done(personas, pep_setting)
    pep_record_meeting_held(actor=personas.social_worker, pep=pep_setting.pep, held_on=HELD)
    return pep_submit(actor=personas.social_worker, pep=pep_setting.pep)


def rate_all(framework, rating):  # type: ignore[no-untyped-def]
    return {c.pk: rating for c in framework.criteria.all()}


def review(personas, pep, rating="good", decision=QaDecision.SIGNED_OFF, **extra):  # type: ignore[no-untyped-def]
    framework = framework_for(pep.child.authority)
    kwargs = {
        "actor": personas.virtual_school_staff,
        "pep": pep,
        "criteria_ratings": rate_all(framework, rating),
        "overall": rating,
        "feedback_to_teacher": "Clear targets.",
        "feedback_to_social_worker": "Thorough.",
        "decision": decision,
    }
    kwargs.update(extra)
    return qa_review_complete(**kwargs)


@pytest.mark.parametrize(
    ("ratings", "overall"),
    [
        (["gold"] * 5 + ["green"], "gold"),  # all Gold but one Green gives Gold
        (["gold"] * 4 + ["green"] * 2, "green"),
        (["gold"] * 5 + ["amber"], "amber"),  # more than one level below: no allowance
        (["green"] * 5 + ["amber"], "green"),
        (["gold"] * 6, "gold"),
        (["red"] * 6, "red"),
    ],
)
def test_gold_green_amber_red_overall_follows_the_rule(personas, ratings, overall):
    framework = qa_framework_load_preset(authority=personas.authority, preset="ggar")
    assert overall_from_criteria(framework, ratings) == overall


def test_good_ri_inadequate_lets_the_reviewer_choose(personas):
    framework = qa_framework_load_preset(authority=personas.authority, preset="good_ri_inadequate")
    assert overall_from_criteria(framework, ["good", "inadequate"]) is None


def test_sign_off_locks_the_pep(personas, pep_setting, submitted):
    done = review(personas, submitted)
    pep = Pep.objects.get(pk=submitted.pk)
    assert done.decision == QaDecision.SIGNED_OFF and pep.status == PepStatus.SIGNED_OFF
    section = pep.sections.get(key="teacher_comments")
    with pytest.raises(ValidationError, match="signed off"):
        section_save(
            actor=personas.designated_teacher,
            section=section,
            answers={},
            base_version=section.version,
        )
    with pytest.raises(ValidationError):
        meeting_arrange(actor=personas.social_worker, pep=pep, starts_at=None)


def test_inadequate_or_red_cannot_be_signed_off(personas, submitted):
    with pytest.raises(ValidationError, match="cannot be signed off"):
        review(personas, submitted, rating="inadequate")
    qa_framework_load_preset(authority=personas.authority, preset="rag")
    with pytest.raises(ValidationError, match="Red cannot be signed off"):
        review(personas, submitted, rating="red")
    assert Pep.objects.get(pk=submitted.pk).status == PepStatus.SUBMITTED


def test_every_criterion_and_both_feedbacks_are_needed(personas, submitted):
    framework = framework_for(submitted.child.authority)
    partial = rate_all(framework, "good")
    partial.pop(next(iter(partial)))
    with pytest.raises(ValidationError, match="Rate"):
        review(personas, submitted, criteria_ratings=partial)
    with pytest.raises(ValidationError, match="feedback for the social worker"):
        review(personas, submitted, feedback_to_social_worker=" ")


def test_return_and_resubmit_keep_both_reviews(personas, pep_setting, submitted):
    with pytest.raises(ValidationError, match="changes needed"):
        review(personas, submitted, rating="inadequate", decision=QaDecision.RETURNED)
    review(
        personas,
        submitted,
        rating="inadequate",
        decision=QaDecision.RETURNED,
        changes_needed="Add the child's views in their own words",
    )
    pep = Pep.objects.get(pk=submitted.pk)
    assert pep.status == PepStatus.RETURNED
    pep_submit(actor=personas.social_worker, pep=pep)
    review(personas, Pep.objects.get(pk=pep.pk))
    assert list(QaReview.objects.filter(pep=pep).values_list("decision", flat=True)) == [
        QaDecision.RETURNED,
        QaDecision.SIGNED_OFF,
    ]


def test_requires_improvement_flags_training_for_teacher_and_social_worker(
    client, personas, submitted
):
    review(personas, submitted, rating="requires_improvement")
    flagged = set(TrainingNeed.objects.values_list("person__full_name", flat=True))
    assert flagged == {"Dee Teacher", "Alice Social"}
    client.force_login(personas.virtual_school_staff)
    html = client.get(reverse("qa_training")).content.decode()
    assert "Dee Teacher" in html and "Alice Social" in html
    need = TrainingNeed.objects.get(person=personas.designated_teacher)
    client.post(reverse("qa_training_resolve", args=[need.pk]))
    still = client.get(reverse("qa_training")).context["needs"]
    assert [n.person.full_name for n in still] == ["Alice Social"]


@pytest.mark.parametrize(
    "who", ["social_worker", "designated_teacher", "other_authority_virtual_school_staff"]
)
def test_only_the_childs_virtual_school_reviews(personas, submitted, who):
    with pytest.raises(PermissionDenied):
        review(personas, submitted, actor=getattr(personas, who))


class TestModeration:
    @pytest.fixture
    def signed_off(self, personas, submitted):  # type: ignore[no-untyped-def]
        review(personas, submitted)
        return Pep.objects.get(pk=submitted.pk)

    def test_a_second_reviewer_rates_it_and_both_ratings_are_compared(
        self, client, personas, signed_off
    ):
        from tests.factories import UserFactory

        colleague = UserFactory.for_role(
            "virtual_school_staff", authority=personas.authority, full_name="Mia Moderator"
        )
        framework = framework_for(personas.authority)
        with pytest.raises(ValidationError, match="someone else"):
            qa_moderate(
                actor=personas.virtual_school_staff,
                pep=signed_off,
                criteria_ratings=rate_all(framework, "good"),
                overall="good",
            )
        moderation = qa_moderate(
            actor=colleague,
            pep=signed_off,
            criteria_ratings=rate_all(framework, "requires_improvement"),
            overall="requires_improvement",
        )
        assert moderation.moderates.overall == "good"
        client.force_login(colleague)
        html = client.get(reverse("qa_moderation")).content.decode()
        assert "Mia Moderator" in html and "Requires improvement" in html
        assert "requires_improvement" not in html  # ratings in words, never stored values

    def test_the_sample_is_random_but_repeatable_and_skips_moderated(self, personas, signed_off):
        sample = moderation_sample(
            actor=personas.virtual_school_staff,
            academic_year=2026,
            term=Term.AUTUMN,
            size=3,
            seed=7,
        )
        assert sample == [signed_off]
        with pytest.raises(ValidationError):
            moderation_sample(
                actor=personas.virtual_school_staff, academic_year=2026, term=Term.AUTUMN, size=0
            )


def test_queue_lists_submitted_peps_oldest_first_with_lateness(client, personas, submitted):
    client.force_login(personas.virtual_school_staff)
    response = client.get(reverse("qa_queue"))
    rows = response.context["rows"]
    assert [pep.pk for pep, _ in rows] == [submitted.pk]
    assert "Zara Quill" in response.content.decode()


QA_URLS = ["qa_queue", "qa_training", "qa_moderation", "vs_dashboard", "vs_dashboard_csv"]


@pytest.mark.parametrize(
    "who",
    [
        "social_worker",
        "designated_teacher",
        "carer",
        "independent_reviewing_officer",
        "authority_administrator",
    ],
)
def test_qa_pages_are_for_virtual_school_staff_only(client, personas, submitted, who):
    client.force_login(getattr(personas, who))
    for name in QA_URLS:
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("qa_review", args=[submitted.pk])).status_code in (403, 404)


def test_another_authoritys_virtual_school_sees_none_of_it(client, personas, submitted):
    client.force_login(personas.other_authority_virtual_school_staff)
    assert "Zara" not in client.get(reverse("qa_queue")).content.decode()
    assert client.get(reverse("qa_review", args=[submitted.pk])).status_code == 404
    board = client.get(reverse("vs_dashboard")).context["board"]
    assert board.children_in_care == 0


def test_dashboard_figures_match_an_independent_count(client, personas, pep_setting, submitted):
    review(personas, submitted)  # Zara: signed off
    school = pep_setting.child.enrolments.get().school
    # Registering a child entering care sets up their initial PEP. Olly and Fay entered care as
    # emergencies on 14 September 2026 under Medway's rules: each initial PEP was due 10 school
    # days later, on 28 September, long before today, and neither is done. Zara was registered
    # before her authority had rules, so her initial PEP has no due date and is not overdue.
    register(personas, school=school, name="Olly")
    register(personas, school=school, name="Fay")
    client.force_login(personas.virtual_school_staff)
    board = client.get(reverse("vs_dashboard"), {"year": 2026}).context["board"]
    assert board.children_in_care == 3
    by_term = {row["term"]: row for row in board.terms}
    assert by_term["autumn"]["signed_off"] == 1
    assert by_term["initial"]["overdue"] == 2
    assert board.initial_due == 2 and board.initial_on_time == 0
    assert sorted(p.child.legal_first_name for p in board.overdue) == ["Fay", "Olly"]
    csv_text = client.get(reverse("vs_dashboard_csv"), {"year": 2026}).content.decode()
    assert "Autumn,1,1,0,0" in csv_text


@pytest.mark.parametrize("how_many", [5, 50])
def test_dashboard_query_count_is_constant(
    client, personas, pep_setting, django_assert_num_queries, how_many
):
    school = pep_setting.child.enrolments.get().school
    for n in range(how_many):
        child = register(personas, school=school, name=f"Kid{n}", initial_pep=False)
        pep_set_up(
            actor=personas.virtual_school_staff, child=child, academic_year=2026, term=Term.AUTUMN
        )
    client.force_login(personas.virtual_school_staff)
    # 11, and 3 for the wider cohorts' counts (previously looked after, advice requests,
    # children with a social worker), whatever the number of children.
    with django_assert_num_queries(14):
        response = client.get(reverse("vs_dashboard"), {"year": 2026})
    assert response.status_code == 200
    # Zara and the children registered above, all counted.
    assert f'id="children-in-care">{how_many + 1}</p>' in response.content.decode()
