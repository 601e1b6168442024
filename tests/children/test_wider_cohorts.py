"""The wider cohorts (issue 15), with no PEPs: previously looked-after children's advice and
information requests, logged with their outcome, and children with a social worker counted by
school with the school's contact. Both on the virtual school's dashboard, each with its own
count, counted here independently of the dashboard's queries."""

import datetime as dt

import pytest
from django.urls import reverse

from children.models import AdviceRequest, Child, Cohort, SocialWorkerCount
from children.services import advice_request_log
from tests.factories import ChildFactory, SchoolFactory

D = dt.date


def _date(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def _request(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "child": "",
        "child_name": "Robin A.",
        "school": "",
        **_date("received_on", D(2026, 10, 12)),
        "requester_kind": "parent",
        "requester_name": "Morgan Adopter",
        "requester_contact": "01632 960001",
        "topic": "admissions",
        "question": "Which schools must give Robin priority?",
    }
    form.update(changes)
    return form


@pytest.fixture
def adopted(personas):  # type: ignore[no-untyped-def]
    """A child of Northam who left care through adoption (previously looked after)."""
    return ChildFactory(
        authority=personas.authority,
        legal_first_name="Kit",
        cohort=Cohort.PREVIOUSLY_LOOKED_AFTER,
    )


def test_a_request_is_logged_closed_with_its_outcome_and_audited(client, personas, adopted):
    vs = personas.virtual_school_staff
    client.force_login(vs)
    school = personas.designated_teacher.school
    response = client.post(
        reverse("advice_add"),
        _request(child=str(adopted.pk), child_name="", school=str(school.urn), topic="send"),
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    advice = AdviceRequest.objects.get()
    assert (advice.child, advice.child_name, advice.school) == (
        adopted,
        adopted.display_name,
        school,
    )
    assert (advice.authority, advice.recorded_by, advice.is_open) == (personas.authority, vs, True)
    page = client.get(reverse("advice_list"), {"open": "1"}).content.decode()
    assert adopted.display_name in page and "Special educational needs" in page

    response = client.post(
        reverse("advice_detail", args=[advice.pk]),
        {
            "outcome": "advice_given",
            "outcome_notes": "Explained the EHCP route.",
            **_date("closed_on", D(2026, 10, 20)),
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    advice.refresh_from_db()
    assert (advice.outcome, advice.closed_on) == ("advice_given", D(2026, 10, 20))
    assert [h.history_user for h in advice.history.order_by("history_id")] == [vs, vs]
    assert "Open" not in client.get(reverse("advice_list"), {"open": "1"}).content.decode()
    # Closed is closed.
    response = client.post(
        reverse("advice_detail", args=[advice.pk]),
        {"outcome": "referred", **_date("closed_on", D(2026, 10, 21))},
    )
    assert response.status_code == 403
    advice.refresh_from_db()
    assert advice.outcome == "advice_given"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"child_name": ""}, "child_name", "Choose the child or enter their name"),
        ({"child_name": "x" * 500}, "child_name", "at most 200 characters"),
        ({"question": "q" * 2001}, "question", "at most 2000 characters"),
        ({"question": ""}, "question", "Enter what they asked"),
        ({"requester_kind": "alien"}, "requester_kind", "Select a valid choice"),
        ({"topic": "<script>x</script>"}, "topic", "Select a valid choice"),
        ({"school": "12ab"}, "school", "Enter the URN as 6 digits"),
        ({"child": "999999"}, "child", "Select a valid choice"),
        (_date("received_on", D(2099, 1, 1)), "received_on", "today or in the past"),
        ({"requester_name": "A\x00B"}, "requester_name", ""),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_logged(client, personas, changes, field, message):
    client.force_login(personas.virtual_school_staff)
    response = client.post(reverse("advice_add"), _request(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="#id_{field}' in page
    assert message in page
    assert "<script>x</script>" not in page
    assert not AdviceRequest.objects.exists()


def test_a_child_still_in_care_or_of_another_authority_cannot_be_named(personas, adopted):
    in_care = ChildFactory(authority=personas.authority)
    theirs = ChildFactory(authority=personas.other_authority, cohort=Cohort.PREVIOUSLY_LOOKED_AFTER)
    for child in (in_care, theirs):
        with pytest.raises(Exception, match="previously looked-after"):
            advice_request_log(
                actor=personas.virtual_school_staff,
                values={
                    "child": child,
                    "child_name": "",
                    "received_on": D(2026, 10, 1),
                    "requester_kind": "school",
                    "requester_name": "A Head",
                    "topic": "other",
                    "question": "?",
                },
            )
    assert not AdviceRequest.objects.exists()


@pytest.mark.parametrize(
    "persona",
    ["social_worker", "designated_teacher", "carer", "other_authority_virtual_school_staff"],
)
def test_only_the_authority_s_virtual_school_sees_or_logs_its_requests(
    client, personas, adopted, persona
):
    advice = advice_request_log(
        actor=personas.virtual_school_staff,
        values={
            "child": adopted,
            "child_name": "",
            "received_on": D(2026, 10, 1),
            "requester_kind": "parent",
            "requester_name": "Morgan Adopter",
            "topic": "other",
            "question": "?",
        },
    )
    client.force_login(getattr(personas, persona))
    detail = reverse("advice_detail", args=[advice.pk])
    assert client.get(detail).status_code in (403, 404)
    assert client.post(
        detail, {"outcome": "referred", **_date("closed_on", D(2026, 10, 2))}
    ).status_code in (403, 404)
    advice.refresh_from_db()
    assert advice.is_open
    if persona == "other_authority_virtual_school_staff":
        # Their own list is empty: Northam's request is not theirs.
        page = client.get(reverse("advice_list")).content.decode()
        assert "Morgan Adopter" not in page
    else:
        assert client.get(reverse("advice_list")).status_code == 403
        assert client.get(reverse("social_worker_counts")).status_code == 403


def test_children_with_a_social_worker_are_counted_by_school_with_the_contact(client, personas):
    client.force_login(personas.virtual_school_staff)
    oak, ash = SchoolFactory(name="Oak Primary"), SchoolFactory(name="Ash Academy")
    for school, children in ((oak, 7), (ash, 3), (oak, 9)):  # Oak's count replaced by 9
        response = client.post(
            reverse("social_worker_counts"),
            {
                "school": str(school.urn),
                "children": str(children),
                **_date("counted_on", D(2026, 11, 2)),
                "contact_name": f"{school.name} DSL",
                "contact_email": "dsl@example.org",
            },
        )
        assert response.status_code == 302, response.content.decode()[-3000:]
    assert dict(SocialWorkerCount.objects.values_list("school__name", "children")) == {
        "Oak Primary": 9,
        "Ash Academy": 3,
    }
    page = client.get(reverse("social_worker_counts")).content.decode()
    assert "12 children at 2 schools" in page and "Oak Primary DSL" in page
    for bad, message in (
        ("-1", "greater than or equal to 0"),
        ("10001", "less than or equal to 10000"),
        ("two", "whole number"),
    ):
        response = client.post(
            reverse("social_worker_counts"),
            {"school": str(oak.urn), "children": bad, **_date("counted_on", D(2026, 11, 2))},
        )
        assert message in response.content.decode()
    assert SocialWorkerCount.objects.get(school=oak).children == 9


def test_the_dashboard_counts_each_cohort_on_its_own(client, personas, adopted):
    vs = personas.virtual_school_staff
    # Previously looked after: Kit (the fixture) and one more of Northam; Southam's does not count.
    ChildFactory(authority=personas.authority, cohort=Cohort.PREVIOUSLY_LOOKED_AFTER)
    ChildFactory(authority=personas.other_authority, cohort=Cohort.PREVIOUSLY_LOOKED_AFTER)
    ChildFactory(authority=personas.authority, cohort=Cohort.LEFT_CARE)
    base = {"requester_kind": "parent", "requester_name": "P", "topic": "other", "question": "?"}
    for received, closed in (
        (D(2026, 9, 10), None),
        (D(2026, 9, 11), None),
        (D(2026, 9, 12), D(2026, 10, 1)),
        (D(2026, 6, 1), D(2026, 7, 1)),
    ):
        advice = advice_request_log(
            actor=vs, values={**base, "child_name": "C", "received_on": received}
        )
        if closed:
            AdviceRequest.objects.filter(pk=advice.pk).update(
                closed_on=closed, outcome="advice_given"
            )
    oak, ash = SchoolFactory(), SchoolFactory()
    SocialWorkerCount.objects.create(
        authority=personas.authority, school=oak, children=9, counted_on=D(2026, 11, 2)
    )
    SocialWorkerCount.objects.create(
        authority=personas.authority, school=ash, children=3, counted_on=D(2026, 11, 2)
    )
    SocialWorkerCount.objects.create(
        authority=personas.other_authority, school=ash, children=40, counted_on=D(2026, 11, 2)
    )

    # Counted independently, in Python, from every row.
    pla = sum(
        1
        for c in Child.objects.all()
        if c.authority_id == personas.authority.pk and c.cohort == Cohort.PREVIOUSLY_LOOKED_AFTER
    )
    ours = [a for a in AdviceRequest.objects.all() if a.authority_id == personas.authority.pk]
    open_ = sum(1 for a in ours if a.closed_on is None)
    closed_this_year = sum(1 for a in ours if a.closed_on and a.closed_on >= D(2026, 9, 1))
    counts = [r for r in SocialWorkerCount.objects.all() if r.authority_id == personas.authority.pk]
    assert (pla, open_, closed_this_year) == (2, 2, 1)
    assert (sum(r.children for r in counts), len(counts)) == (12, 2)

    client.force_login(vs)
    page = client.get(reverse("vs_dashboard"), {"year": 2026}).content.decode()
    assert f'id="previously-looked-after">{pla}</p>' in page
    assert f'id="advice-open">{open_}</p>' in page
    assert f"{closed_this_year} closed this school year" in page
    assert 'id="with-social-worker">12</p>' in page
    assert "at 2 schools" in page
