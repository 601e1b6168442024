"""The import's rules on small hand-written extracts: the initial PEP of a recent entry to care,
emergency or planned by the rule set's codes, a week later (moves and leavers), corrections by
hand kept, the youngest age."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from children.models import Child, Cohort, RecordWarning
from pep_portal.calendars.models import PepRuleSet
from peps.models import Pep, Term
from tests.factories import LocalAuthorityFactory

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,URN\n"


@pytest.fixture
def authority(db):  # type: ignore[no-untyped-def]
    return LocalAuthorityFactory(name="Northam Council", slug="northam")


def run(tmp_path: Path, header: str, episodes: str, as_of: str = "2018-03-31") -> str:
    (tmp_path / "header.csv").write_text(HEADER + header)
    (tmp_path / "episodes.csv").write_text(EPISODES + episodes)
    out = io.StringIO()
    call_command(
        "import_903",
        "--authority",
        "northam",
        "--as-of",
        as_of,
        str(tmp_path / "header.csv"),
        str(tmp_path / "episodes.csv"),
        stdout=out,
    )
    return out.getvalue()


def test_a_recent_entry_to_care_gets_its_initial_pep_an_old_one_does_not(authority, tmp_path):
    run(
        tmp_path,
        "R1,1,01/01/2010,WBRI,UN4\nO1,2,01/01/2010,WBRI,UN4\n",
        # R1 entered care 11 days before the extract's date; O1 two years before.
        "R1,20/03/2018,S,C1,N1,U4,PR1,,,\nO1,20/03/2016,S,C1,N1,U4,PR1,,,\n",
    )
    assert list(Pep.objects.values_list("child__social_care_id", "term")) == [("R1", Term.INITIAL)]


def test_emergency_or_planned_follows_the_rule_sets_codes(authority, tmp_path):
    PepRuleSet.objects.create(
        authority=authority, emergency_legal_statuses="L2", emergency_placement_codes="T0"
    )
    run(
        tmp_path,
        "E1,1,01/01/2010,WBRI,UN4\nE2,1,01/01/2010,WBRI,UN4\nP1,1,01/01/2010,WBRI,UN4\n"
        "P2,1,01/01/2010,WBRI,UN4\n",
        # E1: an emergency protection order (L2); E2: a temporary placement (T0); P1: a care
        # order; P2: police protection, which this rule set does not count.
        "E1,01/02/2017,S,L2,N1,U4,PR1,,,\nE2,01/02/2017,S,C2,N1,T0,PR1,,,\n"
        "P1,01/02/2017,S,C2,N1,U4,PR1,,,\nP2,01/02/2017,S,L1,N1,U4,PR1,,,\n",
    )
    emergency = dict(Child.objects.values_list("social_care_id", "episodes__emergency_placement"))
    assert emergency == {"E1": True, "E2": True, "P1": False, "P2": False}


def test_the_default_rule_counts_police_protection_as_an_emergency(authority, tmp_path):
    run(tmp_path, "D1,1,01/01/2010,WBRI,UN4\n", "D1,01/02/2017,S,L1,N1,U4,PR1,,,\n")
    assert Child.objects.get().episodes.get().emergency_placement is True


def test_next_weeks_extract_moves_one_child_and_sees_another_leave(authority, tmp_path):
    header = "M1,1,01/01/2010,WBRI,UN4\nL1,2,01/01/2009,WBRI,UN4\n"
    week1 = "M1,01/02/2017,S,C2,N1,U4,PR1,,,\nL1,01/02/2017,S,C2,N1,U6,PR1,,,\n"
    run(tmp_path, header, week1, as_of="2018-03-24")
    week2 = (
        "M1,01/02/2017,S,C2,N1,U4,PR1,27/03/2018,X1,\n"
        "M1,27/03/2018,P,C2,N1,K2,PR4,,,\n"
        "L1,01/02/2017,S,C2,N1,U6,PR1,28/03/2018,E45,\n"
    )
    output = run(tmp_path, header, week2)
    assert "0 new children, 1 changed placements, 1 left care" in output
    moved = Child.objects.get(social_care_id="M1")
    assert list(moved.placements.order_by("started_on").values_list("started_on", "ended_on")) == [
        (dt.date(2017, 2, 1), dt.date(2018, 3, 26)),
        (dt.date(2018, 3, 27), None),
    ]
    left = Child.objects.get(social_care_id="L1")
    assert left.cohort == Cohort.PREVIOUSLY_LOOKED_AFTER
    assert left.episodes.get().ended_on == dt.date(2018, 3, 28)


def test_a_correction_by_hand_is_kept_and_shown(authority, tmp_path):
    run(tmp_path, "C1,1,01/01/2010,WBRI,UN4\n", "C1,01/02/2017,S,C2,N1,U4,PR1,,,\n")
    child = Child.objects.get()
    child.date_of_birth = dt.date(2010, 1, 2)  # the virtual school corrects it
    child.save()
    output = run(tmp_path, "C1,1,01/01/2010,WBRI,UN4\n", "C1,01/02/2017,S,C2,N1,U4,PR1,,,\n")
    child.refresh_from_db()
    assert child.date_of_birth == dt.date(2010, 1, 2)
    assert (
        "Not changed: C1: date of birth: the portal has 02/01/2010, the extract 01/01/2010 "
        "(portal kept)" in output
    )


def test_a_valid_upn_is_taken_and_the_name_is_asked_for(authority, tmp_path):
    # A UPN with a correct check letter (worked by hand in tests/children/test_upn.py).
    run(tmp_path, "U1,1,01/01/2010,WBRI,B801200005001\n", "U1,01/02/2017,S,C2,N1,U4,PR1,,,\n")
    child = Child.objects.get()
    assert child.upn == "B801200005001"
    assert not RecordWarning.objects.filter(child=child, field="upn").exists()
    assert RecordWarning.objects.filter(child=child, field="name").exists()


def test_children_younger_than_the_rule_sets_youngest_age_are_left_out(authority, tmp_path):
    PepRuleSet.objects.create(authority=authority, youngest_age=3)
    output = run(
        tmp_path,
        "Y1,1,01/06/2015,WBRI,UN1\nY2,1,01/03/2015,WBRI,UN1\nY3,1,01/08/2014,WBRI,UN1\n",
        # On 31 March 2018 Y1 is 2; Y2 is 3 but was 2 on 31 August 2017, so not yet in
        # nursery; Y3 is 3 and in nursery.
        "Y1,01/02/2017,S,C2,N1,U4,PR1,,,\nY2,01/02/2017,S,C2,N1,U4,PR1,,,\n"
        "Y3,01/02/2017,S,C2,N1,U4,PR1,,,\n",
    )
    assert list(Child.objects.values_list("social_care_id", flat=True)) == ["Y3"]
    assert "2 younger than the roll's youngest age" in output


def test_an_initial_pep_only_for_an_entry_within_the_rule_sets_days_of_the_extracts_date(
    authority, tmp_path
):
    # Counted by hand: 1 March 2018 is 30 days before 31 March; 28 February is 31 days before.
    run(
        tmp_path,
        "D30,1,01/01/2010,WBRI,UN4\nD31,1,01/01/2010,WBRI,UN4\n",
        "D30,01/03/2018,S,C2,N1,U4,PR1,,,\nD31,28/02/2018,S,C2,N1,U4,PR1,,,\n",
    )
    assert list(Pep.objects.values_list("child__social_care_id", flat=True)) == ["D30"]


def test_the_rule_sets_days_decide_and_a_return_to_care_follows_them_too(authority, tmp_path):
    PepRuleSet.objects.create(authority=authority, initial_pep_lookback_days=10)
    run(
        tmp_path,
        "T10,1,01/01/2010,WBRI,UN4\nT11,1,01/01/2010,WBRI,UN4\n"
        "BACK,2,01/01/2009,WBRI,UN4\nOLD,2,01/01/2009,WBRI,UN4\n",
        # T10 entered 10 days before 31 March, T11 eleven. BACK left care in 2017 and came back
        # 5 days before; OLD came back in 2017, long before.
        "T10,21/03/2018,S,C2,N1,U4,PR1,,,\nT11,20/03/2018,S,C2,N1,U4,PR1,,,\n"
        "BACK,01/02/2016,S,C2,N1,U4,PR1,01/02/2017,E4A,\nBACK,26/03/2018,S,V2,N1,U4,PR1,,,\n"
        "OLD,01/02/2016,S,C2,N1,U4,PR1,01/02/2017,E4A,\nOLD,01/05/2017,S,V2,N1,U4,PR1,,,\n",
    )
    assert sorted(Pep.objects.values_list("child__social_care_id", "term")) == [
        ("BACK", Term.INITIAL),
        ("T10", Term.INITIAL),
    ]
    # Both returns are recorded, whether or not they start a PEP.
    assert Child.objects.get(social_care_id="OLD").episodes.count() == 2
    assert Child.objects.get(social_care_id="BACK").episodes.count() == 2


def test_two_children_with_one_upn_are_imported_without_it_with_a_warning(authority, tmp_path):
    # B801200005001 has a correct check letter (tests/children/test_upn.py); two rows carry it.
    output = run(
        tmp_path,
        "S1,1,01/01/2010,WBRI,B801200005001\nS2,2,01/01/2011,WBRI,B801200005001\n",
        "S1,01/02/2017,S,C2,N1,U4,PR1,,,\nS2,01/02/2017,S,C2,N1,U4,PR1,,,\n",
    )
    assert "2 new children" in output
    assert list(Child.objects.order_by("social_care_id").values_list("upn", flat=True)) == ["", ""]
    assert RecordWarning.objects.filter(
        child__social_care_id="S1",
        field="upn",
        message="UPN B801200005001 not imported: child S2 has the same UPN",
    ).exists()
    assert "Warning: header.csv, line 3, UPN: UPN B801200005001 not imported: child S1" in output
