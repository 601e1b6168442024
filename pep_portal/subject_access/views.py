from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
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
    return redirect("subject_access_job", job_id=job.id)


@login_required
@require_GET
def subject_access_job(request: AuthenticatedRequest, job_id: str) -> HttpResponse:
    job = services.subject_access_job_for_user(user=request.user, job_id=job_id)
    return render(request, "subject_access/job.html", {"job": job})


@login_required
@require_GET
def subject_access_download(request: AuthenticatedRequest, job_id: str) -> HttpResponseBase:
    job = services.subject_access_job_for_user(user=request.user, job_id=job_id)
    if job.state != "done":
        return redirect("subject_access_job", job_id=job.id)
    audit.record(
        request.user,
        AuditAction.ZIP_DOWNLOADED,
        ("subject_access", job.id),
        child=job.child_id,
        authority_id=request.user.authority_id,
        request=request,
        detail={"export": "subject access"},
    )
    response = FileResponse(
        services.zip_path(job).open("rb"),
        as_attachment=True,
        filename=f"subject-access-child-{job.child_id}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store, private"
    return response
