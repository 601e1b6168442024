from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings.selectors import open_meeting_tasks_for
from pep_portal.forms import show_service_errors
from pep_portal.proxies import client_ip
from pep_portal.ratelimit import TooManyRequests
from peps.selectors import work_for

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
from .selectors import people_count_by_role, person_get_for_user, person_list_visible_to


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


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
        except TooManyRequests as refused:
            form.add_error(None, str(refused))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return redirect(self.success_url)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = PortalSetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PortalPasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {"role": user.role, "Role": Role}
    if user.role in (Role.VIRTUAL_SCHOOL_STAFF, Role.AUTHORITY_ADMINISTRATOR):
        counts = people_count_by_role(user=user)
        context["people_counts"] = [(label, counts.get(value, 0)) for value, label in Role.choices]
    context["can_see_people"] = user.role != Role.CARER and user.role != ""
    context["work"] = work_for(user=user) if user.role else []
    context["meeting_tasks"] = open_meeting_tasks_for(user=user) if user.role else []
    context["now"] = timezone.now()
    return render(request, "accounts/home.html", context)


@login_required
@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    form = PeopleSearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    people = person_list_visible_to(user=request.user, search=search)
    return render(
        request,
        "accounts/people_list.html",
        {
            "form": form,
            "people": people,
            "search": search,
            "can_invite": bool(roles_user_may_invite(request.user)),
        },
    )


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(user=request.user, pk=pk)
    can_manage = user_can(request.user, Action.MANAGE_PERSON, person)
    return render(
        request, "accounts/person_detail.html", {"person": person, "can_manage": can_manage}
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
        except ValidationError as error:
            show_service_errors(form, error)
        except TooManyRequests as refused:
            form.add_error(None, str(refused))
            return render(request, "accounts/invite.html", {"form": form}, status=429)
        else:
            messages.success(
                request,
                f"{person.full_name}'s account has been created and an "
                "invitation sent to their email address",
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
@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """Extends the session (every request does): the "Stay signed in" button's target."""
    return HttpResponse(status=204)
