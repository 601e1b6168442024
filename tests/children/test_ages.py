"""Ages 2 to 18 (issue 15): from the rule set's youngest age (default 2, Walsall 3) to 18, each
with the right template; a young person who turns 18 leaves the PEP process with a last PEP
and a pointer to the pathway plan. Every date and year group below is worked out by hand."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from children.models import LegalStatus, PlacementType
from children.school_year import PepTemplate, pep_template_for
from children.services import child_register
from pep_portal.calendars.models import PepRuleSet
from pep_portal.calendars.services import rule_set_load_preset
from pep_portal.notifications.services import termly_set_up
from peps.models import Pep, Term

ON = dt.date(2026, 10, 1)  # entered care; the school year 2026/27 began 1 September 2026

# (age on 1 October 2026, born, template); the year group from the age on 31 August 2026
AGES = [
    # 2 on 31 August 2026: below the nursery year group; EYFS where the roll starts at 2.
    (2, dt.date(2024, 6, 15), PepTemplate.EYFS),
    (3, dt.date(2023, 5, 1), PepTemplate.EYFS),  # 3 on 31 August: nursery
    (4, dt.date(2022, 3, 10), PepTemplate.EYFS),  # 4 on 31 August: Reception
    (15, dt.date(2011, 7, 20), PepTemplate.YG),  # 15 on 31 August: Year 11
    (16, dt.date(2010, 8, 1), PepTemplate.POST_16),  # 16 on 31 August: Year 12
    (17, dt.date(2009, 6, 1), PepTemplate.POST_16),  # 17 on 31 August: Year 13
    (17, dt.date(2008, 10, 20), PepTemplate.POST_16),  # Year 13, 18 on 20 October 2026
]
EIGHTEEN = dt.date(2008, 9, 20)  # 18 on 20 September 2026


@pytest.mark.parametrize(("age", "born", "template"), AGES)
def test_each_age_has_its_template(age, born, template):
    assert pep_template_for(born, ON, youngest_age=2) == template
    # Where the roll starts at 3 (Walsall), a two-year-old has none.
    assert pep_template_for(born, ON, youngest_age=3) == (None if age == 2 else template)


def test_eighteen_year_olds_and_the_too_young_have_no_template():
    assert pep_template_for(EIGHTEEN, ON) is None
    # The day before the 18th birthday: still post-16 (Year 13).
    assert pep_template_for(EIGHTEEN, dt.date(2026, 9, 19)) == PepTemplate.POST_16
    assert pep_template_for(dt.date(2024, 10, 2), ON) is None  # 1 year 364 days old
    assert pep_template_for(dt.date(2024, 10, 1), ON) == PepTemplate.EYFS  # 2 today


def _register(personas, born: dt.date, name: str = "Robin"):  # type: ignore[no-untyped-def]
    return child_register(
        actor=personas.virtual_school_staff,
        details={
            "legal_first_name": name,
            "legal_last_name": "Ashdown",
            "date_of_birth": born,
            "gender": "female",
        },
        entered_care_on=ON,
        emergency_placement=False,
        legal_status=LegalStatus.CARE_ORDER,
        placement_type=PlacementType.FOSTER,
        school=None,
        school_known=False,
        social_worker=personas.social_worker,
    )


@pytest.fixture
def medway(personas):  # type: ignore[no-untyped-def]
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    return personas


def test_registered_at_each_age_the_initial_pep_has_the_template(medway):
    for age, born, template in AGES:
        child = _register(medway, born, name=f"Age{age}x{born:%m}")
        pep = Pep.objects.get(child=child)
        assert (pep.term, pep.template) == (Term.INITIAL, template), (age, born)
    assert Pep.objects.count() == len(AGES)


def test_an_eighteen_year_old_is_not_registered(medway):
    with pytest.raises(ValidationError) as refused:
        _register(medway, EIGHTEEN)
    assert "18 or over" in str(refused.value.message_dict["date_of_birth"])
    assert not Pep.objects.exists()


def test_where_the_roll_starts_at_three_a_two_year_old_has_no_pep(medway):
    PepRuleSet.objects.filter(authority=medway.authority).update(youngest_age=3)
    with pytest.raises(ValidationError, match="PEPs start at age 3 here"):
        _register(medway, dt.date(2024, 6, 15))
    assert not Pep.objects.exists()
    child = _register(medway, dt.date(2023, 5, 1))  # 3: nursery
    assert Pep.objects.get(child=child).template == PepTemplate.EYFS


def test_turning_18_the_last_pep_points_to_the_pathway_plan_and_none_follows(client, medway):
    # 17 on entering care (1 October 2026), 18 on 20 October 2026, before Spring opens
    # (1 January 2027): the initial PEP is the last.
    leaving = _register(medway, dt.date(2008, 10, 20), name="Leah")
    staying = _register(medway, dt.date(2009, 6, 1), name="Sam")  # 18 on 1 June 2027
    last = Pep.objects.get(child=leaving)
    client.force_login(medway.virtual_school_staff)
    page = client.get(reverse("pep_detail", args=[last.pk])).content.decode()
    assert (
        "This is Leah Ashdown&#x27;s last PEP: they turn 18 on 20 October 2026 and leave the "
        "PEP process. Their pathway plan" in page
    )
    child_page = client.get(reverse("child_detail", args=[leaving.pk])).content.decode()
    assert "last PEP: they turn 18 on 20 October 2026" in child_page
    sam_pep = Pep.objects.get(child=staying)
    assert (
        "last-pep-notice"
        not in client.get(reverse("pep_detail", args=[sam_pep.pk])).content.decode()
    )
    # Spring's PEPs are set up two weeks before 1 January 2027: Sam's, not Leah's (18).
    termly_set_up(today=dt.date(2026, 12, 18))
    assert set(Pep.objects.filter(term=Term.SPRING).values_list("child_id", flat=True)) == {
        staying.pk
    }
    # Sam's Summer 2027 PEP (opens 1 April) is her last: 18 on 1 June, before Autumn opens.
    termly_set_up(today=dt.date(2027, 3, 18))
    summer = Pep.objects.get(child=staying, term=Term.SUMMER)
    page = client.get(reverse("pep_detail", args=[summer.pk])).content.decode()
    assert "they turn 18 on 1 June 2027" in page
