"""care_teams(only=...): the seats asked for, from the one derivation, with fewer queries."""

from children.access import Member, Seat, care_teams
from children.selectors import designated_teachers_by_child
from tests.children.fixtures import register


def test_only_the_designated_teachers_in_one_query(
    personas, pep_setting, django_assert_num_queries
):
    zara = pep_setting.child.pk
    # Zara's school is Dee Teacher's, and Zara's authority approves Dee there. One query: the
    # children's rows (their authority), their schools and the approvals, each person's
    # account open or not, as one UNION ALL (no carers, no delegations).
    with django_assert_num_queries(1):
        teams = care_teams([zara], only=[Seat.DESIGNATED_TEACHER])
    assert teams == {zara: [Member(Seat.DESIGNATED_TEACHER, personas.designated_teacher.pk)]}
    # The same teacher the whole team names in that seat, and nobody else is read.
    whole = care_teams([zara])[zara]
    assert [m for m in whole if m.seat == Seat.DESIGNATED_TEACHER] == teams[zara]
    assert len(whole) > 1
    assert designated_teachers_by_child([zara]) == {zara: {personas.designated_teacher.pk}}


def test_the_whole_team_is_one_query_however_many_children(
    personas, pep_setting, django_assert_num_queries
):
    """The walk reads every fact in one query (it was six), the same for one child as for all."""
    zara = pep_setting.child.pk
    with django_assert_num_queries(1):
        one = care_teams([zara])
    school = personas.designated_teacher.school
    others = [register(personas, school=school, name=f"Kid{n}").pk for n in range(5)]
    with django_assert_num_queries(1):
        teams = care_teams([zara, *others])
    assert teams[zara] == one[zara]
    # Each of the others has their allocated staff and their school's designated teacher.
    for child in others:
        assert Member(Seat.DESIGNATED_TEACHER, personas.designated_teacher.pk) in teams[child]
    with django_assert_num_queries(0):
        assert care_teams([]) == {}
