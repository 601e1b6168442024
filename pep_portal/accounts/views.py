from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pep_portal.forms import show_service_errors
from pep_portal.middleware import does_not_extend_session
from pep_portal.proxies import client_ip
from pep_portal.ratelimit import TooManyRequests
from pep_portal.refusals import WHOLE, refused
from pep_portal.security import services as security_services
from pep_portal.security import signin

from . import services
from .forms import (
    InviteForm,
    PeopleSearchForm,
    PortalPasswordChangeForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
    SignInForm,
)
from .permissions import Action, roles_user_may_invite, user_can
from .roles import Role
from .selectors import (
    approvals_of_teacher,
    current_approval,
    person_get_for_user,
    person_list_visible_to,
    teacher_get_for_user,
    teachers_approved_by,
)


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:
        # Django's login gives the session a new id; the password is only the first step
        # (pep_portal.security: the second factor, unless the person needs none).
        response = super().form_valid(form)
        signin.password_given(self.request, form.get_user())
        if signin.is_verified(self.request):
            signin.note_browser(self.request, response)
            return response
        verify = reverse("second_factor_verify")
        then = self.get_redirect_url()
        return redirect(f"{verify}?{urlencode({'next': then})}" if then else verify)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PortalPasswordResetForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: PortalPasswordResetForm) -> HttpResponse:
        # The e-mail (a link built from PORTAL_BASE_URL, nothing else) is sent by a queued task.
        try:
            services.password_reset_request(
                address=form.cleaned_data["email"], client_ip=client_ip(self.request)
            )
        except TooManyRequests as limited:
            form.add_error(None, str(limited))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return redirect(self.success_url)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Sets a new password; never signs in (post_reset_login stays off), so a reset link is
    never a way round the second factor. Every session of the account ends."""

    form_class = PortalSetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False

    def form_valid(self, form: PortalSetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        security_services.sessions_end_others(user=form.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PortalPasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: PortalPasswordChangeForm) -> HttpResponse:
        # Every other session ends, and remembered browsers are forgotten; this one goes on.
        form.save()
        security_services.sessions_end_others(user=form.user)
        update_session_auth_hash(self.request, form.user)
        return redirect(self.get_success_url())


@login_required
@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    form = PeopleSearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    people = person_list_visible_to(user=request.user, search=search)
    # A large authority has thousands of carers: a page at a time, searched in the database.
    page = Paginator(people, PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/people_list.html",
        {
            "form": form,
            "people": page.object_list,
            "page": page,
            "query_string": urlencode({"q": search}) if search else "",
            "search": search,
            "can_invite": bool(roles_user_may_invite(request.user)),
        },
    )


PEOPLE_PAGE_SIZE = 50


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(user=request.user, pk=pk)
    can_manage = user_can(request.user, Action.MANAGE_PERSON, person)
    approvals_link = person.role == Role.DESIGNATED_TEACHER and user_can(
        request.user, Action.VIEW_TEACHER_APPROVALS, person
    )
    # Invited but not yet signed in: the manager sees whether the e-mail left, and may resend.
    awaiting = can_manage and person.is_active and not person.has_usable_password()
    return render(
        request,
        "accounts/person_detail.html",
        {
            "person": person,
            "can_manage": can_manage,
            "approvals_link": approvals_link,
            "awaiting_first_sign_in": awaiting,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_invite(request: HttpRequest) -> HttpResponse:
    roles = roles_user_may_invite(request.user)
    if not roles:
        raise PermissionDenied
    form = InviteForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_invite(
                actor=request.user,
                email=data["email"],
                full_name=data["full_name"],
                role=Role(data["role"]),
                job_title=data["job_title"],
                phone=data["phone"],
                carer_kind=data.get("carer_kind", ""),
                duties=data.get("duties", []),
                school=data.get("school"),
            )
        except services.TeacherHasLogin as existing:
            # One login serves every authority: approve it rather than make a second one.
            teacher = existing.teacher
            may_approve = current_approval(
                authority_id=request.user.authority_id, teacher=teacher
            ) is None and user_can(request.user, Action.APPROVE_TEACHER, teacher)
            return refused(
                request,
                reverse("teacher_approvals", args=[teacher.pk]),
                "A second login was not made",
                f"{teacher.email} already has a designated teacher login "
                f"at {teacher.school.name if teacher.school else 'no school'}. "
                "Check the details and approve it to work with your authority's children",
                {WHOLE: "#approve-teacher"} if may_approve else None,
            )
        except ValidationError as error:
            show_service_errors(form, error)
        except TooManyRequests as limited:
            form.add_error(None, str(limited))
            return render(request, "accounts/invite.html", {"form": form}, status=429)
        else:
            # The e-mail leaves by a task, a moment later: say it is on its way, not sent.
            messages.success(
                request,
                f"{person.full_name}'s account has been created. An invitation is on its way "
                "to their email address",
            )
            return redirect("person_detail", pk=person.pk)
    return render(request, "accounts/invite.html", {"form": form})


@login_required
@require_POST
def person_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(user=request.user, pk=pk, action=Action.MANAGE_PERSON)
    active = request.POST.get("active") == "1"
    services.person_set_active(actor=request.user, person=person, active=active)
    messages.success(
        request,
        f"{person.full_name}'s account has been {'reopened' if active else 'closed'}",
    )
    return redirect("person_detail", pk=person.pk)


@login_required
@require_GET
def teacher_approvals(request: HttpRequest, pk: int) -> HttpResponse:
    """Which authorities approve a designated teacher, and the buttons to approve them for
    the user's authority or withdraw its approval."""
    user = request.user
    teacher = teacher_get_for_user(user=user, pk=pk)
    approvals = approvals_of_teacher(teacher=teacher)
    ours = next(
        (
            a
            for a in approvals
            if (a.authority_id, a.school_id) == (user.authority_id, teacher.school_id)
            and a.is_active
        ),
        None,
    )
    return render(
        request,
        "accounts/teacher_approvals.html",
        {
            "teacher": teacher,
            "current": [a for a in approvals if a.is_active],
            "past": [
                a for a in approvals if not a.is_active and a.authority_id == user.authority_id
            ],
            "ours": ours,
            "can_approve": ours is None and user_can(user, Action.APPROVE_TEACHER, teacher),
            "can_withdraw": ours is not None
            and user_can(user, Action.WITHDRAW_TEACHER_APPROVAL, ours),
        },
    )


@login_required
@require_POST
def teacher_approve(request: HttpRequest, pk: int) -> HttpResponse:
    teacher = teacher_get_for_user(user=request.user, pk=pk, action=Action.APPROVE_TEACHER)
    try:
        services.teacher_approve(actor=request.user, teacher=teacher)
    except ValidationError as error:
        return refused(
            request,
            reverse("teacher_approvals", args=[teacher.pk]),
            f"{teacher.full_name} cannot be approved",
            error,
            {WHOLE: "#current-approvals"},
        )
    messages.success(
        request,
        f"{teacher.full_name} can now work with {request.user.authority.name}'s children "
        f"at {teacher.school.name}",
    )
    return redirect("teacher_approvals", pk=teacher.pk)


@login_required
@require_POST
def teacher_approval_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    teacher = teacher_get_for_user(user=user, pk=pk)
    approval = current_approval(authority_id=user.authority_id, teacher=teacher)
    if approval is None or not user_can(user, Action.WITHDRAW_TEACHER_APPROVAL, approval):
        raise PermissionDenied
    services.teacher_approval_withdraw(actor=user, approval=approval)
    messages.success(
        request,
        f"{approval.authority.name} no longer approves {teacher.full_name}: they no longer "
        f"see its children at {approval.school.name}",
    )
    return redirect("teacher_approvals", pk=teacher.pk)


@login_required
@require_GET
def teacher_list(request: HttpRequest) -> HttpResponse:
    """The designated teachers the user's authority approves."""
    authority = request.user.authority
    if authority is None:
        raise PermissionDenied
    approvals = teachers_approved_by(user=request.user, authority=authority)
    return render(
        request,
        "accounts/teacher_list.html",
        {"authority": authority, "approvals": approvals},
    )


@login_required
@require_POST
def person_invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(user=request.user, pk=pk, action=Action.MANAGE_PERSON)
    try:
        services.invitation_resend(actor=request.user, person=person)
    except (ValidationError, TooManyRequests) as error:
        reasons = error if isinstance(error, ValidationError) else [str(error)]
        return refused(
            request,
            reverse("person_detail", args=[person.pk]),
            "The invitation cannot be sent again",
            reasons,
            # A closed account is reopened with the button on the same page.
            {WHOLE: "#reopen-account"} if not person.is_active else None,
        )
    messages.success(
        request, f"A new invitation is on its way to {person.full_name}'s email address"
    )
    return redirect("person_detail", pk=person.pk)


@require_GET
@never_cache
@does_not_extend_session
def session_time_left(request: HttpRequest) -> JsonResponse:
    """How many seconds the session has left, without extending it: the session timer
    (static/pep_portal/session-timeout.js) asks before it clears the page, in case another
    window, a download or a clock that jumped made its own count wrong. Signed out (or the
    session over): 0, as JSON, never a redirect."""
    return JsonResponse({"seconds_left": signin.session_seconds_left(request)})


@login_required
@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """Extends the session now (pages extend it at most once a minute:
    SessionIdleRefreshMiddleware): the "Stay signed in" button's target."""
    request.session.modified = True  # saved with a fresh expiry, the refresh time noted
    return HttpResponse(status=204)
