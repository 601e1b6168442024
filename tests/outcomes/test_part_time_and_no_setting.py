"""Part-time timetables and times without a school or setting: recorded and changed on their
pages by the child's school and virtual school (the permission engine's RECORD_OUTCOMES),
refused with a clear message when wrong, missing or hostile (nothing saved), kept in the
history with who made each change, and listed on the child's page; a time without a setting
longer than the rule set's days is told to the adviser and social worker once."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from outcomes import services
from outcomes.models import MissingEducationSpell, PartTimeTimetable
from pep_portal.notifications.models import Kind, Notification
from pep_portal.notifications.services import sweep_deadlines
from tests.children.fixtures import register


def _date(prefix: str, day: dt.date | None) -> dict[str, str]:
    if day is None:
        return {f"{prefix}_0": "", f"{prefix}_1": "", f"{prefix}_2": ""}
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def _part_time(
    started: dt.date | None = dt.date(2026, 9, 7),
    review: dt.date | None = dt.date(2026, 10, 5),
    ended: dt.date | None = None,
    hours: str = "12.5",
    reason: str = "Settling in after a move of home",
) -> dict[str, str]:
    return {
        **_date("started_on", started),
        **_date("review_on", review),
        **_date("ended_on", ended),
        "hours_per_week": hours,
        "reason": reason,
    }


def test_the_school_records_and_changes_a_part_time_timetable(
    client: Any, personas: Any, setting: Any
) -> None:
    child = setting.child
    teacher = personas.designated_teacher
    client.force_login(teacher)
    add = reverse("outcomes_part_time_add", args=[child.pk])
    assert client.get(add).status_code == 200
    response = client.post(add, _part_time())
    assert response.status_code == 302, response.content.decode()[:2000]
    timetable = PartTimeTimetable.objects.get(child=child)
    assert (timetable.started_on, timetable.review_on, timetable.ended_on) == (
        dt.date(2026, 9, 7),
        dt.date(2026, 10, 5),
        None,
    )
    assert (timetable.hours_per_week, timetable.reason) == (
        Decimal("12.5"),
        "Settling in after a move of home",
    )

    # Reviewed: a new review date, then ended.
    edit = reverse("outcomes_part_time_edit", args=[child.pk, timetable.pk])
    assert "Settling in after a move of home" in client.get(edit).content.decode()
    client.post(edit, _part_time(review=dt.date(2026, 11, 2)))
    client.post(edit, _part_time(review=dt.date(2026, 11, 2), ended=dt.date(2026, 11, 20)))
    timetable.refresh_from_db()
    assert (timetable.review_on, timetable.ended_on) == (
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 20),
    )
    assert PartTimeTimetable.objects.count() == 1
    # Each change is in the history, with who made it.
    history = list(timetable.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~", "~"]
    assert {h.history_user for h in history} == {teacher}
    assert [h.review_on for h in history] == [
        dt.date(2026, 10, 5),
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 2),
    ]

    # The care team sees it on the child's page.
    client.force_login(personas.social_worker)
    page = client.get(reverse("child_detail", args=[child.pk])).content.decode()
    table = page[page.index('id="part-time-table"') :]
    table = table[: table.index("</table>")]
    for shown in ("7 Sep 2026", "2 Nov 2026", "20 Nov 2026", "12.5", "Settling in after a move"):
        assert shown in table, shown
    # The social worker sees it but may not change it.
    assert "Change" not in table
    assert "Record a part-time timetable" not in page


WRONG_PART_TIME = [
    (_part_time(started=None), "started_on", "Enter the day the part-time timetable started"),
    (_part_time(review=None), "review_on", "Enter the day it is to be reviewed"),
    (_part_time(reason=""), "reason", "Enter why the child is on a part-time timetable"),
    (_part_time(reason="   "), "reason", "Enter why the child is on a part-time timetable"),
    (_part_time(reason="x" * 501), "reason", "500 characters or fewer"),
    (_part_time(review=dt.date(2026, 9, 6)), "review_on", "on or after the start"),
    (_part_time(ended=dt.date(2026, 9, 6)), "ended_on", "on or after the start"),
    (_part_time(hours="0"), "hours_per_week", "more than 0"),
    (_part_time(hours="40.5"), "hours_per_week", "40 or fewer"),
    (_part_time(hours="12.55"), "hours_per_week", "one decimal place"),
    (_part_time(hours="twelve"), "hours_per_week", "as a number"),
    (_part_time(hours="NaN"), "hours_per_week", "as a number"),
    (_part_time(hours="1e3"), "hours_per_week", "40 or fewer"),
    (_part_time(hours="-3"), "hours_per_week", "more than 0"),
    (
        {**_part_time(), "started_on_0": "31", "started_on_1": "2"},
        "started_on",
        "Enter a real date",
    ),
    ({**_part_time(), "review_on_2": "99999999999999999999"}, "review_on", "4 digits"),
]


@pytest.mark.parametrize(("data", "field", "message"), WRONG_PART_TIME)
def test_a_wrong_or_missing_value_is_refused_and_nothing_is_saved(
    client: Any, personas: Any, setting: Any, data: dict[str, str], field: str, message: str
) -> None:
    client.force_login(personas.designated_teacher)
    response = client.post(reverse("outcomes_part_time_add", args=[setting.child.pk]), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors.get(field, [])), form.errors
    assert message in response.content.decode()  # shown, in the error summary too
    assert not PartTimeTimetable.objects.exists()


def test_hostile_text_is_kept_as_text(client: Any, personas: Any, setting: Any) -> None:
    child = setting.child
    client.force_login(personas.designated_teacher)
    hostile = '<script>alert("x")</script> =cmd|calc\x00'
    response = client.post(
        reverse("outcomes_part_time_add", args=[child.pk]), _part_time(reason=hostile)
    )
    # The NUL cannot be stored: the form says so and keeps the rest for the person to check.
    assert response.status_code == 200
    assert not PartTimeTimetable.objects.exists()
    response = client.post(
        reverse("outcomes_part_time_add", args=[child.pk]),
        _part_time(reason=hostile.replace("\x00", "")),
    )
    assert response.status_code == 302
    page = client.get(reverse("child_detail", args=[child.pk])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; =cmd|calc" in page


def test_the_service_refuses_values_a_form_would_not_send(personas: Any, setting: Any) -> None:
    teacher, child = personas.designated_teacher, setting.child
    good = {
        "started_on": dt.date(2026, 9, 7),
        "review_on": dt.date(2026, 10, 5),
        "reason": "Reduced hours",
    }
    for changes, field in (
        ({"started_on": "2026-09-07"}, "started_on"),
        ({"review_on": dt.datetime(2026, 10, 5, 9, 0)}, "review_on"),
        ({"hours_per_week": Decimal("Infinity")}, "hours_per_week"),
        ({"hours_per_week": 12}, "hours_per_week"),
        ({"reason": None}, "reason"),
        ({"started_on": dt.date(2099, 1, 1), "review_on": dt.date(2099, 2, 1)}, "started_on"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.part_time_record(actor=teacher, child=child, **(good | changes))  # type: ignore[arg-type]
        assert field in refused.value.message_dict, changes
    assert not PartTimeTimetable.objects.exists()


def test_only_the_childs_school_and_virtual_school_record(
    client: Any, personas: Any, setting: Any
) -> None:
    child = setting.child
    timetable = services.part_time_record(
        actor=personas.virtual_school_staff,
        child=child,
        started_on=dt.date(2026, 9, 7),
        review_on=dt.date(2026, 10, 5),
        reason="Reduced hours",
    )
    spell = services.missing_education_record(
        actor=personas.virtual_school_staff,
        child=child,
        started_on=dt.date(2026, 6, 1),
        ended_on=dt.date(2026, 6, 12),
    )
    pages = [
        reverse("outcomes_part_time_add", args=[child.pk]),
        reverse("outcomes_part_time_edit", args=[child.pk, timetable.pk]),
        reverse("outcomes_missing_add", args=[child.pk]),
        reverse("outcomes_missing_edit", args=[child.pk, spell.pk]),
    ]
    for name in ("social_worker", "carer", "independent_reviewing_officer", "other_school_teacher"):
        client.force_login(getattr(personas, name))
        for url in pages:
            assert client.get(url).status_code in (403, 404), (name, url)
            assert client.post(url, _part_time()).status_code in (403, 404), (name, url)
    client.force_login(personas.other_authority_virtual_school_staff)
    for url in pages:
        assert client.get(url).status_code in (403, 404), url
    with pytest.raises(PermissionDenied):
        services.part_time_record(
            actor=personas.social_worker,
            child=child,
            started_on=dt.date(2026, 9, 7),
            review_on=dt.date(2026, 10, 5),
            reason="Reduced hours",
        )
    # A timetable or time is changed only under its own child's address.
    yan = register(personas, school=setting.school, name="Yan")
    client.force_login(personas.virtual_school_staff)
    for name, pk in (
        ("outcomes_part_time_edit", timetable.pk),
        ("outcomes_missing_edit", spell.pk),
    ):
        assert client.get(reverse(name, args=[yan.pk, pk])).status_code == 404
        assert client.post(reverse(name, args=[yan.pk, pk]), _part_time()).status_code == 404
    assert PartTimeTimetable.objects.get().child == child
    assert MissingEducationSpell.objects.get().child == child


def test_a_time_without_a_setting_is_recorded_ended_and_listed(
    client: Any, personas: Any, setting: Any
) -> None:
    child = setting.child
    vic = personas.virtual_school_staff
    today = timezone.localdate()
    client.force_login(vic)
    add = reverse("outcomes_missing_add", args=[child.pk])
    # An earlier time, over, and one going on since 10 days ago.
    earlier = (today - dt.timedelta(days=100), today - dt.timedelta(days=71))  # 30 days
    response = client.post(
        add, {**_date("started_on", earlier[0]), **_date("ended_on", earlier[1])}
    )
    assert response.status_code == 302
    since = today - dt.timedelta(days=9)  # the 10th day today
    assert (
        client.post(add, {**_date("started_on", since), **_date("ended_on", None)}).status_code
        == 302
    )
    spells = list(MissingEducationSpell.objects.filter(child=child).order_by("started_on"))
    assert [(s.started_on, s.ended_on) for s in spells] == [earlier, (since, None)]
    assert {h.history_user for s in spells for h in s.history.all()} == {vic}

    # Refused: a second open time, one overlapping another, one ending before it starts, one
    # in the future, none at all.
    for data, field, message in (
        ({**_date("started_on", today), **_date("ended_on", None)}, "ended_on", "already open"),
        (
            {**_date("started_on", earlier[1]), **_date("ended_on", earlier[1] + dt.timedelta(3))},
            "started_on",
            "overlaps",
        ),
        (
            {
                **_date("started_on", earlier[0] - dt.timedelta(5)),
                **_date("ended_on", earlier[0] - dt.timedelta(9)),
            },
            "ended_on",
            "on or after the first",
        ),
        (
            {**_date("started_on", today + dt.timedelta(1)), **_date("ended_on", None)},
            "started_on",
            "today or in the past",
        ),
        (
            {**_date("started_on", None), **_date("ended_on", None)},
            "started_on",
            "Enter the first day",
        ),
    ):
        response = client.post(add, data)
        assert response.status_code == 200, data
        assert message in " ".join(response.context["form"].errors.get(field, [])), (
            data,
            response.context["form"].errors,
        )
    assert MissingEducationSpell.objects.filter(child=child).count() == 2

    # Listed on the child's page with its days, first to last day (an open one to today).
    client.force_login(personas.social_worker)
    page = client.get(reverse("child_detail", args=[child.pk])).content.decode()
    table = page[page.index('id="missing-education-table"') :]
    table = table[: table.index("</table>")]
    assert "Still without a setting" in table
    assert ">30<" in table.replace(" <strong", "<") and ">10<" in table.replace(" <strong", "<")
    # 30 days is more than the default 20: flagged; 10 is not.
    assert table.count("Over 20 days") == 1

    # The open time ends: its last day is recorded.
    client.force_login(vic)
    edit = reverse("outcomes_missing_edit", args=[child.pk, spells[1].pk])
    response = client.post(edit, {**_date("started_on", since), **_date("ended_on", today)})
    assert response.status_code == 302
    spells[1].refresh_from_db()
    assert spells[1].ended_on == today


def test_an_open_time_without_a_setting_is_told_once_when_longer_than_the_rule_sets_days(
    personas: Any, setting: Any
) -> None:
    """Recorded on the page; the nightly sweep tells the adviser (Vic) and social worker
    (Alice) once it is longer than the rule set's 20 days, and never again."""
    child = setting.child
    first = dt.date(2026, 10, 1)
    services.missing_education_record(
        actor=personas.virtual_school_staff, child=child, started_on=first
    )
    sweep_deadlines(today=first + dt.timedelta(days=20))
    assert not Notification.objects.filter(kind=Kind.NO_SETTING).exists()
    for day in (21, 22, 40):
        sweep_deadlines(today=first + dt.timedelta(days=day))
    told = Notification.objects.filter(kind=Kind.NO_SETTING)
    assert sorted(told.values_list("recipient__full_name", flat=True)) == [
        "Alice Social",
        "Vic School",
    ]
    assert all(child.display_name not in n.url for n in told)


def test_both_pages_lead_back_to_the_pep_they_were_opened_from(
    client: Any, personas: Any, pep_setting: Any
) -> None:
    child, pep = pep_setting.child, pep_setting.pep
    today = timezone.localdate()
    client.force_login(personas.virtual_school_staff)
    to_pep = f"/peps/{pep.pk}/"
    back_link = f'<a href="{to_pep}" class="govuk-back-link">Back to the PEP</a>'
    to_child = f'<a href="/children/{child.pk}/" class="govuk-back-link">Back to '
    since = today - dt.timedelta(days=3)
    for add, data in (
        (f"/outcomes/children/{child.pk}/without-a-setting/new/", _date("started_on", since)),
        (f"/outcomes/children/{child.pk}/part-time-timetables/new/", _part_time()),
    ):
        assert add == reverse(
            "outcomes_missing_add" if "without" in add else "outcomes_part_time_add",
            args=[child.pk],
        )
        # Opened from the PEP: the back link and the page after saving are the PEP's.
        page = client.get(f"{add}?next={to_pep}").content.decode()
        assert back_link in page and to_child not in page
        response = client.post(f"{add}?next={to_pep}", {**data, **_date("ended_on", None)})
        assert response.status_code == 302 and response["Location"] == to_pep
        # Opened from the child's page: back to the child.
        page = client.get(add).content.decode()
        assert to_child in page and "Back to the PEP" not in page
    spell = MissingEducationSpell.objects.get(child=child)
    assert (spell.started_on, spell.ended_on) == (since, None)
    # Changing one, from the PEP, leads back there too.
    edit = reverse("outcomes_missing_edit", args=[child.pk, spell.pk])
    assert back_link in client.get(f"{edit}?next={to_pep}").content.decode()
    response = client.post(
        f"{edit}?next={to_pep}", {**_date("started_on", since), **_date("ended_on", today)}
    )
    assert response["Location"] == to_pep
    spell.refresh_from_db()
    assert spell.ended_on == today
