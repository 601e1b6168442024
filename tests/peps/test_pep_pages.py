import datetime as dt

import pytest
from django.urls import reverse

from children.school_year import PepTemplate
from peps.models import Pep, PepSnapshot, PepStatus, SectionDraft, Term
from peps.services import pep_set_up
from tests.children.fixtures import register
from tests.conftest import PEP_CARE_TEAM, PERSONA_NAMES
from tests.peps.fixtures import full_answers

PERSONAS = PERSONA_NAMES
CARE_TEAM = PEP_CARE_TEAM


def section_post(key: str, template: str, version: int, **extra: str) -> dict[str, object]:
    data: dict[str, object] = {"version": version, **extra}
    for name, value in full_answers(key, template).items():
        if isinstance(value, str) and value.count("-") == 2 and value[:4].isdigit():
            y, m, d = value.split("-")
            data.update({f"{name}_0": d, f"{name}_1": m, f"{name}_2": y})
        else:
            data[name] = value
    return data


@pytest.mark.parametrize("name", PERSONAS)
def test_pep_pages_by_persona(client, personas, pep_setting, name):
    client.force_login(getattr(personas, name))
    pep = pep_setting.pep
    page = client.get(reverse("pep_detail", args=[pep.pk]))
    edit = client.get(reverse("section_edit", args=[pep.pk, "teacher_comments"]))
    if name in CARE_TEAM:
        assert page.status_code == 200
        school_staff = name in ("designated_teacher", "delegated_school_staff")
        assert edit.status_code == (200 if school_staff else 403)
    else:
        for response in (page, edit):
            assert response.status_code == 404
            assert "Zara" not in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    [
        "pep_mark_ready",
        "section_complete",
        "section_autosave",
        "attachment_upload",
    ],
)
def test_write_urls_reject_get(client, personas, pep_setting, url_name):
    client.force_login(personas.virtual_school_staff)
    args = [pep_setting.pep.pk]
    if url_name.startswith("section"):
        args.append("teacher_comments")
    assert client.get(reverse(url_name, args=args)).status_code == 405


def test_outsiders_cannot_post_to_a_pep(client, personas, pep_setting):
    client.force_login(personas.other_authority_virtual_school_staff)
    pep = pep_setting.pep
    for url in (
        reverse("qa_review", args=[pep.pk]),
        reverse("pep_submit", args=[pep.pk]),
        reverse("section_autosave", args=[pep.pk, "teacher_comments"]),
    ):
        assert client.post(url).status_code == 404
    assert SectionDraft.objects.count() == 0


def test_saving_a_section_through_the_page(client, personas, pep_setting):
    client.force_login(personas.designated_teacher)
    section = pep_setting.section("attendance")
    response = client.post(
        reverse("section_edit", args=[pep_setting.pep.pk, "attendance"]),
        section_post("attendance", "yg", section.version, save="Save"),
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.answers["suspended_or_excluded"] == "no"
    assert section.answers["attendance_notes"] == (
        "Answer to What is being done about attendance or exclusions"
    )


def test_invalid_answers_are_explained_and_kept_as_a_draft(client, personas, pep_setting):
    client.force_login(personas.designated_teacher)
    url = reverse("section_edit", args=[pep_setting.pep.pk, "attendance"])
    response = client.post(
        url, {"version": 1, "suspended_or_excluded": "perhaps", "attendance_notes": "Kept"}
    )
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert (
        "Select one of the answers given for “Has the child been suspended or excluded this "
        "term?”" in html
    )
    draft = SectionDraft.objects.get(author=personas.designated_teacher)
    assert draft.answers["attendance_notes"] == "Kept"
    again = client.get(url).content.decode()
    assert 'id="draft-restored"' in again
    assert "Kept" in again


def test_autosave_keeps_a_draft_and_says_when(client, personas, pep_setting):
    client.force_login(personas.designated_teacher)
    url = reverse("section_autosave", args=[pep_setting.pep.pk, "teacher_comments"])
    response = client.post(url, {"version": 1, "comments": "Half a thought"})
    assert response.json()["saved"] is True
    assert SectionDraft.objects.get().answers["comments"] == "Half a thought"


def test_the_second_of_two_saves_sees_both_versions(client, personas, pep_setting):
    pep = pep_setting.pep
    url = reverse("section_edit", args=[pep.pk, "teacher_comments"])
    client.force_login(personas.designated_teacher)
    client.post(url, {"version": 1, "comments": "Teacher's words", "save": "Save"})
    client.force_login(personas.delegated_school_staff)
    response = client.post(url, {"version": 1, "comments": "Colleague's words", "save": "Save"})
    html = response.content.decode()
    assert 'id="edit-conflict"' in html
    assert "Teacher&#x27;s words" in html and "Colleague&#x27;s words" in html
    assert pep_setting.section("teacher_comments").answers["comments"] == "Teacher's words"
    assert (
        SectionDraft.objects.get(author=personas.delegated_school_staff).answers["comments"]
        == "Colleague's words"
    )


def test_mark_complete_through_the_page_lists_what_is_missing(client, personas, pep_setting):
    client.force_login(personas.designated_teacher)
    response = client.post(
        reverse("section_complete", args=[pep_setting.pep.pk, "attendance"]), follow=True
    )
    assert "Record “Attendance this term, in sessions”" in response.content.decode()


def test_virtual_school_sets_up_a_pep_from_the_childs_page(client, personas, setting):
    client.force_login(personas.virtual_school_staff)
    url = reverse("pep_set_up", args=[setting.child.pk])
    response = client.post(url, {"term": "summer", "academic_year": "2026"})
    # (Her initial PEP was set up when she was registered.)
    pep = Pep.objects.get(child=setting.child, term="summer")
    assert response["Location"] == reverse("pep_detail", args=[pep.pk])
    again = client.post(url, {"term": "summer", "academic_year": "2026"})
    assert "already has a PEP for that term" in again.content.decode()
    client.force_login(personas.social_worker)
    assert client.post(url, {"term": "autumn", "academic_year": "2026"}).status_code == 403


@pytest.mark.parametrize(
    ("born", "template"),
    [
        (dt.date(2021, 8, 31), PepTemplate.YG),  # Year 1 in September 2026
        (dt.date(2021, 9, 1), PepTemplate.EYFS),  # Reception
        (dt.date(2010, 9, 1), PepTemplate.YG),  # Year 11
        (dt.date(2010, 8, 31), PepTemplate.POST_16),  # Year 12
    ],
)
def test_template_follows_the_school_year_at_the_boundaries(personas, born, template):
    child = register(personas, school=None, initial_pep=False)
    child.date_of_birth = born
    child.save()
    pep = pep_set_up(
        actor=personas.virtual_school_staff, child=child, academic_year=2026, term=Term.AUTUMN
    )
    assert pep.template == template
    keys = set(pep.sections.values_list("key", flat=True))
    assert "current_attainment" in keys


def test_signed_off_page_shows_the_snapshot(client, personas, pep_setting):
    pep = pep_setting.pep
    pep.status = PepStatus.SIGNED_OFF
    pep.signed_off_by = personas.virtual_school_staff
    pep.save()
    PepSnapshot.objects.create(
        pep=pep,
        content={
            "title": "Autumn PEP 2026/27",
            "template": "yg",
            "child": {"display_name": "Zara Quill"},
            "sections": [{"key": "teacher_comments", "answers": {"comments": "As it was"}}],
        },
    )
    client.force_login(personas.carer)
    html = client.get(reverse("pep_signed_off", args=[pep.pk])).content.decode()
    assert "As it was" in html


@pytest.mark.parametrize("how_many", [5, 50])
def test_pep_page_and_work_list_query_counts_do_not_grow(
    client, personas, pep_setting, django_assert_num_queries, how_many
):
    for n in range(how_many):
        child = register(
            personas,
            school=pep_setting.child.enrolments.get().school,
            name=f"Kid{n}",
            initial_pep=False,
        )
        pep_set_up(
            actor=personas.virtual_school_staff, child=child, academic_year=2026, term=Term.AUTUMN
        )
    client.force_login(personas.designated_teacher)
    # + PP+ permission and requests; + the QA reviews the reader may see; no meeting to record;
    # + the audit event of the opening; + whether the reader is in the care team (a previous
    # school reads every section, changing none), may see the child's outcomes and may record
    # them, and the page's buttons, asked of the engine together (one query, remembered for the
    # page load); + the reader's care team and previous-school windows, read once for the
    # page's many questions (children.rules.granted_children); + the term's education
    # outcomes (attainment, attendance, exclusions); + the rule set and its terms, once for the
    # page (which sections the task list marks as needed before the PEP can be marked ready,
    # the attendance thresholds); + the state of the records that answer the attainment and
    # attendance questions (one query)
    with django_assert_num_queries(18):
        client.get(reverse("pep_detail", args=[pep_setting.pep.pk]))
    # + the open meeting tasks (the no-school-place rule); + the rule sets and their terms (which
    # contributions are due before the meeting), the arranged meetings (the real due dates)
    with django_assert_num_queries(10):
        response = client.get(reverse("home"))
    # Seven tasks on each Autumn PEP: the six sections of the school and the child's views.
    autumn = [group for group in response.context["work"] if group.pep.term == Term.AUTUMN]
    assert len(autumn) == how_many + 1
    assert sum(len(group.tasks) for group in autumn) == 7 * (how_many + 1)
