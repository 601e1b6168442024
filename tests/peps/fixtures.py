import datetime as dt
from dataclasses import dataclass

import pytest

from children.models import Child
from children.services import delegation_grant
from pep_portal.calendars.demo import seed_demo_calendars
from pep_portal.calendars.services import rule_set_load_preset
from peps.models import Pep, PepSection, Term
from peps.sections import SECTIONS_BY_KEY, Kind, SectionOwner
from peps.services import pep_set_up, section_mark_complete, section_save
from tests.children.fixtures import register

TODAY = dt.date(2026, 11, 24)


@dataclass
class PepSetting:
    child: Child
    pep: Pep

    def section(self, key: str) -> PepSection:
        return self.pep.sections.get(key=key)


def full_answers(key: str, template: str) -> dict[str, object]:
    """A plausible complete answer to every question of a section."""
    answers: dict[str, object] = {}
    for spec in SECTIONS_BY_KEY[key].fields_for(template):
        if spec.kind == Kind.YES_NO:
            answers[spec.name] = "no" if spec.name == "pp_requested" else "yes"
        elif spec.kind == Kind.CHOICE:
            answers[spec.name] = spec.choices[0][0]
        elif spec.kind == Kind.NUMBER:
            answers[spec.name] = int(spec.minimum or 0) + 1
        elif spec.kind == Kind.DATE:
            answers[spec.name] = "2027-01-15"
        else:
            answers[spec.name] = f"Answer to {spec.label}"
    return answers


def complete(user, section: PepSection) -> PepSection:  # type: ignore[no-untyped-def]
    section = section_save(
        actor=user,
        section=section,
        answers=full_answers(section.key, section.pep.template),
        base_version=section.version,
        confirm_carried=True,
    )
    return section_mark_complete(actor=user, section=section)


def drop_initial_peps(child: Child) -> None:
    """Take away the initial PEP that registering `child` as entering care set up, for tests
    about the termly PEP of the term it falls in (which the portal refuses beside it)."""
    Pep.objects.filter(child=child, term=Term.INITIAL).delete()


@pytest.fixture
def pep_setting(personas, setting) -> PepSetting:  # type: ignore[no-untyped-def]
    """Zara (Year 6 in 2026/27, at Dee Teacher's school) with her Autumn 2026 PEP, under
    Medway's rules with demo term dates loaded.

    Registering her as entering care on 14 September set up her initial PEP, and an initial
    PEP *is* the PEP of the term it falls in, so the portal refuses her an Autumn PEP beside it
    (peps.services.pep_set_up). These tests are about a termly PEP: her initial PEP is taken
    away first, as for a child whose record came onto the portal after it was held."""
    drop_initial_peps(setting.child)
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    seed_demo_calendars(personas.authority, today=TODAY)
    delegation_grant(
        actor=personas.designated_teacher,
        child=setting.child,
        delegate=personas.delegated_school_staff,
    )
    pep = pep_set_up(
        actor=personas.virtual_school_staff,
        child=setting.child,
        academic_year=2026,
        term=Term.AUTUMN,
    )
    return PepSetting(child=setting.child, pep=pep)


def teacher_sections_done(personas, pep_setting: PepSetting) -> None:  # type: ignore[no-untyped-def]
    for section in pep_setting.pep.sections.all():
        if SECTIONS_BY_KEY[section.key].owner is SectionOwner.DESIGNATED_TEACHER:
            complete(personas.designated_teacher, section)


def everything_done(personas, pep_setting: PepSetting) -> None:  # type: ignore[no-untyped-def]
    teacher_sections_done(personas, pep_setting)
    complete(personas.social_worker, pep_setting.section("care_information"))
    complete(personas.designated_teacher, pep_setting.section("child_voice"))


__all__ = [
    "complete",
    "drop_initial_peps",
    "everything_done",
    "full_answers",
    "register",
    "teacher_sections_done",
]
