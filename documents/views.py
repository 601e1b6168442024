"""PEP PDFs on the web: one PEP's PDF for anyone who may read the PEP, and ZIPs of a school's
term for virtual school staff. Thin: scope to the user, call a service, respond."""

from typing import Any, TypeVar

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from children.school_year import academic_year_start
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.requests import AuthenticatedRequest
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction
from pep_portal.filejobs.models import FileJobKind
from pep_portal.forms import PortalForm, show_service_errors
from pep_portal.security.signin import require_recent_authentication
from peps.models import Term
from peps.selectors import pep_get_for_user

from . import services as pdf_services

R = TypeVar("R", bound=HttpResponseBase)


def _private(response: R, filename: str) -> R:
    # Always a header for an attachment; the fallback only satisfies the type.
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def pep_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The PEP as a PDF: a signed-off PEP's kept file at once; otherwise rendered by the worker
    while a page shows how it is going (as for a ZIP), then downloaded from there."""
    pep = pep_get_for_user(user=request.user, pk=pk)
    kept = pdf_services.kept_pdf(pep)
    if kept is None:
        job = pdf_services.pep_pdf_job_start(actor=request.user, pep=pep)
        return redirect("pep_pdf_bulk_job", job_id=job.pk.hex)
    audit.record(request.user, AuditAction.PDF_DOWNLOADED, pep, child=pep.child, request=request)
    return _private(HttpResponse(kept.content, content_type="application/pdf"), kept.filename)


class BulkPdfForm(PortalForm):
    """Which school's term to put in one ZIP."""

    required_messages = {
        "school_urn": "Enter the school's URN",
        "academic_year": "Enter the school year",
        "term": "Select the term",
    }
    school_urn = forms.IntegerField(
        label="School URN",
        min_value=100000,
        max_value=999999,
        help_text="The school's 6-digit unique reference number, as in Get Information "
        "about Schools.",
    )
    academic_year = forms.IntegerField(
        label="School year starting in",
        min_value=2000,
        max_value=2100,
        help_text="For example, 2026 for the 2026 to 2027 school year.",
    )
    term = forms.ChoiceField(choices=Term.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Field.text("school_urn", field_width=10),
            Field.text("academic_year", field_width=4),
            Field.radios("term", legend_size=Size.SMALL),
            Button("submit", "Make the ZIP"),
        )


def _is_post(request: HttpRequest) -> bool:
    return request.method == "POST"


@login_required
# Making the ZIP, not choosing what goes in it, needs the password and code given recently.
@require_recent_authentication(when=_is_post)
@require_http_methods(["GET", "POST"])
def pep_pdf_bulk(request: AuthenticatedRequest) -> HttpResponse:
    if not user_can(request.user, Action.OPEN_PEP_BUNDLES):
        raise PermissionDenied
    form = BulkPdfForm(
        request.POST or None,
        initial={"academic_year": academic_year_start(timezone.localdate())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = pdf_services.bulk_job_start(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            return redirect("pep_pdf_bulk_job", job_id=job.pk.hex)
    return render(request, "pdf/pages/bulk_form.html", {"form": form})


@login_required
@require_GET
def pep_pdf_bulk_job(request: AuthenticatedRequest, job_id: str) -> HttpResponse:
    job = pdf_services.bulk_job_get_for_user(user=request.user, job_id=job_id)
    # One PEP's PDF is about one child: the page says whose (the job itself names no one).
    pep = (
        pep_get_for_user(user=request.user, pk=job.params["pep_id"])
        if job.kind == FileJobKind.PEP_PDF
        else None
    )
    return render(request, "pdf/pages/bulk_job.html", {"job": job, "pep": pep})


@login_required
@require_GET
def pep_pdf_bulk_progress(request: AuthenticatedRequest, job_id: str) -> JsonResponse:
    """The job's progress for the page's script (static/pep_portal/job-progress.js)."""
    job = pdf_services.bulk_job_get_for_user(user=request.user, job_id=job_id)
    return JsonResponse(
        {
            **job.as_progress(),
            "finished": job.finished or job.stalled,
            "page": reverse("pep_pdf_bulk_job", args=[job.pk.hex]),
        }
    )


@login_required
@require_GET
def pep_pdf_bulk_download(request: AuthenticatedRequest, job_id: str) -> HttpResponseBase:
    job = pdf_services.bulk_job_get_for_user(user=request.user, job_id=job_id)
    if job.state != "done" or not job.file:
        return redirect("pep_pdf_bulk_job", job_id=job.pk.hex)
    if job.kind == FileJobKind.PEP_PDF:
        pep = pep_get_for_user(user=request.user, pk=job.params["pep_id"])
        audit.record(
            request.user, AuditAction.PDF_DOWNLOADED, pep, child=pep.child, request=request
        )
        response = FileResponse(job.file.open("rb"), content_type="application/pdf")
        return _private(response, job.download_name)
    # One event per PEP in the ZIP, so each child's audit shows who took their PEP away.
    for pep_id, child_id in pdf_services.pep_children(job.pep_ids):
        audit.record(
            request.user,
            AuditAction.ZIP_DOWNLOADED,
            ("pep", pep_id),
            child=child_id,
            authority_id=job.authority_id,
            request=request,
            detail={"job": job.pk.hex},
        )
    response = FileResponse(job.file.open("rb"), content_type="application/zip")
    return _private(response, job.download_name)
