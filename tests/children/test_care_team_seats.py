"""care_teams(only=...): the seats asked for, from the one derivation, with fewer queries."""

from children.access import Member, Seat, care_teams
from children.selectors import designated_teachers_by_child


def test_only_the_designated_teachers_in_four_queries(
    personas, pep_setting, django_assert_num_queries
):
    zara = pep_setting.child.pk
    # Zara's school is Dee Teacher's, and Zara's authority approves Dee there. Four queries:
    # the children's rows (their authority), their schools, the approvals, the open accounts
    # (no carers, no delegations).
    with django_assert_num_queries(4):
        teams = care_teams([zara], only=[Seat.DESIGNATED_TEACHER])
    assert teams == {zara: [Member(Seat.DESIGNATED_TEACHER, personas.designated_teacher.pk)]}
    # The same teacher the whole team names in that seat, and nobody else is read.
    whole = care_teams([zara])[zara]
    assert [m for m in whole if m.seat == Seat.DESIGNATED_TEACHER] == teams[zara]
    assert len(whole) > 1
    assert designated_teachers_by_child([zara]) == {zara: {personas.designated_teacher.pk}}
