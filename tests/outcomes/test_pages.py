"""The pages: the school records a term's attendance, attainment and a suspension; the child's
page shows every term as a chart whose figures equal the table beneath and the data; the PEP
shows its term's values carried forward, to confirm; the MIS upload previews and imports; and
people outside the child's school or virtual school cannot record."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents import pdf
from documents.services import _extra_for
from outcomes import services
from outcomes.models import AttainmentRecord, ExclusionEvent, MisImport, TermAttendance
from peps.models import Term
from peps.services import pep_set_up
from tests.outcomes.test_mis_import import ATTENDANCE_HEADER, csv_of, upn, with_upn


def test_the_school_records_a_term_and_the_childs_page_charts_it(
    client: Any, personas: Any, setting: Any
) -> None:
    child = setting.child
    client.force_login(personas.designated_teacher)
    terms = [("2025", "autumn", 140, 133, 5, 2), ("2025", "spring", 120, 100, 10, 10)]
    for year, term, possible, present, authorised, unauthorised in terms:
        response = client.post(
            reverse("outcomes_attendance", args=[child.pk, year, term]),
            {
                "possible": possible,
                "present": present,
                "authorised": authorised,
                "unauthorised": unauthorised,
            },
        )
        assert response.status_code == 302
    # Sessions that do not add up are refused on the page, and nothing changes.
    response = client.post(
        reverse("outcomes_attendance", args=[child.pk, 2025, "autumn"]),
        {"possible": 10, "present": 10, "authorised": 1, "unauthorised": 0},
    )
    assert response.status_code == 200
    assert "add up to more than the sessions possible" in response.content.decode()
    assert TermAttendance.objects.get(term="autumn").sessions_present == 133

    response = client.post(
        reverse("outcomes_exclusion", args=[child.pk]),
        {
            "kind": "suspension",
            "started_on_0": "6",
            "started_on_1": "10",
            "started_on_2": "2025",
            "sessions_lost": "4",
            "reason": "PD",
        },
    )
    assert response.status_code == 302
    assert ExclusionEvent.objects.get().sessions_lost == 4

    client.force_login(personas.social_worker)
    page = client.get(reverse("child_detail", args=[child.pk])).content.decode()
    # By hand: 133/140 = 95.00 %; 100/120 = 83.33 % (under 90 %: persistent).
    expected = [("Autumn 2025/26", "95.00"), ("Spring 2025/26", "83.33")]
    bars = re.findall(r'data-term="([^"]+)" data-value="([^"]+)"', page)
    assert bars == expected
    table = page[page.index('id="attendance-table"') :]
    table = table[: table.index("</table>")]
    cells = re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]+)</th>.*?([\d.]+)%', table, re.S
    )
    assert cells == expected
    assert "Persistent" in table
    assert "Persistent absence" in page or "persistent absence line" in page
    assert "Persistent disruptive behaviour (PD)" in page
    assert 'role="img"' in page and "Attendance by term. Autumn 2025/26: 95.00%" in page


def test_outsiders_cannot_record(client: Any, personas: Any, setting: Any) -> None:
    url = reverse("outcomes_attendance", args=[setting.child.pk, 2025, "autumn"])
    data = {"possible": 10, "present": 10, "authorised": 0, "unauthorised": 0}
    for name, status in (
        ("social_worker", 403),  # sees the child, may not record
        ("carer", 403),
        ("unrelated_social_worker", 404),  # may not even know the child exists
        ("other_school_teacher", 404),
        ("other_authority_virtual_school_staff", 404),
    ):
        client.force_login(getattr(personas, name))
        assert client.post(url, data).status_code == status, name
        assert client.get(reverse("outcomes_exclusion", args=[setting.child.pk])).status_code == (
            status
        )
    client.force_login(personas.designated_teacher)
    assert (
        client.get(
            reverse("outcomes_attendance", args=[setting.child.pk, 2025, "winter"])
        ).status_code
        == 404
    )
    assert not TermAttendance.objects.exists()


def test_the_pep_shows_last_terms_attainment_to_confirm(
    client: Any, personas: Any, pep_setting: Any
) -> None:
    child = pep_setting.child
    teacher = personas.designated_teacher
    client.force_login(teacher)
    # Zara is in Year 7 in 2026/27: the Autumn PEP's attainment form is key stage 3's.
    url = reverse("outcomes_attainment", args=[child.pk, 2026, "autumn"])
    form = client.get(url).content.decode()
    assert "English: against age-related expectations" in form
    response = client.post(url, {"english__band": "below", "maths__band": "way above"})
    assert response.status_code == 200
    assert "Select one of the answers given" in response.content.decode()
    assert not AttainmentRecord.objects.exists()
    response = client.post(
        url + f"?next=/peps/{pep_setting.pep.pk}/",
        {"english__band": "below", "english__school_grade": "Developing 3", "maths__band": "at"},
    )
    assert response.status_code == 302 and response.url == f"/peps/{pep_setting.pep.pk}/"

    spring = pep_set_up(
        actor=personas.virtual_school_staff, child=child, academic_year=2026, term=Term.SPRING
    )
    page = client.get(reverse("pep_detail", args=[spring.pk])).content.decode()
    section = page[page.index('id="pep-education"') :]
    assert "Spring 2026/27" in section
    assert section.count("Carried forward: to confirm") == 2
    assert "English: the school&#x27;s own grade: Developing 3" in section
    assert "Confirm 2 carried-forward values" in section
    response = client.post(
        reverse("outcomes_attainment_confirm", args=[child.pk, 2026, "spring"]),
        {"next": f"/peps/{spring.pk}/"},
    )
    assert response.url == f"/peps/{spring.pk}/"
    assert list(
        AttainmentRecord.objects.filter(term="spring").values_list("confirmed", flat=True)
    ) == [True, True]
    # The social worker reads the values on the PEP but is offered no way to change them.
    client.force_login(personas.social_worker)
    page = client.get(reverse("pep_detail", args=[spring.pk])).content.decode()
    assert "Developing 3" in page and "Record attainment" not in page


def test_the_upload_page_previews_then_imports(client: Any, personas: Any, setting: Any) -> None:
    with_upn(setting.child, upn(1))
    client.force_login(personas.virtual_school_staff)
    content = csv_of(
        ATTENDANCE_HEADER,
        f"{upn(1)},2025-09-03,2025-12-19,100,95,5,0",
        f"{upn(2)},2025-09-03,2025-12-19,100,95,5,0",
    )
    response = client.post(
        reverse("mis_upload"),
        {"layout": "attendance", "file": SimpleUploadedFile("autumn.csv", content)},
    )
    upload = MisImport.objects.get()
    assert response.url == reverse("mis_preview", args=[upload.pk])
    preview = client.get(response.url).content.decode()
    assert "Import 1 records" in preview and upn(2) in preview
    assert not TermAttendance.objects.exists()
    client.post(reverse("mis_preview", args=[upload.pk]))
    assert TermAttendance.objects.get().sessions_present == 95
    # Someone else's upload is not found; a teacher may not upload.
    client.force_login(personas.other_authority_virtual_school_staff)
    assert client.get(reverse("mis_preview", args=[upload.pk])).status_code == 404
    client.force_login(personas.designated_teacher)
    assert client.get(reverse("mis_upload")).status_code == 403


def test_the_pep_attendance_agrees_with_the_child_page(
    client: Any, personas: Any, pep_setting: Any
) -> None:
    services.attendance_save(
        actor=personas.designated_teacher,
        child=pep_setting.child,
        academic_year=2026,
        term="autumn",
        possible=200,
        present=99,
        authorised=1,
        unauthorised=100,
    )
    client.force_login(personas.virtual_school_staff)
    page = client.get(reverse("pep_detail", args=[pep_setting.pep.pk])).content.decode()
    # 99 of 200 = 49.5 %: under 50 %, severe absence.
    assert f"{Decimal('49.50')}% (99 of 200 sessions)" in page
    assert "Severe absence" in page


def test_the_pdf_prints_the_terms_tables_and_the_chart(personas: Any, pep_setting: Any) -> None:
    child = pep_setting.child
    teacher = personas.designated_teacher
    for year, term, present in ((2025, "summer", 150), (2026, "autumn", 171)):
        services.attendance_save(
            actor=teacher,
            child=child,
            academic_year=year,
            term=term,
            possible=180,
            present=present,
            authorised=180 - present,
            unauthorised=0,
        )
    services.exclusion_record(
        actor=teacher,
        child=child,
        kind="suspension",
        started_on=dt.date(2026, 10, 5),
        sessions_lost=3,
        reason="BU",
    )
    services.attainment_save(
        actor=teacher,
        child=child,
        academic_year=2026,
        term="autumn",
        key_stage="ks3",
        subject="maths",
        values={"band": "above", "school_grade": "Secure 8"},
    )
    html = pdf.render_html(pdf.pep_document(pep_setting.pep, extra=_extra_for(pep_setting.pep)))
    section = html[html.index('<section id="education">') :]
    section = section[: section.index("</section>")]
    # By hand: 150/180 = 83.33 % (persistent), 171/180 = 95.00 %.
    assert re.findall(r'data-term="([^"]+)" data-value="([^"]+)"', section) == [
        ("Summer 2025/26", "83.33"),
        ("Autumn 2026/27", "95.00"),
    ]
    assert "83.33% (persistent absence)" in section and "95.00%" in section
    assert "Bullying (BU)" in section
    assert "Maths: against age-related expectations: Above age-related expectations" in section
    assert "Maths: the school&#x27;s own grade: Secure 8" in section
    # WeasyPrint draws it (the chart is inline SVG, no script, no fetch).
    assert pdf.html_to_pdf(html).startswith(b"%PDF")
