"""Defect 2 (issue 12): after losing an edit conflict, the loser must be able to save their
version on top of the one they were shown, or take the other person's, through the page, the
autosave and the services; and a third save in the meantime is still never overwritten."""

import pytest
from django.urls import reverse

from peps import services
from peps.models import SectionDraft
from peps.services import EditConflict, section_save, section_save_draft

KEY = "teacher_comments"


def edit_url(pep_setting) -> str:  # type: ignore[no-untyped-def]
    return reverse("section_edit", args=[pep_setting.pep.pk, KEY])


def autosave_url(pep_setting) -> str:  # type: ignore[no-untyped-def]
    return reverse("section_autosave", args=[pep_setting.pep.pk, KEY])


@pytest.fixture
def lost_conflict(client, personas, pep_setting):  # type: ignore[no-untyped-def]
    """Both opened version 1; the teacher saved first; the colleague's save met the conflict
    page. The colleague is signed in."""
    client.force_login(personas.designated_teacher)
    first = client.post(edit_url(pep_setting), {"version": 1, "comments": "Teacher's words"})
    assert first.status_code == 302
    client.force_login(personas.delegated_school_staff)
    clash = client.post(edit_url(pep_setting), {"version": 1, "comments": "Colleague's words"})
    assert 'id="edit-conflict"' in clash.content.decode()
    return clash


def test_defect_02_the_loser_of_an_edit_conflict_can_save_their_version(
    client, personas, pep_setting, lost_conflict
):
    html = lost_conflict.content.decode()
    # Both versions on the page, and the two choices, the new one named by its version.
    assert "Teacher&#x27;s words" in html and "Colleague&#x27;s words" in html
    assert 'name="save_mine"' in html and 'name="use_theirs"' in html
    assert 'name="seen_version" value="2"' in html
    # Reopening the section still shows the choice, not a form that can never be saved.
    reopened = client.get(edit_url(pep_setting)).content.decode()
    assert 'id="edit-conflict"' in reopened and 'name="save_mine"' in reopened
    assert "Colleague&#x27;s words" in reopened
    # "Save draft" keeps the conflict open rather than losing it or the words.
    draft = client.post(
        edit_url(pep_setting),
        {"version": 1, "seen_version": 2, "comments": "Colleague's words, again", "save_draft": ""},
    )
    assert draft.status_code == 302
    assert 'name="save_mine"' in client.get(edit_url(pep_setting)).content.decode()
    # "Save my version", after seeing theirs: saved on top of version 2.
    saved = client.post(
        edit_url(pep_setting),
        {"version": 1, "seen_version": 2, "comments": "Colleague's words, again", "save_mine": ""},
    )
    assert saved.status_code == 302
    assert saved["Location"] == reverse("pep_detail", args=[pep_setting.pep.pk])
    section = pep_setting.section(KEY)
    assert section.answers["comments"] == "Colleague's words, again"
    assert section.version == 3
    assert section.updated_by == personas.delegated_school_staff
    assert not SectionDraft.objects.filter(author=personas.delegated_school_staff).exists()
    # Afterwards the section is an ordinary form again.
    after = client.get(edit_url(pep_setting)).content.decode()
    assert 'id="edit-conflict"' not in after and 'name="save_mine"' not in after
    assert 'name="version" value="3"' in after


def test_defect_02_the_loser_can_take_the_other_version_instead(
    client, personas, pep_setting, lost_conflict
):
    taken = client.post(
        edit_url(pep_setting),
        {"version": 1, "seen_version": 2, "comments": "Colleague's words", "use_theirs": ""},
    )
    assert taken.status_code == 302
    assert taken["Location"] == edit_url(pep_setting)
    assert not SectionDraft.objects.filter(author=personas.delegated_school_staff).exists()
    html = client.get(taken["Location"]).content.decode()
    assert "Your draft has been deleted" in html
    assert 'id="edit-conflict"' not in html
    assert "Teacher&#x27;s words" in html and "Colleague&#x27;s words" not in html
    # The ordinary Save now works, from version 2.
    assert 'name="version" value="2"' in html
    saved = client.post(edit_url(pep_setting), {"version": 2, "comments": "Teacher's, tidied"})
    assert saved.status_code == 302
    assert pep_setting.section(KEY).answers["comments"] == "Teacher's, tidied"
    assert pep_setting.section(KEY).version == 3


def test_defect_02_autosave_after_a_conflict_keeps_the_words_and_the_choice(
    client, personas, pep_setting, lost_conflict
):
    response = client.post(
        autosave_url(pep_setting),
        {"version": 1, "seen_version": 2, "comments": "Colleague's words, still typing"},
    )
    assert response.json()["saved"] is True
    draft = SectionDraft.objects.get(author=personas.delegated_school_staff)
    assert draft.answers["comments"] == "Colleague's words, still typing"
    assert draft.base_version == 1  # still based on what they opened: the conflict stands
    reopened = client.get(edit_url(pep_setting)).content.decode()
    assert 'id="edit-conflict"' in reopened
    assert "Colleague&#x27;s words, still typing" in reopened
    assert 'name="seen_version" value="2"' in reopened
    saved = client.post(
        edit_url(pep_setting),
        {"version": 1, "seen_version": 2, "comments": "Colleague's words, still typing",
         "save_mine": ""},
    )  # fmt: skip
    assert saved.status_code == 302
    assert pep_setting.section(KEY).answers["comments"] == "Colleague's words, still typing"


def test_defect_02_a_save_after_the_conflict_page_never_overwrites_a_later_version(
    client, personas, pep_setting, lost_conflict
):
    """The colleague was shown version 2; the teacher saves again (version 3) before the
    colleague chooses: "Save my version" meets a new conflict showing version 3."""
    section = pep_setting.section(KEY)
    section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={"comments": "Teacher, third"},
        base_version=2,
    )
    again = client.post(
        edit_url(pep_setting),
        {"version": 1, "seen_version": 2, "comments": "Colleague's words", "save_mine": ""},
    )
    html = again.content.decode()
    assert 'id="edit-conflict"' in html
    assert "Teacher, third" in html and 'name="seen_version" value="3"' in html
    assert pep_setting.section(KEY).answers == {"comments": "Teacher, third"}
    draft = SectionDraft.objects.get(author=personas.delegated_school_staff)
    assert draft.answers["comments"] == "Colleague's words"


def test_defect_02_invalid_answers_on_the_conflict_page_keep_the_conflict(
    client, personas, pep_setting
):
    key = "attendance"
    url = reverse("section_edit", args=[pep_setting.pep.pk, key])
    client.force_login(personas.designated_teacher)
    client.post(url, {"version": 1, "part_time_timetable": "no"})
    client.force_login(personas.delegated_school_staff)
    client.post(url, {"version": 1, "part_time_timetable": "yes", "attendance_notes": "Mine"})
    wrong = client.post(
        url,
        {"version": 1, "seen_version": 2, "part_time_timetable": "sometimes",
         "attendance_notes": "Mine", "save_mine": ""},
    )  # fmt: skip
    html = wrong.content.decode()
    assert "Select one of the answers given for “Is the child on a part-time timetable?”" in html
    assert 'id="edit-conflict"' in html and 'name="save_mine"' in html
    assert pep_setting.section(key).answers["part_time_timetable"] == "no"


# The same through the services.


def test_services_save_my_version_on_top_of_the_one_shown(personas, pep_setting):
    opened = pep_setting.section(KEY)
    section_save(
        actor=personas.designated_teacher,
        section=opened,
        answers={"comments": "First"},
        base_version=1,
    )
    with pytest.raises(EditConflict) as clash:
        section_save(
            actor=personas.delegated_school_staff,
            section=pep_setting.section(KEY),
            answers={"comments": "Second"},
            base_version=1,
        )
    shown = clash.value.section
    assert shown.version == 2
    section_save_draft(
        actor=personas.delegated_school_staff,
        section=shown,
        answers={"comments": "Second"},
        base_version=1,
    )
    saved = section_save(
        actor=personas.delegated_school_staff,
        section=shown,
        answers={"comments": "Second"},
        base_version=shown.version,
    )
    assert saved.answers == {"comments": "Second"} and saved.version == 3
    assert not SectionDraft.objects.exists()


def test_defect_02_services_take_their_version_by_discarding_my_draft(personas, pep_setting):
    section = pep_setting.section(KEY)
    section_save_draft(
        actor=personas.delegated_school_staff,
        section=section,
        answers={"comments": "Mine"},
        base_version=1,
    )
    section_save_draft(
        actor=personas.designated_teacher,
        section=section,
        answers={"comments": "Someone else's draft"},
        base_version=1,
    )
    services.section_discard_draft(actor=personas.delegated_school_staff, section=section)
    assert list(SectionDraft.objects.values_list("author", flat=True)) == [
        personas.designated_teacher.pk
    ]
    assert pep_setting.section(KEY).answers == {}
