"""Thin views for quality assurance: scope, form, service, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from children.school_year import academic_year_start
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.forms import show_service_errors
from pep_portal.security.signin import require_recent_authentication
from peps.selectors import pep_get_for_user

from . import services
from .forms import ModerationForm, QaReviewForm, SampleForm
from .models import QaDecision
from .selectors import (
    days_late,
    moderation_comparisons,
    qa_queue,
    training_list,
    training_needs,
)


def _virtual_school_only(request: HttpRequest) -> None:
    if not user_can(request.user, Action.QUALITY_ASSURE):
        raise PermissionDenied


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    _virtual_school_only(request)
    # A page at a time, oldest first: a large authority has well over a thousand waiting.
    page = Paginator(qa_queue(user=request.user), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(pep, days_late(pep)) for pep in page.object_list]
    return render(request, "quality_assurance/queue.html", {"rows": rows, "page": page})


QUEUE_PAGE_SIZE = 50


def _signs_off(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("decision") == QaDecision.SIGNED_OFF


@login_required
# Signing a PEP off needs the password and second factor given recently; the review's answers
# are kept while the person confirms them, and the sign-off finishes on their return.
@require_recent_authentication(when=_signs_off)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pep_pk: int) -> HttpResponse:
    pep = pep_get_for_user(user=request.user, pk=pep_pk, action=Action.REVIEW_PEP)
    framework = services.framework_for(pep.child.authority)
    form = QaReviewForm(request.POST or None, framework=framework)
    if request.method == "POST" and form.is_valid() and "change" not in request.POST:
        data = form.cleaned_data
        answers = {
            "criteria_ratings": form.criteria_ratings(),
            "overall": data.get("overall"),
            "feedback_to_teacher": data["feedback_to_teacher"],
            "feedback_to_social_worker": data["feedback_to_social_worker"],
            "decision": data["decision"],
            "changes_needed": data["changes_needed"],
        }
        try:
            if data["decision"] == QaDecision.SIGNED_OFF and "confirm" not in request.POST:
                # Signing off locks the PEP: the answers are checked, then shown to confirm.
                _, rating = services.qa_review_check(actor=request.user, pep=pep, **answers)
                return _sign_off_check(request, pep, form, framework, rating)
            done = services.qa_review_complete(actor=request.user, pep=pep, **answers)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            saved = (
                f"Review saved: {framework.label(done.overall)}, "
                f"{done.get_decision_display().lower()}"
            )
            if done.decision == QaDecision.SIGNED_OFF:
                # The kept PDF is made by a worker after the sign-off: say so, not "ready".
                saved += ". The PEP is signed off; its PDF will be ready shortly"
            messages.success(request, saved)
            return redirect("qa_queue")
    return render(
        request,
        "quality_assurance/form.html",
        {"form": form, "pep": pep, "title": "Quality-assure the PEP", "framework": framework},
    )


# What the check page carries back, as typed, in hidden fields (never the token or buttons).
NOT_ANSWERS = {"csrfmiddlewaretoken", "submit", "confirm", "change"}


def _sign_off_check(
    request: HttpRequest, pep: Any, form: QaReviewForm, framework: Any, rating: str
) -> HttpResponse:
    """Check your answers before signing off: the ratings and feedback as they will be kept;
    "Sign off" posts them again with `confirm`, "Change" brings the form back filled in."""
    ratings = [
        (criterion.text, framework.label(form.cleaned_data[f"criterion_{criterion.pk}"]))
        for criterion in form.criteria
    ]
    return render(
        request,
        "quality_assurance/sign_off_check.html",
        {
            "pep": pep,
            "ratings": ratings,
            "overall": framework.label(rating),
            "form": form,
            "hidden": [
                (name, value)
                for name, values in request.POST.lists()
                if name not in NOT_ANSWERS
                for value in values
            ],
        },
    )


@login_required
@require_GET
def training(request: HttpRequest) -> HttpResponse:
    _virtual_school_only(request)
    return render(
        request, "quality_assurance/training.html", {"needs": training_list(user=request.user)}
    )


@login_required
@require_POST
def training_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    _virtual_school_only(request)
    need = get_object_or_404(training_needs(user=request.user), pk=pk)
    services.training_need_resolve(actor=request.user, need=need)
    messages.success(request, f"Training for {need.person.full_name} is marked as done")
    return redirect("qa_training")


@login_required
@require_GET
def moderation(request: HttpRequest) -> HttpResponse:
    _virtual_school_only(request)
    form = SampleForm(
        request.GET or None, initial={"academic_year": academic_year_start(timezone.localdate())}
    )
    sample = []
    if form.is_valid():
        sample = services.moderation_sample(actor=request.user, **form.cleaned_data)
    return render(
        request,
        "quality_assurance/moderation.html",
        {"form": form, "sample": sample, "comparisons": moderation_comparisons(user=request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def moderate(request: HttpRequest, pep_pk: int) -> HttpResponse:
    pep = pep_get_for_user(user=request.user, pk=pep_pk, action=Action.REVIEW_PEP)
    framework = services.framework_for(pep.child.authority)
    form = ModerationForm(request.POST or None, framework=framework)
    if request.method == "POST" and form.is_valid():
        try:
            services.qa_moderate(
                actor=request.user,
                pep=pep,
                criteria_ratings=form.criteria_ratings(),
                overall=form.cleaned_data.get("overall"),
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The moderation has been saved")
            return redirect("qa_moderation")
    return render(
        request,
        "quality_assurance/form.html",
        {"form": form, "pep": pep, "title": "Moderate the PEP", "framework": framework},
    )
