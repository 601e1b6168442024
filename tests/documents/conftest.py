"""A PEP of each template (EYFS, YG, post-16), filled in by the people who own each section."""

import datetime as dt

import pytest

from children.models import Child
from children.school_year import PepTemplate
from peps.models import Pep, PepSection, Term
from peps.sections import SECTIONS_BY_KEY
from peps.services import (
    pep_record_meeting_held,
    pep_set_up,
    pep_sign_off,
    pep_submit,
)
from tests.conftest import Personas
from tests.peps.fixtures import PepSetting, complete, register

HELD = dt.date(2026, 11, 10)
# Born so that in 2026/27 they are in Reception (EYFS), Year 7 (YG) and Year 12 (post-16).
BORN = {
    PepTemplate.EYFS: dt.date(2022, 3, 1),
    PepTemplate.YG: dt.date(2015, 5, 5),
    PepTemplate.POST_16: dt.date(2010, 1, 15),
}
FIRST_NAMES = {PepTemplate.EYFS: "Ada", PepTemplate.YG: "Zara", PepTemplate.POST_16: "Yusuf"}
UPNS = {
    PepTemplate.EYFS: "A801200012001",
    PepTemplate.YG: "B801200012002",
    PepTemplate.POST_16: "C801200012003",
}


def owner_of(personas: Personas, key: str):  # type: ignore[no-untyped-def]
    return {
        "designated_teacher": personas.designated_teacher,
        "social_worker": personas.social_worker,
        "child_voice": personas.designated_teacher,
        "carer": personas.carer,
        "virtual_school": personas.virtual_school_staff,
    }[SECTIONS_BY_KEY[key].owner]


def fill_in(personas: Personas, pep: Pep) -> None:
    """Every section answered and marked complete by its owner."""
    section: PepSection
    for section in pep.sections.all():
        complete(owner_of(personas, section.key), section)


def child_for(personas: Personas, template: str, *, name: str | None = None) -> Child:
    child = register(
        personas,
        school=personas.designated_teacher.school,
        name=name or FIRST_NAMES[template],
        initial_pep=False,  # these tests are about the Autumn 2026 PEP (pep_for)
    )
    child.date_of_birth = BORN[template]
    child.upn = UPNS.get(template, "") if name is None else ""
    child.save()
    return child


def pep_for(personas: Personas, child: Child) -> Pep:
    return pep_set_up(
        actor=personas.virtual_school_staff, child=child, academic_year=2026, term=Term.AUTUMN
    )


def sign_off(personas: Personas, pep: Pep) -> Pep:
    pep = pep_record_meeting_held(actor=personas.social_worker, pep=pep, held_on=HELD)
    pep = pep_submit(actor=personas.social_worker, pep=pep)
    return pep_sign_off(actor=personas.virtual_school_staff, pep=pep)


@pytest.fixture
def peps_by_template(personas, pep_setting: PepSetting) -> dict[str, Pep]:  # type: ignore[no-untyped-def]
    """Ada (Reception), Zara (Year 7, pep_setting's child) and Yusuf (Year 12), each with an
    Autumn 2026 PEP with every section complete, under Medway's rules."""
    zara = pep_setting.child
    zara.upn = UPNS[PepTemplate.YG]
    zara.save()
    peps = {PepTemplate.YG: pep_setting.pep}
    for template in (PepTemplate.EYFS, PepTemplate.POST_16):
        peps[template] = pep_for(personas, child_for(personas, template))
    for template, pep in peps.items():
        assert pep.template == template
        fill_in(personas, pep)
    return peps
