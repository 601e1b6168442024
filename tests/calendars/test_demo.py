"""The demo authority's fictional term dates."""

import datetime as dt

from pep_portal.calendars.demo import demo_term_dates, seed_demo_calendars
from pep_portal.calendars.models import TermCalendar
from pep_portal.calendars.selectors import calendar_for_authority
from pep_portal.calendars.term_dates import check_rows

from .helpers import calendar_from_rows


def test_demo_term_dates_look_like_an_english_school_year():
    for year in range(2024, 2031):
        rows = demo_term_dates(year)
        assert check_rows(rows) == []
        school_days = len(calendar_from_rows(rows).years[year].school_days)
        assert 185 <= school_days <= 195, (year, school_days)


def test_seeding_demo_calendars_twice_loads_them_once(personas):
    today = dt.date(2026, 11, 24)
    assert seed_demo_calendars(personas.authority, today=today) == 2
    history = TermCalendar.history.count()
    assert seed_demo_calendars(personas.authority, today=today) == 0
    assert TermCalendar.history.count() == history
    assert sorted(calendar_for_authority(personas.authority).years) == [2026, 2027]


def test_the_seed_additions_change_nothing_when_run_again(db):
    from django.apps import apps
    from django.core.management import call_command

    from pep_portal.accounts.models import LocalAuthority
    from pep_portal.calendars.services import rule_set_load_preset

    def seed() -> None:
        # seed_demo already loads presets and demo dates; calling them again is harmless.
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        rule_set_load_preset(preset="medway", slug="demo-borough")
        seed_demo_calendars(LocalAuthority.objects.get(slug="demo-borough"))

    def counts() -> dict[str, int]:
        return {m._meta.label: m._default_manager.count() for m in apps.get_models()}

    seed()
    first = counts()
    seed()
    assert counts() == first
    demo = LocalAuthority.objects.get(slug="demo-borough")
    assert demo.term_calendars.count() == 2
    assert demo.pep_rules.preset == "medway"
