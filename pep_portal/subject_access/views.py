from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from children.selectors import child_get_for_user
from pep_portal.accounts.permissions import Action
from pep_portal.accounts.requests import AuthenticatedRequest
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction
from pep_portal.security.signin import require_recent_authentication

from . import services


@login_required
# The password and second factor given recently (above require_POST: the way back from
# confirming them is a GET that finishes the POST).
@require_recent_authentication
@require_POST
def subject_access_start(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=pk, action=Action.VIEW_CHILD_AUDIT)
    job = services.subject_access_start(actor=request.user, child=child, request=request)
    return redirect("subject_access_job", job_id=job.pk.hex)


@login_required
@require_GET
def subject_access_job(request: AuthenticatedRequest, job_id: str) -> HttpResponse:
    job = services.subject_access_job_for_user(user=request.user, job_id=job_id)
    # The page is about one child: its title says whose export it is.
    child = child_get_for_user(
        user=request.user, pk=job.params["child_id"], action=Action.VIEW_CHILD_AUDIT
    )
    return render(request, "subject_access/job.html", {"job": job, "child": child})


@login_required
@require_GET
def subject_access_progress(request: AuthenticatedRequest, job_id: str) -> JsonResponse:
    """The export's progress for the page's script (static/pep_portal/job-progress.js)."""
    job = services.subject_access_job_for_user(user=request.user, job_id=job_id)
    return JsonResponse(
        {
            **job.as_progress(),
            "finished": job.finished or job.stalled,
            "page": reverse("subject_access_job", args=[job.pk.hex]),
        }
    )


@login_required
@require_GET
def subject_access_download(request: AuthenticatedRequest, job_id: str) -> HttpResponseBase:
    job = services.subject_access_job_for_user(user=request.user, job_id=job_id)
    if job.state != "done" or not job.file:
        return redirect("subject_access_job", job_id=job.pk.hex)
    audit.record(
        request.user,
        AuditAction.ZIP_DOWNLOADED,
        ("subject_access", job.pk.hex),
        child=job.params["child_id"],
        authority_id=request.user.authority_id,
        request=request,
        detail={"export": "subject access"},
    )
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.download_name,
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store, private"
    return response
