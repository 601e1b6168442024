"""The PEP page as a task list: a section the viewer may change is a link to its form; one
they may only read is plain text marked "read only for you", its answers in a collapsed
section further down; progress in plain words ("No questions answered yet (1 question)",
never "0 of 1 questions")."""

import re

import pytest

from pep_portal.ui import questions_answered
from peps.sections import SECTIONS_BY_KEY
from tests.cycle import test_cycle_rules

pytestmark = pytest.mark.django_db

# A child moved school today; the previous school reads the PEP for the rule set's window.
moved_today = test_cycle_rules.moved_today


@pytest.mark.parametrize(
    ("answered", "asked", "words"),
    [
        (0, 1, "No questions answered yet (1 question)"),
        (0, 3, "No questions answered yet (3 questions)"),
        (1, 1, "The question is answered"),
        (2, 5, "2 of 5 questions answered"),
        (1, 2, "1 of 2 questions answered"),
        (4, 4, "All 4 questions answered"),
        (0, 0, "No questions to answer"),
    ],
)
def test_progress_in_plain_words(answered, asked, words):
    assert questions_answered(answered, asked) == words


def _task(html: str, key: str) -> str:
    start = html.index(f'id="task-{key}"')
    return html[start : html.index("</li>", start)]


def test_only_the_sections_a_viewer_may_change_are_links(client, personas, pep_setting):
    pep = pep_setting.pep
    keys = [s.key for s in pep.sections.all()]
    teacher_keys = [k for k in keys if SECTIONS_BY_KEY[k].owner == "designated_teacher"]
    assert "care_information" in keys and teacher_keys  # both kinds on this PEP
    client.force_login(personas.designated_teacher)
    html = client.get(f"/peps/{pep.pk}/").content.decode()
    for key in teacher_keys:
        assert f'href="/peps/{pep.pk}/sections/{key}/"' in _task(html, key)
        assert "read only for you" not in _task(html, key)
    care = _task(html, "care_information")
    assert "href=" not in care and "govuk-task-list__item--with-link" not in care
    assert "read only for you" in care
    # The independent reviewing officer reads and changes nothing: no section is a link, no
    # "Change" or "Mark complete" anywhere.
    client.force_login(personas.independent_reviewing_officer)
    html = client.get(f"/peps/{pep.pk}/").content.decode()
    assert not re.search(rf'href="/peps/{pep.pk}/sections/', html)
    assert "Mark complete" not in html and ">Change<" not in html
    assert all("read only for you" in _task(html, key) for key in keys)


def test_answers_are_collapsed_one_section_each(client, personas, pep_setting):
    pep = pep_setting.pep
    client.force_login(personas.social_worker)
    html = client.get(f"/peps/{pep.pk}/").content.decode()
    sections = pep.sections.count()
    assert html.count('<details class="govuk-details" id="section-') == sections
    assert "0 of 1 questions" not in html and "No questions answered yet (" in html


def test_the_previous_school_reads_every_section_and_may_change_none(  # type: ignore[no-untyped-def]
    client, personas, moved_today
):
    """During its read-only window after a change of school, the previous school's teacher
    sees the PEP with no section offered for changing (each would be refused)."""
    _child, initial, nia, _today = moved_today
    client.force_login(personas.designated_teacher)
    html = client.get(f"/peps/{initial.pk}/").content.decode()
    assert 'id="task-attendance"' in html
    assert f'href="/peps/{initial.pk}/sections/' not in html
    assert "read only for you" in _task(html, "attendance")
    assert client.get(f"/peps/{initial.pk}/sections/attendance/").status_code == 403
    # The new school's teacher is offered the section, and may open it.
    client.force_login(nia)
    html = client.get(f"/peps/{initial.pk}/").content.decode()
    assert f'href="/peps/{initial.pk}/sections/attendance/"' in _task(html, "attendance")
    assert client.get(f"/peps/{initial.pk}/sections/attendance/").status_code == 200
