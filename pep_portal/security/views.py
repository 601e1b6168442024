"""Second-factor pages: giving it at sign-in, setting it up, backup codes, confirming who you
are before a sensitive change, an administrator's reset, and the virtual school head's review
of sensitive actions."""

import base64
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pep_portal.accounts.permissions import Action
from pep_portal.accounts.requests import AuthenticatedRequest
from pep_portal.accounts.selectors import person_get_for_user
from pep_portal.forms import show_service_errors
from pep_portal.refusals import WHOLE, refused

from . import services, signin
from .forms import (
    ConfirmIdentityForm,
    EmailChangeConfirmForm,
    EmailChangeForm,
    SecondFactorForm,
    SetUpForm,
)

BACKUP_CODES_TO_SHOW = "pep_backup_codes_to_show"


def _next(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _complete_sign_in(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    signin.note_browser(request, response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_verify(request: AuthenticatedRequest) -> HttpResponse:
    """The second step of signing in: a code from the app or a backup code."""
    user = request.user
    if signin.is_verified(request):
        return redirect(_next(request))
    if not services.confirmed_devices(user):
        # Nothing set up yet: someone who needs a second factor sets one up first.
        return redirect(f"{_set_up_url()}?{request.GET.urlencode()}")
    days = services.remember_device_days(user)
    form = SecondFactorForm(request.POST or None, remember_days=days)
    status = 200
    if request.method == "POST" and form.is_valid():
        # After a wrong code each device waits longer before it accepts another (django-otp's
        # throttling, doubling), so codes cannot be guessed at speed.
        if services.second_factor_throttled(user=user, token=form.cleaned_data["code"]):
            services.second_factor_failed(user=user, request=request, reason="too many wrong codes")
            form.add_error("code", "Too many wrong codes. Wait a minute, then try again")
            status = 429
        else:
            device = services.second_factor_check(
                user=user, token=form.cleaned_data["code"], request=request
            )
            if device is not None:
                signin.second_factor_given(request, device)
                response = redirect(_next(request))
                if form.cleaned_data.get("remember"):
                    signin.remember_this_browser(request, response, device)
                return _complete_sign_in(request, response)
            form.add_error(
                "code", "The code is not right, or has been used. Enter the code shown now"
            )
    return render(
        request,
        "security/verify.html",
        {
            "form": form,
            "next": request.GET.get("next", ""),
            "has_security_key": bool(services.security_keys(user)),
        },
        status=status,
    )


def _set_up_url() -> str:
    return reverse("second_factor_set_up")


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_set_up(request: AuthenticatedRequest) -> HttpResponse:
    """Set up an authenticator app: at first sign-in (after the password), or to replace it
    (which needs the person to have confirmed who they are recently)."""
    user = request.user
    has_device = bool(services.confirmed_devices(user))
    if has_device and not signin.is_verified(request):
        return redirect("second_factor_verify")
    if has_device and not signin.recently_authenticated(request):
        return redirect(f"{reverse('confirm_identity')}?{urlencode({'next': request.path})}")
    device = services.totp_enrolment_start(user=user)
    form = SetUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.totp_enrolment_confirm(
                user=user, token=form.cleaned_data["code"], request=request
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            user.refresh_from_db()
            # This session carries on (verified by the new app); every other one has ended.
            update_session_auth_hash(request, user)
            first = not signin.is_verified(request)
            signin.second_factor_given(request, device)
            request.session[BACKUP_CODES_TO_SHOW] = codes
            request.session["pep_after_codes"] = _next(request)
            response = redirect("second_factor_backup_codes")
            return _complete_sign_in(request, response) if first else response
    import segno  # imported here: only this page draws a QR code

    qr = segno.make(device.config_url, error="m")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "security/set_up.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(scale=5, dark="#0b0c0c", light="#ffffff", title="QR code"),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "next": request.GET.get("next", ""),
        },
    )


@login_required
@require_GET
def second_factor_backup_codes(request: AuthenticatedRequest) -> HttpResponse:
    """Backup codes are shown once, straight after they are made, then never again."""
    codes = request.session.pop(BACKUP_CODES_TO_SHOW, None)
    if not codes:
        return redirect("second_factor_manage")
    return render(
        request,
        "security/backup_codes.html",
        {"codes": codes, "continue_to": request.session.pop("pep_after_codes", "/")},
    )


@login_required
@require_GET
def second_factor_manage(request: AuthenticatedRequest) -> HttpResponse:
    devices = services.confirmed_devices(request.user)
    return render(
        request,
        "security/manage.html",
        {
            "keys": services.security_keys(request.user),
            "has_app": any(d.name == services.TOTP_DEVICE_NAME for d in devices),
            "backup_left": sum(
                d.token_set.count() for d in devices if d.name == services.BACKUP_DEVICE_NAME
            ),
        },
    )


@login_required
@signin.require_recent_authentication  # above require_POST: the way back is a GET
@require_POST
def second_factor_new_backup_codes(request: AuthenticatedRequest) -> HttpResponse:
    codes = services.backup_codes_replace(user=request.user, request=request)
    request.user.refresh_from_db()
    update_session_auth_hash(request, request.user)
    request.session[BACKUP_CODES_TO_SHOW] = codes
    return redirect("second_factor_backup_codes")


@login_required
@require_http_methods(["GET", "POST"])
def confirm_identity(request: AuthenticatedRequest) -> HttpResponse:
    """Password and second factor again, before a sensitive change."""
    user = request.user
    needs_code = services.sign_in_needs_second_factor(user)
    form = ConfirmIdentityForm(request.POST or None, needs_code=needs_code)
    if request.method == "POST" and form.is_valid():
        if not user.check_password(form.cleaned_data["password"]):
            form.add_error("password", "The password is not right")
        elif needs_code:
            device = services.second_factor_check(
                user=user, token=form.cleaned_data["code"], request=request
            )
            if device is None:
                form.add_error("code", "The code is not right, or has been used")
            else:
                signin.second_factor_given(request, device)
                return redirect(_next(request))
        else:
            request.session[signin.AUTHENTICATED_AT] = signin.now()
            return redirect(_next(request))
    return render(
        request,
        "security/confirm_identity.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


@login_required
@require_POST
def person_second_factor_reset(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(user=request.user, pk=pk, action=Action.MANAGE_PERSON)
    services.second_factor_reset(actor=request.user, person=person, request=request)
    messages.success(
        request,
        f"{person.full_name}'s second factor has been reset. They set up a new one when they "
        "next sign in, and have been told by email",
    )
    return redirect("person_detail", pk=person.pk)


@login_required
@require_GET
def sensitive_actions(request: AuthenticatedRequest) -> HttpResponse:
    actions = services.sensitive_actions_for_head(user=request.user)
    return render(request, "security/sensitive_actions.html", {"actions": actions})


@login_required
@require_POST
def sensitive_action_undo(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        services.sensitive_action_undo(head=request.user, action_id=pk)
    except ValidationError as error:
        return refused(
            request,
            reverse("sensitive_actions"),
            "This cannot be undone",
            error,
            {WHOLE: f"#undo-{pk}"},
        )
    messages.success(request, "Undone")
    return redirect("sensitive_actions")


@login_required
@signin.require_recent_authentication
@require_http_methods(["GET", "POST"])
def email_change(request: AuthenticatedRequest) -> HttpResponse:
    """Change one's own e-mail address: after confirming who they are, a link goes to the new
    address; the address changes only when it is followed."""
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            address = services.email_change_ask(
                user=request.user, address=form.cleaned_data["email"], request=request
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            return render(request, "security/email_change_sent.html", {"address": address})
    return render(request, "security/email_change.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def email_change_confirm(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The link sent to the new address, opened by the person signed in to their account."""
    # Bound on every POST: the form is only a button, so its data is empty.
    form = EmailChangeConfirmForm(request.POST if request.method == "POST" else None)
    problem = ""
    address = ""
    try:
        address = services.email_change_address(user=request.user, token=token)
        if request.method == "POST" and form.is_valid():
            services.email_change_confirm(user=request.user, token=token, request=request)
            request.user.refresh_from_db()
            # This session goes on; every other one of the person has ended.
            update_session_auth_hash(request, request.user)
            messages.success(request, f"Your e-mail address is now {address}")
            return redirect("home")
    except ValidationError as error:
        problem = " ".join(error.messages)
    return render(
        request,
        "security/email_change_confirm.html",
        {"form": form, "address": address, "problem": problem},
    )


@login_required
@signin.require_recent_authentication  # above require_POST: the way back is a GET
@require_POST
def second_factor_key_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        services.security_key_remove(user=request.user, key_id=pk, request=request)
    except ValidationError as error:
        return refused(
            request,
            reverse("second_factor_manage"),
            "The security key cannot be removed",
            error,
            {WHOLE: "#set-up-app"},
        )
    request.user.refresh_from_db()
    update_session_auth_hash(request, request.user)
    messages.success(request, "The security key has been removed")
    return redirect("second_factor_manage")
