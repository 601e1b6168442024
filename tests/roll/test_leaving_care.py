"""Leaving care with an SSDA903 reason, and coming back: access on the day, PEPs closed, the
cohort, and the old PEPs for the new care team."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from children.models import Cohort
from children.services import care_episode_start, care_leave, placement_change
from dashboards.work import work_by_pep
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.roles import CarerKind, Role
from peps.models import PepEvent, PepStatus
from tests.factories import UserFactory


def _sees(user, child) -> bool:  # type: ignore[no-untyped-def]
    return user_can(user, Action.VIEW_CHILD, child)


def test_adoption_closes_the_pep_ends_school_and_carer_access_today_and_moves_the_cohort(
    personas, pep_setting
):
    child, pep = pep_setting.child, pep_setting.pep
    today = timezone.localdate()
    team = (personas.carer, personas.designated_teacher, personas.delegated_school_staff)
    assert all(_sees(person, child) for person in team)
    assert work_by_pep(user=personas.social_worker)

    episode = care_leave(
        actor=personas.virtual_school_staff, child=child, left_on=today, reason_code="E11"
    )

    assert episode.ended_on == today
    assert episode.ssda903_reason_ceased == "E11"
    assert episode.end_reason == "Adopted: application for an adoption order unopposed"
    child.refresh_from_db()
    assert child.cohort == Cohort.PREVIOUSLY_LOOKED_AFTER
    # Carers and school staff lose access on the day; the virtual school keeps the record.
    assert not any(_sees(person, child) for person in team)
    assert _sees(personas.virtual_school_staff, child)
    assert child.placements.get().ended_on == today
    assert child.enrolments.get().ended_on == today
    pep.refresh_from_db()
    assert pep.status == PepStatus.CLOSED
    event = PepEvent.objects.filter(pep=pep).latest("pk")
    assert event.to_status == PepStatus.CLOSED
    assert "Adopted" in event.reason
    # No work left, so no reminders: the PEP is finished.
    assert work_by_pep(user=personas.social_worker) == []


def test_returning_home_is_left_care_not_previously_looked_after(personas, setting):
    care_leave(
        actor=personas.virtual_school_staff,
        child=setting.child,
        left_on=timezone.localdate(),
        reason_code="E4A",
    )
    setting.child.refresh_from_db()
    assert setting.child.cohort == Cohort.LEFT_CARE


def test_a_reason_that_is_not_leaving_or_a_child_not_in_care_is_refused(personas, setting):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        care_leave(
            actor=personas.virtual_school_staff,
            child=setting.child,
            left_on=today,
            reason_code="X1",
        )
    care_leave(
        actor=personas.virtual_school_staff, child=setting.child, left_on=today, reason_code="E3"
    )
    with pytest.raises(ValidationError, match="not in care"):
        care_leave(
            actor=personas.virtual_school_staff,
            child=setting.child,
            left_on=today,
            reason_code="E3",
        )


def test_coming_back_into_care_opens_a_new_episode_and_the_new_carers_see_the_old_pep(
    personas, pep_setting
):
    child, old_pep = pep_setting.child, pep_setting.pep
    # Zara entered care on 14 September 2026; home on 24 September, back on 1 October.
    care_leave(
        actor=personas.virtual_school_staff,
        child=child,
        left_on=dt.date(2026, 9, 24),
        reason_code="E4A",
    )
    episode = care_episode_start(
        actor=personas.virtual_school_staff,
        child=child,
        entered_care_on=dt.date(2026, 10, 1),
        emergency_placement=False,
        legal_status="s20",
    )
    new_carer = UserFactory.for_role(Role.CARER, carer_kind=CarerKind.FOSTER_CARER)
    placement_change(
        actor=personas.virtual_school_staff,
        child=child,
        placement_type="foster",
        started_on=episode.started_on,
        carers=[new_carer],
    )
    child.refresh_from_db()
    assert child.cohort == Cohort.LOOKED_AFTER
    assert list(child.episodes.order_by("started_on").values_list("started_on", "ended_on")) == [
        (dt.date(2026, 9, 14), dt.date(2026, 9, 24)),
        (dt.date(2026, 10, 1), None),
    ]
    assert _sees(new_carer, child)
    assert user_can(new_carer, Action.VIEW_PEP, old_pep)
    assert not _sees(personas.carer, child)


def test_the_leaving_care_screen(client, personas, setting):
    client.force_login(personas.virtual_school_staff)
    url = reverse("care_leave", args=[setting.child.pk])
    assert "Adopted: consent dispensed with by the court" in client.get(url).content.decode()
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "left_on_0": today.day,
            "left_on_1": today.month,
            "left_on_2": today.year,
            "reason": "E12",
        },
    )
    assert response.status_code == 302
    setting.child.refresh_from_db()
    assert setting.child.cohort == Cohort.PREVIOUSLY_LOOKED_AFTER
    page = client.get(reverse("child_detail", args=[setting.child.pk])).content.decode()
    assert "Not currently looked after: previously looked after." in page
