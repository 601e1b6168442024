"""Thin views: scope the PEP to the user, check the form, call a service, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from children.selectors import child_get_for_user
from pep_portal.accounts.permissions import Action, allowed_actions_together
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction
from pep_portal.forms import show_service_errors
from pep_portal.refusals import refused
from pep_portal.ui import first_input_id, in_page_order

from . import services
from .forms import (
    AttachmentForm,
    PepSetUpForm,
    SectionForm,
    initial_for,
)
from .models import PepSection, PepStatus, Term
from .sections import SECTIONS_BY_KEY
from .selectors import (
    draft_for,
    initial_pep_warning,
    last_pep_notice,
    pep_get_for_user,
    previous_answers,
    previously_recorded,
    readable_answers,
    section_get_for_user,
    section_rows,
)


@login_required
@require_GET
def pep_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _pep_page(request, pep_get_for_user(user=request.user, pk=pk))


def _pep_page(
    request: HttpRequest, pep: Any, attachment_form: AttachmentForm | None = None
) -> HttpResponse:
    """The PEP page; after a refused upload, with the attachment form's errors beside it."""
    user = request.user
    audit.record(user, AuditAction.PEP_OPENED, pep, child=pep.child, request=request)
    # What the page's parts ask of the child (the sections' edit rights, the outcomes) and the
    # page's buttons, asked of the engine together (one query, not one per button or object):
    # kept for this page load, so the parts ask nothing more.
    _, may = allowed_actions_together(
        user,
        [
            (pep.child, [Action.VIEW_CHILD, Action.VIEW_OUTCOMES, Action.RECORD_OUTCOMES]),
            (
                pep,
                [
                    Action.MARK_PEP_READY,
                    Action.SUBMIT_PEP,
                    Action.REVIEW_PEP,
                    Action.ADD_ATTACHMENT,
                    Action.RAISE_PP_REQUEST,
                    Action.ARRANGE_MEETING,
                ],
            ),
        ],
    )
    rows = section_rows(user=user, pep=pep)
    answered = sum(r.answered for r in rows)
    asked = sum(r.asked for r in rows)
    allowed = {
        "ready": Action.MARK_PEP_READY in may
        and pep.status in (PepStatus.DRAFT, PepStatus.IN_PROGRESS),
        "submit": Action.SUBMIT_PEP in may
        and pep.status in (PepStatus.MEETING_HELD, PepStatus.RETURNED),
        "review": Action.REVIEW_PEP in may and pep.status == PepStatus.SUBMITTED,
        "attach": Action.ADD_ATTACHMENT in may and not pep.is_locked,
        "pp": Action.RAISE_PP_REQUEST in may and not pep.is_locked,
        "arrange": Action.ARRANGE_MEETING in may
        and pep.status in (PepStatus.DRAFT, PepStatus.IN_PROGRESS, PepStatus.READY_FOR_MEETING),
    }
    # "Record the meeting" is offered by meetings' template tag, which asks the engine and
    # the meeting's day, as the record page and service do.
    meeting = pep.meetings.exclude(status="cancelled").order_by("-starts_at").first()
    if attachment_form is None and allowed["attach"]:
        attachment_form = AttachmentForm()
    return render(
        request,
        "peps/pep_detail.html",
        {
            "pep": pep,
            "child": pep.child,
            "rows": rows,
            "answered": answered,
            "asked": asked,
            "any_editable": any(r.can_edit for r in rows),
            "allowed": allowed,
            "events": pep.events.select_related("actor"),
            "attachments": pep.attachments.select_related("uploaded_by"),
            "attachment_form": attachment_form,
            # What the task list says must be done before the next step, before anyone tries.
            "blocking": _blocking(pep, allowed, [row.section for row in rows]),
            "meeting": meeting,
            "initial_warning": initial_pep_warning(pep),
            "last_pep_notice": last_pep_notice(pep),
        },
        status=400 if attachment_form is not None and attachment_form.errors else 200,
    )


def _blocking(pep: Any, allowed: dict[str, bool], sections: list[PepSection]) -> dict[str, str]:
    """{section key: what it blocks} for each section the PEP's next step waits on, for the
    person who can take that step: marking it ready before the meeting, submitting after."""
    if allowed["ready"]:
        refusal = services.ready_refusal(pep, sections)
        step = "before the PEP can be marked ready for the meeting"
    elif allowed["submit"]:
        refusal = services.submit_refusal(pep, sections)
        step = "before the PEP can be submitted"
    else:
        return {}
    if refusal is None or not hasattr(refusal, "error_dict"):
        return {}
    return {
        name.removeprefix("section_"): f"Needed {step}"
        for name in refusal.error_dict
        if name.startswith("section_")
    }


# Where each section's problem is fixed on the PEP page: its row in the task list (the link
# to the section's page, or its name when it is read-only for the person).
SECTION_LINKS = {f"section_{key}": f"#{key}-name" for key in SECTIONS_BY_KEY}


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    section = section_get_for_user(user=request.user, pep_pk=pk, key=key)
    pep, spec = section.pep, SECTIONS_BY_KEY[key]
    if not services.may_edit(request.user, section):
        raise PermissionDenied
    restored = None
    if request.method == "POST":
        form = SectionForm(
            request.POST,
            spec=spec,
            template=pep.template,
            carried=section.carried_forward,
            initial_pep=pep.term == Term.INITIAL,
        )
        base_version = form.base_version()
        if "use_theirs" in request.POST:
            services.section_discard_draft(actor=request.user, section=section)
            messages.success(
                request, "Your draft has been deleted: below is the version saved in the PEP"
            )
            return redirect("section_edit", pk=pep.pk, key=key)
        if "save_draft" in request.POST:
            if _keep_draft(request, form, section, form.raw_answers(), base_version):
                messages.success(request, "Your draft has been saved")
                return redirect("section_edit", pk=pep.pk, key=key)
        elif form.is_valid():
            # "Save my version", after a conflict, saves on top of the version it showed.
            saving_on = form.seen_version() if "save_mine" in request.POST else base_version
            try:
                services.section_save(
                    actor=request.user,
                    section=section,
                    answers=form.answers(),
                    base_version=saving_on,
                    confirm_carried="confirm_carried" in request.POST,
                )
            except services.EditConflict as clash:
                # Keep what this user typed as their draft, still based on the version they
                # started from; show both versions side by side.
                _keep_draft(request, form, section, form.answers(), base_version)
                section = clash.section
                section.pep = pep
            except ValidationError as error:
                # Refused (a PP+ request past the last date accepted, say): what was typed is
                # kept as the user's draft, so nothing is lost. The save was rolled back, but
                # `section` still holds what it had saved: read it again, or the page would
                # show the user's own undone save as someone else's.
                section.refresh_from_db()
                _keep_draft(request, form, section, form.answers(), base_version)
                show_service_errors(form, error)
            else:
                messages.success(request, f"“{spec.title}” has been saved")
                return redirect("pep_detail", pk=pep.pk)
        else:
            # Invalid answers are still kept, so nothing typed is lost.
            _keep_draft(request, form, section, form.raw_answers(), base_version)
    else:
        draft = draft_for(user=request.user, section=section)
        answers = section.answers
        base_version = section.version
        if draft is not None:
            answers, base_version, restored = draft.answers, draft.base_version, draft
        form = SectionForm(
            initial={**initial_for(spec, pep.template, answers), "version": base_version},
            spec=spec,
            template=pep.template,
            carried=section.carried_forward,
            initial_pep=pep.term == Term.INITIAL,
        )
    # After "Mark complete" was refused: what stops it, each problem linked to its box.
    completion_errors = (
        _completion_links(form, services.section_complete_refusal(section))
        if request.method == "GET" and request.GET.get("complete") == "refused"
        else []
    )
    # The user's answers started from another version than the one saved now (or from one
    # the page could not name): show both, and let them choose.
    base_version = services.known_version(base_version)
    conflict = section if base_version != section.version else None
    if conflict is not None:
        form.offer_conflict_choices(conflict.version)
    # A version after the saved one was never shown to anyone: the page's was tampered with.
    base_unknown = base_version == services.UNKNOWN_VERSION or base_version > section.version
    return render(
        request,
        "peps/section_edit.html",
        {
            "pep": pep,
            "child": pep.child,
            "spec": spec,
            "section": section,
            "form": form,
            "completion_errors": completion_errors,
            "conflict": conflict,
            "conflict_base_unknown": base_unknown,
            "reopened": conflict is not None and request.method == "GET",
            "restored": None if conflict else restored,
            "conflict_answers": readable_answers(spec, pep.template, conflict.answers)
            if conflict
            else [],
            "previously_recorded": previously_recorded(spec, section.previously_recorded),
            "records": [f.records for f in spec.fields_for(pep.template) if f.records],
            "last_time": previous_answers(user=request.user, pep=pep, key=key)
            # An initial PEP asks nothing about a last PEP ("you said, we did").
            if key == "child_voice" and pep.term != Term.INITIAL
            else [],
        },
    )


def _completion_links(form: SectionForm, refusal: ValidationError | None) -> list[tuple[str, str]]:
    """(id of the box, message) for each reason the section cannot be marked complete, in the
    page's order; a reason about no question on the page is listed unlinked ("")."""
    if refusal is None:
        return []
    problems = refusal.message_dict
    # The records come first on the page (its RECORDS questions: their headings), then the form.
    records = {
        f.name: f"records-{f.records.replace('_', '-')}" for f in form.spec.fields if f.records
    }
    order = {name: n for n, name in enumerate(records)}
    order |= {field.name: len(records) + n for n, field in enumerate(in_page_order(form))}

    def anchor(name: str) -> str:
        if name in form.fields:
            return first_input_id(form[name])
        return records.get(name, "")

    return [
        (anchor(name), message)
        for name in sorted(problems, key=lambda name: order.get(name, len(order)))
        for message in problems[name]
    ]


def _keep_draft(
    request: HttpRequest,
    form: SectionForm,
    section: PepSection,
    answers: dict[str, Any],
    base_version: int | None,
) -> bool:
    """Keep the user's answers as their draft; if the PEP can no longer be changed (signed off
    or submitted a moment ago), say so on the form, which still shows what they typed."""
    try:
        services.section_save_draft(
            actor=request.user, section=section, answers=answers, base_version=base_version
        )
    except ValidationError as error:
        form.is_valid()  # errors can be added only to a cleaned form
        show_service_errors(form, error)
        return False
    return True


@login_required
@require_POST
def section_autosave(request: HttpRequest, pk: int, key: str) -> JsonResponse:
    """Called by the page's script as the user types: keeps a draft, validates nothing."""
    section = section_get_for_user(user=request.user, pep_pk=pk, key=key)
    spec = SECTIONS_BY_KEY[key]
    form = SectionForm(
        request.POST,
        spec=spec,
        template=section.pep.template,
        initial_pep=section.pep.term == Term.INITIAL,
    )
    try:
        draft = services.section_save_draft(
            actor=request.user,
            section=section,
            answers=form.raw_answers(),
            base_version=form.base_version(),
        )
    except ValidationError as error:
        return JsonResponse({"saved": False, "error": " ".join(error.messages)}, status=409)
    return JsonResponse({"saved": True, "saved_at": draft.saved_at.isoformat()})


@login_required
@require_POST
def section_complete(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    section = section_get_for_user(user=request.user, pep_pk=pk, key=key)
    try:
        services.section_mark_complete(actor=request.user, section=section)
    except ValidationError:
        # The section's own page says what stops it, each problem linked to its question.
        return redirect(reverse("section_edit", args=[pk, key]) + "?complete=refused")
    messages.success(request, f"“{SECTIONS_BY_KEY[key].title}” is complete")
    return redirect("pep_detail", pk=pk)


@login_required
@require_POST
def pep_mark_ready(request: HttpRequest, pk: int) -> HttpResponse:
    pep = pep_get_for_user(user=request.user, pk=pk, action=Action.MARK_PEP_READY)
    try:
        services.pep_mark_ready(actor=request.user, pep=pep)
    except ValidationError as error:
        return refused(
            request,
            reverse("pep_detail", args=[pk]),
            "The PEP cannot be marked ready for the meeting yet",
            error,
            SECTION_LINKS,
        )
    messages.success(request, "The PEP is ready for the meeting")
    return redirect("pep_detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def pep_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Check before submitting (GOV.UK's "check answers"): what stops it, if anything, as an
    error summary whose links reach each section's row; the button submits."""
    pep = pep_get_for_user(user=request.user, pk=pk, action=Action.SUBMIT_PEP)
    if request.method == "POST":
        try:
            services.pep_submit(actor=request.user, pep=pep)
        except ValidationError as error:
            refusal: ValidationError | None = error
        else:
            messages.success(request, "The PEP has been submitted to the virtual school")
            return redirect("pep_detail", pk=pk)
    else:
        refusal = services.submit_refusal(pep)
    rows = section_rows(user=request.user, pep=pep)
    return render(
        request,
        "peps/submit_check.html",
        {
            "pep": pep,
            "child": pep.child,
            "rows": [row for row in rows if row.spec.needed_for_submission],
            "errors": _refusal_links(refusal),
            "meeting": pep.meetings.filter(status="held").order_by("-held_on").first(),
        },
    )


def _refusal_links(refusal: ValidationError | None) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary: a section's reason links to its row's link
    on the page, the meeting's to the meeting's; a reason about the whole PEP is unlinked."""
    if refusal is None:
        return []
    if not hasattr(refusal, "error_dict"):
        return [("", message) for message in refusal.messages]
    return [
        (f"check-{name.replace('_', '-', 1)}", message)
        for name, errors in refusal.error_dict.items()
        for error in errors
        for message in error.messages
    ]


@login_required
@require_GET
def pep_signed_off(request: HttpRequest, pk: int) -> HttpResponse:
    pep = pep_get_for_user(user=request.user, pk=pk)
    if pep.signed_off_snapshot is None:
        return redirect("pep_detail", pk=pk)
    snapshot = pep.signed_off_snapshot
    sections = []
    for stored in snapshot["sections"]:
        spec = SECTIONS_BY_KEY[stored["key"]]
        sections.append(
            (
                spec,
                readable_answers(spec, snapshot["template"], stored["answers"]),
                # Snapshots signed before the records kept the old answers among the answers.
                previously_recorded(
                    spec, {**stored["answers"], **stored.get("previously_recorded", {})}
                ),
            )
        )
    return render(
        request,
        "peps/pep_signed_off.html",
        {"pep": pep, "snapshot": snapshot, "sections": sections},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pep_set_up(request: HttpRequest, child_pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=child_pk, action=Action.CHANGE_CHILD)
    form = PepSetUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pep = services.pep_set_up(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"The {pep.title} has been set up")
            return redirect("pep_detail", pk=pep.pk)
    return render(
        request, "peps/form.html", {"form": form, "child": child, "title": "Set up a PEP"}
    )


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    pep = pep_get_for_user(user=request.user, pk=pk, action=Action.ADD_ATTACHMENT)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                actor=request.user,
                pep=pep,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            # What the check of the file's content found is about the file: said beside it.
            if hasattr(error, "error_dict"):
                show_service_errors(form, error)
            else:
                form.add_error("file", error)
        else:
            messages.success(request, "The file has been attached")
            return redirect("pep_detail", pk=pk)
    # The PEP page again, the problem beside the file box and in the error summary.
    return _pep_page(request, pep, attachment_form=form)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    pep = pep_get_for_user(user=request.user, pk=pk)
    attachment = get_object_or_404(pep.attachments, pk=attachment_pk)
    audit.record(
        request.user,
        AuditAction.ATTACHMENT_DOWNLOADED,
        attachment,
        child=pep.child,
        request=request,
        detail={"pep": pep.pk},
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
