"""Defect 8 (issue 12), for PEP sections: a NUL character in an answer (save, "Save draft" and
autosave) and a tampered hidden `version` get a clear message; nothing typed is lost and
nothing saved is overwritten. The same for every form is in tests/portal/test_hostile_input.py."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from peps.models import SectionDraft
from peps.services import EditConflict, section_save, section_save_draft

KEY = "teacher_comments"
NUL_MESSAGE = (
    "We removed a hidden character that cannot be saved from “Designated teacher&#x27;s "
    "comments”: check it and try again"
)


@pytest.fixture
def urls(pep_setting):  # type: ignore[no-untyped-def]
    pk = pep_setting.pep.pk
    return reverse("section_edit", args=[pk, KEY]), reverse("section_autosave", args=[pk, KEY])


def test_defect_08_a_nul_in_an_answer_is_refused_clearly_and_the_rest_kept(
    client, personas, pep_setting, urls
):
    client.force_login(personas.designated_teacher)
    response = client.post(urls[0], {"version": 1, "comments": "Reads\x00 well", "save": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert NUL_MESSAGE in html
    assert ">\nReads well</textarea>" in html  # kept, without the NUL, to check and save again
    assert pep_setting.section(KEY).answers == {}  # not saved behind the person's back
    draft = SectionDraft.objects.get(author=personas.designated_teacher)
    assert draft.answers["comments"] == "Reads well"
    again = client.post(urls[0], {"version": 1, "comments": "Reads well", "save": ""})
    assert again.status_code == 302
    assert pep_setting.section(KEY).answers["comments"] == "Reads well"


def test_defect_08_a_nul_in_a_draft_or_an_autosave_is_dropped_and_the_text_kept(
    client, personas, pep_setting, urls
):
    client.force_login(personas.designated_teacher)
    saved = client.post(urls[1], {"version": 1, "comments": "Half\x00 a thought\x00"})
    assert saved.status_code == 200 and saved.json()["saved"] is True
    assert SectionDraft.objects.get().answers["comments"] == "Half a thought"
    kept = client.post(urls[0], {"version": 1, "comments": "More\x00", "save_draft": ""})
    assert kept.status_code == 302
    assert SectionDraft.objects.get().answers["comments"] == "More"
    # The date question and a choice, too: the values that can reach PostgreSQL.
    url = reverse("section_autosave", args=[pep_setting.pep.pk, "additional_needs"])
    response = client.post(
        url,
        {
            "version": 1,
            "sen_status": "ehcp\x00",
            "ehcp_review_date_0": "1\x00",
            "ehcp_review_date_2": "2",
        },
    )
    assert response.json()["saved"] is True


@pytest.mark.parametrize("version", ["-1", str(10**29), "abc", "1.5", "\u0661", None])
def test_defect_08_a_tampered_version_is_a_clear_conflict_and_overwrites_nothing(
    client, personas, pep_setting, urls, version
):
    client.force_login(personas.delegated_school_staff)
    section_save(
        actor=personas.designated_teacher,
        section=pep_setting.section(KEY),
        answers={"comments": "Saved by the teacher"},
        base_version=1,
    )
    data = {"comments": "Typed by the colleague"}
    if version is not None:
        data["version"] = version
    response = client.post(urls[0], data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "We could not tell which version of this section you started from" in html
    assert "Typed by the colleague" in html and "Saved by the teacher" in html
    assert 'name="save_mine"' in html and 'name="seen_version" value="2"' in html
    assert pep_setting.section(KEY).answers["comments"] == "Saved by the teacher"
    draft = SectionDraft.objects.get(author=personas.delegated_school_staff)
    assert draft.answers["comments"] == "Typed by the colleague"
    assert draft.base_version == 0  # not known: reopening asks again
    # The same tampering in "Save draft" and autosave keeps the text too.
    assert client.post(urls[0], {**data, "save_draft": ""}).status_code == 302
    autosaved = client.post(urls[1], data)
    assert autosaved.status_code == 200 and autosaved.json()["saved"] is True
    # And the person can still choose to keep theirs.
    mine = client.post(urls[0], {**data, "seen_version": "2", "save_mine": ""})
    assert mine.status_code == 302
    assert pep_setting.section(KEY).answers["comments"] == "Typed by the colleague"


@pytest.mark.parametrize("version", [-1, 0, 10**29, None])
def test_defect_08_services_refuse_a_version_that_cannot_be_one(personas, pep_setting, version):
    section = pep_setting.section(KEY)
    with pytest.raises(EditConflict):
        section_save(
            actor=personas.designated_teacher,
            section=section,
            answers={"comments": "x"},
            base_version=version,
        )
    draft = section_save_draft(
        actor=personas.designated_teacher,
        section=section,
        answers={"comments": "x\x00y"},
        base_version=version,
    )
    draft.refresh_from_db()
    assert draft.base_version == 0 and draft.answers == {"comments": "xy"}
    with pytest.raises(ValidationError):
        section_save(
            actor=personas.designated_teacher,
            section=section,
            answers={"comments": "x\x00y"},
            base_version=1,
        )
