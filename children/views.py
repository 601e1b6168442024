"""Thin views: scope the child to the user, check the form, call a service, render."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pep_portal.accounts.permissions import Action, allowed_actions, allowed_ids, user_can
from pep_portal.accounts.roles import Role
from pep_portal.forms import show_service_errors, shown_answers

from . import services
from .forms import (
    AdviceOutcomeForm,
    AdviceRequestForm,
    AllocateForm,
    CareLeaveForm,
    ChildEditForm,
    ChildRegisterForm,
    ChildSearchForm,
    DelegateForm,
    EpisodeCorrectForm,
    PlacementCorrectForm,
    PlacementForm,
    SchoolMoveForm,
    SettingForm,
    SocialWorkerCountForm,
)
from .models import Child, School, SettingKind
from .school_year import setting_age_warning
from .selectors import (
    ChildFilters,
    advice_request_get_for_user,
    advice_requests_for,
    child_audit_trail,
    child_get_for_user,
    child_list_page,
    child_record,
    possible_duplicates,
    settings_added_in_portal,
    social_worker_counts_for,
)

PAGE_SIZE = 50


@login_required
@require_GET
def child_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    # The virtual school sees its whole authority's children, so it searches and filters them.
    whole_authority = user_can(user, Action.VIEW_ALL_CHILDREN)
    form = ChildSearchForm(request.GET or None)
    filters = ChildFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = ChildFilters(
            search=data["q"],
            template=data["template"],
            social_worker=data["social_worker"],
            no_school_place=data["no_school_place"],
        )
    page = child_list_page(
        user=user, filters=filters, number=request.GET.get("page"), per_page=PAGE_SIZE
    )
    return render(
        request,
        "children/child_list.html",
        {
            "form": form,
            "page": page,
            "show_filters": whole_authority,
            "can_register": user_can(user, Action.REGISTER_CHILD),
            "heading": _list_heading(user.role),
            "query_string": _query_without_page(request),
        },
    )


def _list_heading(role: str) -> str:
    return {
        Role.SOCIAL_WORKER: "Your caseload",
        Role.DESIGNATED_TEACHER: "Children in care at your school",
        Role.DELEGATED_SCHOOL_STAFF: "Children delegated to you",
        Role.CARER: "Children placed with you",
        Role.VIRTUAL_SCHOOL_STAFF: "Children in care",
        Role.INDEPENDENT_REVIEWING_OFFICER: "Children you review",
    }.get(role, "Children")


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=pk)
    services.child_record_viewed(viewer=request.user, child=child, page="record", request=request)
    user = request.user
    # The page's questions about the child, its buttons and the outcomes part's, asked of the
    # engine together (one query, not one each); kept for this page load.
    may = allowed_actions(
        user,
        child,
        [
            Action.CHANGE_CHILD,
            Action.DELEGATE_CHILD,
            Action.VIEW_CHILD_AUDIT,
            Action.VIEW_OUTCOMES,
            Action.RECORD_OUTCOMES,
        ],
    )
    record = child_record(child=child)
    can_change = Action.CHANGE_CHILD in may
    return render(
        request,
        "children/child_detail.html",
        {
            "record": record,
            "child": child,
            "can_change": can_change,
            "can_delegate": Action.DELEGATE_CHILD in may,
            "can_audit": Action.VIEW_CHILD_AUDIT in may,
            # What an import could not take as it came, for the virtual school to correct.
            "record_warnings": list(child.record_warnings.filter(resolved_at__isnull=True))
            if can_change
            else [],
            # The teachers not yet approved whom this user may approve (a link to do it).
            "approvable_teacher_ids": allowed_ids(
                user, Action.APPROVE_TEACHER, record.teachers_not_approved
            ),
        },
    )


def _form_page(
    request: HttpRequest, form: Form, *, title: str, child: Any = None, intro: str = ""
) -> HttpResponse:
    return render(
        request,
        "children/form.html",
        {"form": form, "title": title, "child": child, "intro": intro},
    )


@login_required
@require_http_methods(["GET", "POST"])
def child_register(request: HttpRequest) -> HttpResponse:
    """The form, then "check your answers" (with any child already on the portal who may be
    the same one), then the registration. The answers travel in the check page's hidden
    fields, so it works without JavaScript and keeps nothing on the server until confirmed."""
    user = request.user
    if not user_can(user, Action.REGISTER_CHILD):
        raise PermissionDenied
    form = ChildRegisterForm(request.POST or None, authority_id=user.authority_id)
    if request.method == "POST" and "change" not in request.POST and form.is_valid():
        data = form.cleaned_data
        placed = {
            "carers": list(data["carers"]),
            "school": data["school"],
            "social_worker": data["social_worker"],
            "virtual_school_adviser": data["virtual_school_adviser"],
        }
        try:
            if "confirm" not in request.POST:
                services.registration_check(
                    authority_id=user.authority_id,
                    details=form.details(),
                    entered_care_on=data["entered_care_on"],
                    **placed,
                )
                return _register_check(request, form)
            child = services.child_register(
                actor=user,
                details=form.details(),
                entered_care_on=data["entered_care_on"],
                emergency_placement=data["emergency_placement"],
                legal_status=data["legal_status"],
                placement_type=data["placement_type"],
                setting_name=data["setting_name"],
                **placed,
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"{child.display_name} has been registered")
            _warn_if_setting_does_not_fit(request, child, data["school"], data["entered_care_on"])
            return redirect("child_detail", pk=child.pk)
    return _form_page(request, form, title="Register a child entering care")


# What the check page carries back, as typed, in hidden fields (never the token or buttons).
NOT_ANSWERS = {"csrfmiddlewaretoken", "submit", "confirm", "change"}


def _register_check(request: HttpRequest, form: ChildRegisterForm) -> HttpResponse:
    data = form.cleaned_data
    return render(
        request,
        "children/register_check.html",
        {
            "answers": shown_answers(form),
            "duplicates": possible_duplicates(
                user=request.user,
                legal_first_name=data["legal_first_name"],
                legal_last_name=data["legal_last_name"],
                date_of_birth=data["date_of_birth"],
                upn=data["upn"],
            ),
            "name": f"{data['legal_first_name']} {data['legal_last_name']}",
            "hidden": [
                (name, value)
                for name, values in request.POST.lists()
                if name not in NOT_ANSWERS
                for value in values
            ],
        },
    )


def _warn_if_setting_does_not_fit(
    request: HttpRequest, child: Child, school: School | None, on: dt.date
) -> None:
    if school is None:
        return
    warning = setting_age_warning(
        date_of_birth=child.date_of_birth, on=on, phase=school.phase, school_name=school.name
    )
    if warning:
        messages.warning(request, warning)


@login_required
@require_http_methods(["GET", "POST"])
def child_edit(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=pk, action=Action.CHANGE_CHILD)
    initial = {name: getattr(child, name) for name in ChildEditForm.detail_fields}
    form = ChildEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.child_update_details(actor=request.user, child=child, details=form.details())
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The child's details have been saved")
            return redirect("child_detail", pk=child.pk)
    return _form_page(request, form, title="Change the child's details", child=child)


@login_required
@require_http_methods(["GET", "POST"])
def placement_change(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=pk, action=Action.CHANGE_CHILD)
    form = PlacementForm(request.POST or None, authority_id=child.authority_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.placement_change(
                actor=request.user,
                child=child,
                placement_type=data["placement_type"],
                started_on=data["started_on"],
                setting_name=data["setting_name"],
                carers=list(data["carers"]),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The new placement has been recorded")
            return redirect("child_detail", pk=child.pk)
    return _form_page(
        request,
        form,
        title="Record a change of placement",
        child=child,
        intro="The current placement ends the day before the new one starts. The previous "
        "carers lose access to the child's record.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def care_leave(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=pk, action=Action.CHANGE_CHILD)
    form = CareLeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.care_leave(
                actor=request.user, child=child, left_on=data["left_on"], reason_code=data["reason"]
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"{child.display_name} has left care")
            return redirect("child_detail", pk=child.pk)
    return _form_page(
        request,
        form,
        title="Record that the child left care",
        child=child,
        intro="The placement and school place end on that day: carers and school staff lose "
        "access to the record, and the open PEPs are closed with the reason. The virtual school "
        "keeps the record, read-only. Adoption, a special guardianship order or a child "
        "arrangements order moves the child to the previously looked-after cohort.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def school_move(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=pk, action=Action.CHANGE_CHILD)
    form = SchoolMoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.school_move(
                actor=request.user,
                child=child,
                school=data["school"],
                started_on=data["started_on"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The change of school has been recorded")
            _warn_if_setting_does_not_fit(request, child, data["school"], data["started_on"])
            return redirect("child_detail", pk=child.pk)
    return _form_page(
        request,
        form,
        title="Record a change of school",
        child=child,
        intro="The previous school's staff leave the child's care team from the date of the "
        "change; the new school's designated teachers join it. For the days the authority's "
        "PEP rules set, the previous school's designated teacher may still read (not change) "
        "the PEPs their school wrote in, and its unfinished sections pass to the new school "
        "with a note.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def care_team_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=pk, action=Action.CHANGE_CHILD)
    initial = {
        "social_worker": child.social_worker,
        "virtual_school_adviser": child.virtual_school_adviser,
        "independent_reviewing_officer": child.independent_reviewing_officer,
    }
    form = AllocateForm(request.POST or None, initial=initial, authority_id=child.authority_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.care_team_allocate(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The care team has been updated")
            return redirect("child_detail", pk=child.pk)
    return _form_page(request, form, title="Allocate staff", child=child)


@login_required
@require_http_methods(["GET", "POST"])
def delegation_grant(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=pk, action=Action.DELEGATE_CHILD)
    form = DelegateForm(request.POST or None, school_id=request.user.school_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.delegation_grant(
                actor=request.user, child=child, delegate=form.cleaned_data["delegate"]
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The child has been delegated")
            return redirect("child_detail", pk=child.pk)
    return _form_page(
        request,
        form,
        title="Delegate to a colleague",
        child=child,
        intro="Your colleague will see this child's record and PEPs until you revoke it or the "
        "child leaves your school.",
    )


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int, delegation_pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=pk, action=Action.DELEGATE_CHILD)
    delegation = get_object_or_404(child.delegations, pk=delegation_pk, revoked_at__isnull=True)
    services.delegation_revoke(actor=request.user, delegation=delegation)
    messages.success(request, f"{delegation.delegate.full_name} no longer has this child")
    return redirect("child_detail", pk=child.pk)


@login_required
@require_GET
def child_audit(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=pk, action=Action.VIEW_CHILD_AUDIT)
    services.child_record_viewed(
        viewer=request.user, child=child, page="audit trail", request=request
    )
    page = Paginator(child_audit_trail(child=child), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "children/child_audit.html",
        {"child": child, "entries": page.object_list, "page": page},
    )


# --- settings (issue 15) ---------------------------------------------------------------------


@login_required
@require_GET
def setting_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in SettingKind.values else ""
    page = Paginator(settings_added_in_portal(user=request.user, kind=kind), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "children/setting_list.html",
        {
            "page": page,
            "kinds": SettingKind.choices,
            "kind": kind,
            "query_string": _query_without_page(request),
        },
    )


def _setting_values(form: SettingForm) -> dict[str, Any]:
    return {
        name: form.cleaned_data[name] for name in services.SETTING_FIELDS if name in form.fields
    }


@login_required
@require_http_methods(["GET", "POST"])
def setting_add(request: HttpRequest) -> HttpResponse:
    if not user_can(request.user, Action.REGISTER_CHILD):
        raise PermissionDenied
    form = SettingForm(request.POST or None, initial={"has_designated_teacher": True})
    if request.method == "POST" and form.is_valid():
        try:
            setting = services.setting_register(actor=request.user, values=_setting_values(form))
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(
                request, f"{setting.name} has been added: its reference is {setting.reference}"
            )
            return redirect("setting_list")
    return _form_page(
        request,
        form,
        title="Add a setting",
        intro="Schools and colleges come from Get Information About Schools (GIAS): find them "
        "by URN. Add here an early years provider, a training provider or employer, home "
        "education, education other than at school, or not in education, employment or "
        "training.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def setting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not user_can(request.user, Action.REGISTER_CHILD):
        raise PermissionDenied
    setting = get_object_or_404(School, pk=pk)
    gias = setting.kind in (SettingKind.SCHOOL, SettingKind.COLLEGE) and setting.urn is not None
    initial = {name: getattr(setting, name) for name in services.SETTING_FIELDS}
    initial["urn"] = "" if setting.urn is None else str(setting.urn)
    form = SettingForm(request.POST or None, initial=initial, gias=gias)
    if request.method == "POST" and form.is_valid():
        try:
            services.setting_change(
                actor=request.user, setting=setting, values=_setting_values(form)
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"{setting.name} has been saved")
            return redirect("setting_list")
    return _form_page(request, form, title=f"Change {setting.label}")


# --- the wider cohorts (issue 15) --------------------------------------------------------------


@login_required
@require_GET
def advice_list(request: HttpRequest) -> HttpResponse:
    open_only = request.GET.get("open") == "1"
    page = Paginator(
        advice_requests_for(user=request.user, open_only=open_only), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "children/advice_list.html",
        {"page": page, "open_only": open_only, "query_string": _query_without_page(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def advice_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user_can(user, Action.LOG_WIDER_COHORTS):
        raise PermissionDenied
    form = AdviceRequestForm(request.POST or None, authority_id=user.authority_id)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in services.ADVICE_FIELDS}
        values["child_name"] = values["child_name"].strip()
        try:
            services.advice_request_log(actor=user, values=values)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The request has been logged")
            return redirect("advice_list")
    return _form_page(
        request,
        form,
        title="Log a request for advice or information",
        intro="For a previously looked-after child: adopted, or left care under a special "
        "guardianship or child arrangements order. They have no PEP; the virtual school "
        "advises their parents and schools.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def advice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    advice = advice_request_get_for_user(user=request.user, pk=pk)
    may_close = advice.is_open and user_can(request.user, Action.LOG_WIDER_COHORTS, advice)
    form = AdviceOutcomeForm(request.POST or None) if may_close else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.advice_request_close(
                    actor=request.user,
                    request=advice,
                    outcome=data["outcome"],
                    notes=data["outcome_notes"],
                    closed_on=data["closed_on"],
                )
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, "The outcome has been recorded")
                return redirect("advice_list")
    return render(request, "children/advice_detail.html", {"advice": advice, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def social_worker_counts(request: HttpRequest) -> HttpResponse:
    user = request.user
    rows = social_worker_counts_for(user=user)
    may_log = user_can(user, Action.LOG_WIDER_COHORTS)
    form = SocialWorkerCountForm(request.POST or None) if may_log else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.social_worker_count_set(
                    actor=user,
                    school=data["school"],
                    children=data["children"],
                    counted_on=data["counted_on"],
                    contact_name=data["contact_name"],
                    contact_email=data["contact_email"],
                )
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, f"The count for {data['school'].name} has been saved")
                return redirect("social_worker_counts")
    total = sum(row.children for row in rows)
    return render(
        request,
        "children/social_worker_counts.html",
        {"rows": rows, "form": form, "total": total},
    )


AUDIT_PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "POST"])
def imported_record_correct(
    request: HttpRequest, pk: int, kind: str, record_pk: int
) -> HttpResponse:
    """Correct a time in care (`kind` "episode") or a placement ("placement") by hand."""
    child = child_get_for_user(user=request.user, pk=pk, action=Action.CHANGE_CHILD)
    form_class: type[EpisodeCorrectForm | PlacementCorrectForm]
    if kind == "episode":
        record: Any = get_object_or_404(child.episodes, pk=record_pk)
        form_class, title = EpisodeCorrectForm, "Correct the record of a time in care"
    elif kind == "placement":
        record = get_object_or_404(child.placements, pk=record_pk)
        form_class, title = PlacementCorrectForm, "Correct the record of a placement"
    else:
        raise Http404
    initial = {name: getattr(record, name) for name in form_class.base_fields}
    if "emergency_placement" in initial:
        initial["emergency_placement"] = "yes" if record.emergency_placement else "no"
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.imported_record_correct(
            actor=request.user, record=record, values=form.cleaned_data
        )
        messages.success(request, "The correction has been saved")
        return redirect("child_detail", pk=child.pk)
    return _form_page(
        request,
        form,
        title=title,
        child=child,
        intro=f"{record}. The case system's next import keeps what you save here, and lists "
        "what its extract says instead for the virtual school to check.",
    )
