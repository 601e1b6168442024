import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from children.models import Child
from pep_portal.audit.models import AuditAction, AuditEvent
from tests.children.fixtures import register
from tests.factories import SchoolFactory


def date_fields(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


REGISTRATION = {
    "legal_first_name": "Poppy",
    "legal_last_name": "Field",
    **date_fields("date_of_birth", dt.date(2016, 4, 4)),
    "gender": "female",
    "sen_status": "none",
    **date_fields("entered_care_on", dt.date(2026, 10, 1)),
    "emergency_placement": "yes",
    "legal_status": "ico",
    "placement_type": "foster",
}


def test_virtual_school_registers_a_child_and_lands_on_the_record(client, personas):
    school = SchoolFactory(urn=123456)
    client.force_login(personas.virtual_school_staff)
    response = client.post(
        reverse("child_register"),
        {
            **REGISTRATION,
            "school": "123456",
            "carers": [personas.carer.pk],
            "social_worker": personas.social_worker.pk,
            "confirm": "yes",  # "Register child" on the check page
        },
    )
    child = Child.objects.get(legal_first_name="Poppy")
    assert response["Location"] == reverse("child_detail", args=[child.pk])
    assert child.authority == personas.authority
    assert child.enrolments.get().school == school
    assert child.episodes.get().emergency_placement is True
    page = client.get(response["Location"]).content.decode()
    assert "Poppy Field" in page
    assert personas.carer.full_name in page


def test_a_bad_registration_keeps_what_was_typed_and_names_each_problem(client, personas):
    client.force_login(personas.virtual_school_staff)
    form = {
        **REGISTRATION,
        "legal_first_name": "",
        "upn": "A123",
        **date_fields("date_of_birth", dt.date(2016, 4, 4)),
        "school": "99x",
        "date_of_birth_0": "31",
        "date_of_birth_1": "2",
    }
    response = client.post(reverse("child_register"), form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Enter the child&#x27;s legal first name" in html
    assert "Enter a UPN of 13 characters" in html
    assert "Enter a real date" in html
    assert "Enter the URN as 6 digits" in html
    assert 'value="Field"' in html  # nothing typed is lost
    assert not Child.objects.exists()


@pytest.mark.parametrize(
    "hostile",
    ["<script>alert(1)</script>", "=cmd|' /C calc'!A0", "Robert'); DROP TABLE children_child;--"],
)
def test_hostile_names_are_stored_as_text_and_escaped(client, personas, hostile):
    client.force_login(personas.virtual_school_staff)
    client.post(
        reverse("child_register"),
        {**REGISTRATION, "legal_first_name": hostile, "confirm": "yes"},
    )
    child = Child.objects.get()
    assert child.legal_first_name == hostile
    html = client.get(reverse("child_detail", args=[child.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html


def test_oversized_input_is_refused_not_truncated(client, personas):
    client.force_login(personas.virtual_school_staff)
    response = client.post(
        reverse("child_register"), {**REGISTRATION, "legal_last_name": "x" * 5000}
    )
    assert "Ensure this value has at most 100 characters" in response.content.decode()
    assert not Child.objects.exists()


def test_too_young_for_a_pep_is_refused(client, personas):
    client.force_login(personas.virtual_school_staff)
    response = client.post(
        reverse("child_register"),
        {**REGISTRATION, **date_fields("date_of_birth", dt.date(2025, 1, 1))},
    )
    assert "PEPs are for children from age 2 to 18" in response.content.decode()


def test_no_school_place_is_shown_prominently(client, personas):
    child = register(personas, school=None)
    client.force_login(personas.social_worker)
    assert (
        'id="no-school-place"'
        in client.get(reverse("child_detail", args=[child.pk])).content.decode()
    )
    listing = client.get(reverse("child_list")).content.decode()
    assert "No school place" in listing


def test_every_view_of_a_record_is_logged_and_shown_in_the_audit_trail(client, personas, setting):
    client.force_login(personas.designated_teacher)
    client.get(reverse("child_detail", args=[setting.child.pk]))
    opened = AuditEvent.objects.filter(
        actor=personas.designated_teacher, action=AuditAction.CHILD_RECORD_OPENED
    )
    assert list(opened.values_list("child_id", "detail")) == [
        (setting.child.pk, {"page": "record"})
    ]
    admin = personas.virtual_school_staff
    admin.is_vs_administrator = True
    admin.save()
    client.force_login(admin)
    client.post(
        reverse("child_edit", args=[setting.child.pk]),
        {
            "legal_first_name": "Zara",
            "legal_last_name": "Quill",
            "preferred_name": "Zee",
            **date_fields("date_of_birth", dt.date(2015, 5, 5)),
            "gender": "female",
            "sen_status": "none",
        },
    )
    html = client.get(reverse("child_audit", args=[setting.child.pk])).content.decode()
    assert "Viewed record" in html
    assert personas.designated_teacher.full_name in html
    assert "preferred name: “” → “Zee”" in html
    assert "Child&#x27;s details created" in html


def test_the_audit_trail_names_who_changed_a_record_without_reading_their_whole_account(
    client, personas, setting
):
    """Only the name of whoever made a change (or "System") is shown: the trail reads it as
    one joined column, never a whole User row through select_related (one per row before)."""
    admin = personas.virtual_school_staff
    admin.is_vs_administrator = True
    admin.save()
    child = Child.objects.get(pk=setting.child.pk)
    child.preferred_name = "Zed"
    child._history_user = admin  # type: ignore[attr-defined]
    child.save()
    del child._history_user  # type: ignore[attr-defined]
    child.preferred_name = "Zee"
    child.save()  # no user: made by the system
    client.force_login(admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("child_audit", args=[setting.child.pk]))
    html = response.content.decode()
    cell = '<td class="govuk-table__cell">'
    changed = f"{cell}Child&#x27;s details changed<ul"
    assert f"{cell}{admin.full_name}</td>{changed}" in html
    assert f"{cell}System</td>{changed}" in html
    assert "preferred name: “” → “Zed”" in html
    assert "preferred name: “Zed” → “Zee”" in html
    # The history and audit event reads (ten and one) join the author's name, not their account.
    trail = [
        q["sql"]
        for q in queries.captured_queries
        if "historical" in q["sql"] or q["sql"].startswith('SELECT "audit_auditevent"')
    ]
    assert len(trail) >= 11
    assert not [sql for sql in trail if '"accounts_user"."password"' in sql]


def test_search_and_filters_for_virtual_school(client, personas, setting):
    register(personas, school=None, name="Nell")
    client.force_login(personas.virtual_school_staff)

    def names(**q):
        return {
            c.legal_first_name
            for c in client.get(reverse("child_list"), q).context["page"].object_list
        }

    assert names() == {"Zara", "Nell"}
    assert names(q="nell") == {"Nell"}
    assert names(no_school_place="on") == {"Nell"}
    assert names(template="yg") == {"Zara", "Nell"}
    assert names(template="eyfs") == set()
    # The social worker is typed (part of the name, or the e-mail address), not chosen from a
    # menu of every social worker in the authority.
    Child.objects.filter(legal_first_name="Nell").update(
        social_worker=personas.unrelated_social_worker  # Bob Social; Zara keeps Alice Social
    )
    assert names(social_worker="alice") == {"Zara"}
    assert names(social_worker="  BOB soc ") == {"Nell"}
    assert names(social_worker="Bob.Social@example.org") == {"Nell"}
    assert names(social_worker="social") == {"Zara", "Nell"}
    assert names(social_worker="Sid Social") == set()  # another authority's
    html = client.get(reverse("child_list")).content.decode()
    assert '<select name="social_worker"' not in html
    assert 'name="social_worker"' in html and "Part of their name" in html


@pytest.mark.parametrize("how_many", [5, 50])
def test_child_list_query_count_does_not_grow(
    client, personas, django_assert_num_queries, how_many
):
    for n in range(how_many):
        register(personas, school=personas.designated_teacher.school, name=f"Kid{n}")
    # Session, user, (authority for the footer), count, page (the session is not written on
    # every request; the social worker is typed, not a menu read from the database): the same
    # however many children.
    for user, expected in ((personas.virtual_school_staff, 5), (personas.designated_teacher, 4)):
        client.force_login(user)
        with django_assert_num_queries(expected):
            response = client.get(reverse("child_list"))
        assert response.context["page"].paginator.count == how_many


@pytest.mark.parametrize("how_many", [5, 50])
def test_child_page_query_count_does_not_grow(
    client, personas, setting, django_assert_num_queries, how_many
):
    for n in range(how_many):
        register(personas, school=setting.school, name=f"Kid{n}")
    client.force_login(personas.virtual_school_staff)
    # The care team comes from its one derivation (children.access.care_teams: one query,
    # then one for the people), not from a second reading of the loaded record; + the PEPs list;
    # + the warnings an import left for the virtual school to correct; + the education
    # outcomes (may see, may record, the rule set's lines, attendance, exclusions, attainment);
    # + the part-time timetables and the times without a setting. The page's questions about
    # the child (may change, delegate, read the audit, see and record the outcomes) are asked
    # of the engine together: one query, not one each.
    with django_assert_num_queries(22):
        response = client.get(reverse("child_detail", args=[setting.child.pk]))
    # The count is of the real page, not of a redirect or a refusal.
    assert response.status_code == 200
    assert "Zara Quill" in response.content.decode()
