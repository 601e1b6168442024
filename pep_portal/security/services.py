"""Writes and rules of sign-in security: who needs a second factor, enrolling and checking
one, an administrator's reset of it, the browsers a person signs in from, and the sensitive
actions the virtual school head reviews and may undo."""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from children.models import TeacherApproval
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.roles import second_factor_always_required, works_at_a_school
from pep_portal.outbox.services import enqueue_after_commit

from .models import AuthoritySecurity, KnownDevice, SensitiveAction, SensitiveActionKind

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def _authorities_of(user: User) -> "list[LocalAuthority]":
    """The authorities whose children the person works with: their own, or for school staff
    every authority that approves a designated teacher at their school."""
    if user.authority_id is not None:
        return [user.authority]
    if works_at_a_school(user):
        ids = TeacherApproval.objects.filter(
            school_id=user.school_id, withdrawn_at__isnull=True
        ).values_list("authority_id", flat=True)
        return list(LocalAuthority.objects.filter(pk__in=ids))
    return []


def _rules_of(authorities: "list[LocalAuthority]") -> list[AuthoritySecurity]:
    return list(AuthoritySecurity.objects.filter(authority__in=authorities))


def second_factor_required(user: User) -> bool:
    """Whether the person may not use the portal with a password alone. Always for the
    authority's own staff and the portal's operators; for everyone else when any authority
    whose children they work with requires it. Someone who has set up a second factor always
    uses it (sign_in_needs_second_factor)."""
    if second_factor_always_required(user):
        return True
    return any(r.second_factor_for_everyone for r in _rules_of(_authorities_of(user)))


def confirmed_devices(user: User) -> list[Device]:
    from django_otp_webauthn.models import WebAuthnCredential

    return [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
        *WebAuthnCredential.objects.filter(user=user, confirmed=True),
    ]


def security_keys(user: User) -> list[Device]:
    from django_otp_webauthn.models import WebAuthnCredential

    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True))


def sign_in_needs_second_factor(user: User) -> bool:
    return second_factor_required(user) or bool(confirmed_devices(user))


def remember_device_days(user: User) -> int:
    """For how many days a browser may skip the second factor: the least that any of the
    person's authorities allows (0 where one does not allow it, or there is none)."""
    rules = {r.authority_id: r.remember_device_days for r in _rules_of(_authorities_of(user))}
    authorities = _authorities_of(user)
    if not authorities:
        return 0
    return min(rules.get(a.pk, 0) for a in authorities)


def _new_generation(user: User) -> None:
    """Every other session of the person ends, and every remembered browser is forgotten:
    their fingerprints include the generation (User.get_session_auth_hash)."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


def sessions_end_others(*, user: User) -> None:
    """After a password change or a second-factor change: the view keeps the current session
    (update_session_auth_hash); every other one ends."""
    _new_generation(user)


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """An authenticator app waiting to be confirmed with its first code: the same secret while
    the person is setting it up, so reloading the page does not change the QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def totp_enrolment_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """The first code from the app proves it was set up: it replaces any earlier app, new
    backup codes are made (shown once), and every other session of the person ends."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationError({"code": "Start setting up your authenticator app again"})
    if not device.verify_token(_digits(token)):
        raise ValidationError({"code": "Enter the 6-digit code your authenticator app shows now"})
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_backup_codes(user)
    _new_generation(user)
    return device, codes


@transaction.atomic
def backup_codes_replace(*, user: User) -> list[str]:
    """New backup codes; the old ones stop working. Other sessions end."""
    codes = _new_backup_codes(user)
    _new_generation(user)
    return codes


def _digits(token: str) -> str:
    return "".join(token.split())


def _models_for(token: str) -> tuple[type[Device], ...]:
    # Six digits come from the app; anything else can only be a backup code. Trying a code on
    # the wrong kind would count a failure against a device that was never meant.
    return (TOTPDevice,) if len(token) == 6 and token.isdigit() else (StaticDevice,)


def second_factor_check(*, user: User, token: str) -> Device | None:
    """The device that accepts the code (a code from the authenticator app, or one backup code,
    which is used up), or None. After a wrong code, each device refuses every code for a
    doubling while (django-otp's throttling, kept in the database so it holds across
    processes): second_factor_throttled says so before a code is tried."""
    token = _digits(token)
    if not token:
        return None
    with transaction.atomic():
        for model in _models_for(token):
            for device in model.objects.select_for_update().filter(user=user, confirmed=True):
                allowed, _ = device.verify_is_allowed()
                if allowed and device.verify_token(token):
                    return device
    return None


def second_factor_throttled(*, user: User, token: str) -> bool:
    token = _digits(token)
    return any(
        not device.verify_is_allowed()[0]
        for model in _models_for(token)
        for device in model.objects.filter(user=user, confirmed=True)
    )


@transaction.atomic
def second_factor_reset(*, actor: User, person: User) -> None:
    """Remove a person's second factor (a lost phone): they set one up again at their next
    sign-in, and every session they have ends. Kept in the account's history, the person is
    told by e-mail, and the authority's virtual school head is told and may undo it."""
    if actor.pk == person.pk or not user_can(actor, Action.MANAGE_PERSON, person):
        raise PermissionDenied
    person = User.objects.select_for_update().get(pk=person.pk)
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    _webauthn_delete(person)
    person.session_generation += 1
    person._history_user = actor
    person._change_reason = "Second factor reset"
    person.save(update_fields=["session_generation"])
    queue_security_email(person, "second_factor_reset")
    sensitive_action_record(
        kind=SensitiveActionKind.SECOND_FACTOR_RESET, actor=actor, subject=person
    )


def _webauthn_delete(person: User) -> None:
    from django_otp_webauthn.models import WebAuthnCredential

    WebAuthnCredential.objects.filter(user=person).delete()


# Browsers a person signs in from -----------------------------------------------------------


def new_device_token() -> str:
    return secrets.token_urlsafe(32)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def known_device_seen(*, user: User, token: str) -> bool:
    """Record a sign-in from this browser. True (and the person is e-mailed) when it is a
    browser they have not signed in from before; their very first sign-in alerts nobody."""
    _, created = KnownDevice.objects.get_or_create(user=user, token_hash=_hash(token))
    if not created:
        KnownDevice.objects.filter(user=user, token_hash=_hash(token)).update(
            last_seen_at=timezone.now()
        )
        return False
    if KnownDevice.objects.filter(user=user).count() > 1:
        queue_security_email(user, "new_device")
        return True
    return False


# E-mails ----------------------------------------------------------------------------------

EMAILS = {
    "new_device": "New sign-in to your PEP Portal account",
    "second_factor_reset": "Your PEP Portal sign-in has been reset",
    "sensitive_action": "A PEP Portal action for you to check",
}


def queue_security_email(user: User, kind: str) -> None:
    from .tasks import send_security_email_task  # tasks.py imports this module

    enqueue_after_commit(send_security_email_task, user.pk, kind)


def security_email_send(*, user_id: int, kind: str) -> bool:
    """Send one security e-mail. Only a link and what happened to the account: never a
    child's details, nor the name of anyone else."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or kind not in EMAILS:
        return False
    from django.conf import settings

    body = render_to_string(
        f"security/email/{kind}.txt", {"portal": settings.PORTAL_BASE_URL.rstrip("/")}
    )
    send_mail(EMAILS[kind], body, None, [user.email])
    return True


# Separation of duties --------------------------------------------------------------------


def virtual_school_head(authority_id: int) -> User | None:
    rules = (
        AuthoritySecurity.objects.filter(authority_id=authority_id)
        .select_related("virtual_school_head")
        .first()
    )
    head = rules.virtual_school_head if rules else None
    return head if head is not None and head.is_active else None


def sensitive_action_record(
    *,
    kind: str,
    actor: User,
    subject: User,
    approval: TeacherApproval | None = None,
) -> SensitiveAction | None:
    """Keep the action for the authority's virtual school head, and tell them. An action by
    the portal's operators (no authority) is kept in the account's history only."""
    authority_id = (
        approval.authority_id if approval else (actor.authority_id or subject.authority_id)
    )
    if authority_id is None:
        return None
    action = SensitiveAction.objects.create(
        authority_id=authority_id, kind=kind, actor=actor, subject=subject, approval=approval
    )
    head = virtual_school_head(authority_id)
    if head is not None and head.pk != actor.pk:
        queue_security_email(head, "sensitive_action")
    return action


def is_virtual_school_head(user: User) -> bool:
    return (
        user.is_authenticated
        and user.authority_id is not None
        and AuthoritySecurity.objects.filter(
            authority_id=user.authority_id, virtual_school_head=user
        ).exists()
    )


def sensitive_actions_for_head(*, user: User) -> "list[SensitiveAction]":
    if not is_virtual_school_head(user):
        raise PermissionDenied
    return list(
        SensitiveAction.objects.filter(authority_id=user.authority_id)
        .select_related("actor", "subject", "undone_by")
        .order_by("-done_at")[:200]
    )


@transaction.atomic
def sensitive_action_undo(*, head: User, action_id: int) -> SensitiveAction:
    """The virtual school head undoes an action: an account created is closed, an approval is
    withdrawn, and an account whose second factor was reset is closed until they check who
    asked for it."""
    from pep_portal.accounts import services as account_services

    if not is_virtual_school_head(head):
        raise PermissionDenied
    action = (
        SensitiveAction.objects.select_for_update()
        .filter(pk=action_id, authority_id=head.authority_id)
        .first()
    )
    if action is None:
        raise PermissionDenied
    if action.undone_at is not None:
        raise ValidationError("This has already been undone")
    if action.kind == SensitiveActionKind.TEACHER_APPROVED:
        if action.approval.withdrawn_at is None:
            account_services.teacher_approval_withdraw_on_review(
                actor=head, approval=action.approval
            )
    elif action.subject.is_active:
        account_services.person_close_on_review(actor=head, person=action.subject)
    action.undone_at = timezone.now()
    action.undone_by = head
    action.save(update_fields=["undone_at", "undone_by"])
    return action
