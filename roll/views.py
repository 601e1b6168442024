"""The upload page for the case system's extract: upload, preview, then confirm or discard."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.requests import AuthenticatedRequest
from pep_portal.refusals import WHOLE, refused

from . import services
from .forms import RollUploadForm
from .models import RollImport


def _upload_for(request: AuthenticatedRequest, job_id: str) -> RollImport:
    if not user_can(request.user, Action.IMPORT_ROLL):
        raise PermissionDenied
    upload = (
        RollImport.objects.filter(authority_id=request.user.authority_id, key=_uuid(job_id))
        .select_related("uploaded_by")
        .first()
    )
    if upload is None:
        raise Http404
    return upload


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def roll_upload(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not user_can(user, Action.IMPORT_ROLL):
        raise PermissionDenied
    form = RollUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = services.roll_upload_preview(
            actor=user, files=form.files_read(), as_of=form.cleaned_data["as_of"]
        )
        return redirect("roll_preview", job_id=upload.key.hex)
    recent = RollImport.objects.filter(authority_id=user.authority_id).select_related(
        "uploaded_by"
    )[:10]
    return render(request, "roll/upload.html", {"form": form, "recent": recent})


@login_required
@require_http_methods(["GET", "POST"])
def roll_preview(request: AuthenticatedRequest, job_id: str) -> HttpResponse:
    upload = _upload_for(request, job_id)
    if request.method == "POST":
        here = reverse("roll_preview", args=[upload.key.hex])
        action = request.POST.get("action")
        try:
            if action == "discard":
                services.roll_upload_discard(actor=request.user, upload=upload)
                messages.success(request, "The upload was discarded: nothing was imported")
                return redirect("roll_upload")
            result = services.roll_upload_confirm(actor=request.user, upload=upload)
        except ValidationError as error:
            return refused(
                request,
                here,
                "The upload cannot be imported",
                error,
                {WHOLE: "#upload-status"},
            )
        if result.refused:
            return refused(
                request,
                here,
                "The extract was refused: nothing was imported",
                "Correct the rows refused in the extract and upload it again",
                {WHOLE: "#rows-refused"},
            )
        messages.success(request, f"Imported: {services.summary_line(result.counts)}")
        return redirect("roll_preview", job_id=upload.key.hex)
    shown = upload.result or upload.preview
    return render(
        request,
        "roll/preview.html",
        {
            "upload": upload,
            "shown": shown,
            "counts": shown.get("counts", {}),
            "headline": services.summary_line(services.RollCounts(**shown.get("counts", {}))),
        },
    )
