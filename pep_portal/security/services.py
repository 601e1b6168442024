"""Writes and rules of sign-in security: who needs a second factor, enrolling and checking
one, an administrator's reset of it, the browsers a person signs in from, and the sensitive
actions the virtual school head reviews and may undo."""

import hashlib
import secrets

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from children.models import TeacherApproval
from pep_portal.accounts.addresses import normalise_email
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.roles import second_factor_always_required, works_at_a_school
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction
from pep_portal.outbox.services import enqueue_after_commit

from .models import AuthoritySecurity, KnownDevice, SensitiveAction, SensitiveActionKind

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def _authorities_of(user: User) -> "list[LocalAuthority]":
    """The authorities whose children the person works with: their own, or for school staff
    every authority that approves a designated teacher at their school."""
    if user.authority is not None:
        return [user.authority]
    if works_at_a_school(user) and user.school_id is not None:
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
def totp_enrolment_confirm(
    *, user: User, token: str, request: HttpRequest | None = None
) -> tuple[TOTPDevice, list[str]]:
    """The first code from the app proves it was set up: it replaces any earlier app, new
    backup codes are made (shown once), and every other session of the person ends."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationError({"code": "Start setting up your authenticator app again"})
    if not device.verify_token(_digits(token)):
        raise ValidationError({"code": "Enter the 6-digit code your authenticator app shows now"})
    replaced = TOTPDevice.objects.filter(user=user, confirmed=True).delete()[0] > 0
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_backup_codes(user)
    _new_generation(user)
    second_factor_audit(
        user,
        AuditAction.SECOND_FACTOR_ADDED,
        request=request,
        kind="authenticator app",
        replaced=replaced,
    )
    return device, codes


@transaction.atomic
def backup_codes_replace(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """New backup codes; the old ones stop working. Other sessions end."""
    codes = _new_backup_codes(user)
    _new_generation(user)
    second_factor_audit(user, AuditAction.BACKUP_CODES_REPLACED, request=request)
    return codes


def second_factor_audit(
    person: User,
    action: AuditAction,
    *,
    actor: User | None = None,
    request: HttpRequest | None = None,
    **detail: object,
) -> None:
    """A second-factor event in the audit log, found under the person (the actor, unless an
    administrator acted on them) and their authority. The detail names no code or secret."""
    audit.record(
        actor or person,
        action,
        ("user", person.pk),
        authority_id=person.authority_id,
        request=request,
        detail=detail,
    )


def second_factor_key_added(*, user: User, request: HttpRequest | None = None) -> None:
    """A security key or passkey was registered (pep_portal.security.webauthn): every other
    session ends, and the audit log keeps it."""
    sessions_end_others(user=user)
    second_factor_audit(user, AuditAction.SECOND_FACTOR_ADDED, request=request, kind="security key")


@transaction.atomic
def security_key_remove(*, user: User, key_id: int, request: HttpRequest | None = None) -> None:
    """Remove one of the person's own security keys or passkeys. Someone who must use a second
    factor keeps at least one (an app or another key): backup codes alone are not one. Every
    other session ends, and the audit log keeps it."""
    from django_otp_webauthn.models import WebAuthnCredential

    key = WebAuthnCredential.objects.filter(user=user, pk=key_id, confirmed=True).first()
    if key is None:
        raise PermissionDenied
    left = [
        d
        for d in confirmed_devices(user)
        if not isinstance(d, StaticDevice)
        and not (isinstance(d, WebAuthnCredential) and d.pk == key.pk)
    ]
    if second_factor_required(user) and not left:
        raise ValidationError(
            "Set up an authenticator app or add another key before you remove your last one"
        )
    key.delete()
    _new_generation(user)
    second_factor_audit(
        user, AuditAction.SECOND_FACTOR_REMOVED, request=request, kind="security key"
    )


def second_factor_failed(
    *, user: User, request: HttpRequest | None = None, reason: str = "wrong code"
) -> None:
    """A code that was refused, at sign-in or when confirming who they are."""
    second_factor_audit(user, AuditAction.SECOND_FACTOR_FAILED, request=request, reason=reason)


def _digits(token: str) -> str:
    return "".join(token.split())


def _models_for(token: str) -> tuple[type[Device], ...]:
    # Six digits come from the app; anything else can only be a backup code. Trying a code on
    # the wrong kind would count a failure against a device that was never meant.
    return (TOTPDevice,) if len(token) == 6 and token.isdigit() else (StaticDevice,)


def second_factor_check(
    *, user: User, token: str, request: HttpRequest | None = None
) -> Device | None:
    """The device that accepts the code (a code from the authenticator app, or one backup code,
    which is used up), or None. After a wrong code, each device refuses every code for a
    doubling while (django-otp's throttling, kept in the database so it holds across
    processes): second_factor_throttled says so before a code is tried."""
    token = _digits(token)
    if token:
        with transaction.atomic():
            for model in _models_for(token):
                for device in model.objects.select_for_update().filter(user=user, confirmed=True):
                    allowed, _ = device.verify_is_allowed()
                    if allowed and device.verify_token(token):
                        return device
    second_factor_failed(user=user, request=request)
    return None


def second_factor_throttled(*, user: User, token: str) -> bool:
    token = _digits(token)
    return any(
        not device.verify_is_allowed()[0]
        for model in _models_for(token)
        for device in model.objects.filter(user=user, confirmed=True)
    )


@transaction.atomic
def second_factor_reset(*, actor: User, person: User, request: HttpRequest | None = None) -> None:
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
    # django-simple-history reads these two attributes when it writes the history row.
    setattr(person, "_history_user", actor)  # noqa: B010
    setattr(person, "_change_reason", "Second factor reset")  # noqa: B010
    person.save(update_fields=["session_generation"])
    queue_security_email(person, "second_factor_reset")
    second_factor_audit(person, AuditAction.SECOND_FACTOR_RESET, actor=actor, request=request)
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
def known_device_seen(*, user: User, token: str, request: HttpRequest | None = None) -> bool:
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
        second_factor_audit(user, AuditAction.NEW_DEVICE_SIGN_IN, request=request)
        return True
    return False


# E-mails ----------------------------------------------------------------------------------

EMAILS = {
    "new_device": "New sign-in to your PEP Portal account",
    "second_factor_reset": "Your PEP Portal sign-in has been reset",
    "sensitive_action": "A PEP Portal action for you to check",
    "email_change_confirm": "Confirm your new e-mail address for PEP Portal",
    "email_change_asked": "A change of e-mail address for your PEP Portal account",
    "email_changed": "The e-mail address of your PEP Portal account has changed",
}


def queue_security_email(user: User, kind: str, to: str = "") -> None:
    """E-mail the person (at `to`, when it is not their address on the account: the new
    address to confirm, or the old one after a change), once the transaction commits."""
    from .tasks import send_security_email_task  # tasks.py imports this module

    if to:
        enqueue_after_commit(send_security_email_task, user.pk, kind, to=to)
    else:
        enqueue_after_commit(send_security_email_task, user.pk, kind)


def security_email_send(*, user_id: int, kind: str, to: str = "") -> bool:
    """Send one security e-mail. Only a link and what happened to the account: never a
    child's details, nor the name of anyone else. The link that confirms a new address is
    made here, when the e-mail is sent, so it is never stored (not even in the outbox)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or kind not in EMAILS:
        return False
    from django.conf import settings

    portal = settings.PORTAL_BASE_URL.rstrip("/")
    context = {"portal": portal}
    if kind == "email_change_confirm":
        if not to:
            return False
        context["link"] = portal + reverse("email_change_confirm", args=[_email_token(user, to)])
    body = render_to_string(f"security/email/{kind}.txt", context)
    send_mail(EMAILS[kind], body, None, [to or user.email])
    return True


# Changing one's e-mail address -------------------------------------------------------------

EMAIL_CHANGE_SALT = "pep_portal.security.email-change"
# How long the link sent to the new address works.
EMAIL_CHANGE_SECONDS = 24 * 60 * 60


def _email_token(user: User, address: str) -> str:
    # Signed, with the time it was made; it names the address it changes from, so once the
    # change is made (or any other) the link stops working: it is good once.
    return signing.dumps(
        {"u": user.pk, "from": user.email, "to": address}, salt=EMAIL_CHANGE_SALT, compress=True
    )


def _address_free(address: str, user: User) -> bool:
    return not User.objects.with_address(address).exclude(pk=user.pk).exists()


@transaction.atomic
def email_change_ask(*, user: User, address: str, request: HttpRequest | None = None) -> str:
    """A signed-in person (who has just confirmed who they are) asks to use a new address. A
    link to confirm it goes to the new address only; the old address is told. Nothing changes
    until the link is followed. Returns the address, in its stored form."""
    address = normalise_email(address)
    if address == user.email:
        raise ValidationError({"email": "That is already your e-mail address"})
    if not _address_free(address, user):
        raise ValidationError({"email": "That e-mail address cannot be used for your account"})
    audit.record(
        user,
        AuditAction.EMAIL_CHANGE_ASKED,
        ("user", user.pk),
        request=request,
        detail={"from": user.email, "to": address},
    )
    queue_security_email(user, "email_change_confirm", to=address)
    queue_security_email(user, "email_change_asked", to=user.email)
    return address


def email_change_address(*, user: User, token: str) -> str:
    """The new address a link confirms, if the link is good for this person now."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_SECONDS)
    except signing.SignatureExpired:
        raise ValidationError("This link has expired. Ask for the change again") from None
    except signing.BadSignature:
        raise ValidationError(
            "This link is not right. Copy the whole link from the e-mail"
        ) from None
    if not isinstance(data, dict) or data.get("u") != user.pk:
        raise ValidationError(
            "This link is for another account. Sign out, then sign in to the account whose "
            "e-mail address you are changing"
        )
    if data.get("from") != user.email:
        raise ValidationError("This link has already been used, or your address has changed since")
    return str(data.get("to", ""))


@transaction.atomic
def email_change_confirm(*, user: User, token: str, request: HttpRequest | None = None) -> str:
    """Following the link from the new address: the account's address changes, every other
    session of the person ends, the old address is told, and it is audited."""
    user = User.objects.select_for_update().get(pk=user.pk)
    address = email_change_address(user=user, token=token)
    if not _address_free(address, user):
        raise ValidationError("That e-mail address is now used by another account")
    old = user.email
    user.email = address
    user.session_generation += 1
    setattr(user, "_history_user", user)  # noqa: B010
    setattr(user, "_change_reason", "E-mail address changed")  # noqa: B010
    user.save(update_fields=["email", "session_generation"])
    audit.record(
        user,
        AuditAction.EMAIL_CHANGED,
        ("user", user.pk),
        request=request,
        detail={"from": old, "to": address},
    )
    queue_security_email(user, "email_changed", to=old)
    return address


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
    detail: str = "",
) -> SensitiveAction | None:
    """Keep the action for the authority's virtual school head, and tell them. An action by
    the portal's operators (no authority) is kept in the account's history only."""
    authority_id = (
        approval.authority_id if approval else (actor.authority_id or subject.authority_id)
    )
    if authority_id is None:
        return None
    action = SensitiveAction.objects.create(
        authority_id=authority_id,
        kind=kind,
        actor=actor,
        subject=subject,
        approval=approval,
        detail=detail[:200],
    )
    head = virtual_school_head(authority_id)
    if head is not None and head.pk != actor.pk:
        queue_security_email(head, "sensitive_action")
    return action


def bulk_export_record(*, actor: User, what: str) -> SensitiveAction | None:
    """Many children's records are leaving the portal (a ZIP of PEPs, a CSV of a year's
    requests): kept for the authority's virtual school head, who is told. `what` says what
    was exported, never naming a child. It cannot be undone, only followed up."""
    return sensitive_action_record(
        kind=SensitiveActionKind.BULK_EXPORT, actor=actor, subject=actor, detail=what
    )


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
    if not action.can_be_undone:
        raise ValidationError(
            "An export cannot be undone: ask the person who made it what it was for"
        )
    if action.kind == SensitiveActionKind.TEACHER_APPROVED:
        if action.approval is not None and action.approval.withdrawn_at is None:
            account_services.teacher_approval_withdraw_on_review(
                actor=head, approval=action.approval
            )
    elif action.subject.is_active:
        account_services.person_close_on_review(actor=head, person=action.subject)
    action.undone_at = timezone.now()
    action.undone_by = head
    action.save(update_fields=["undone_at", "undone_by"])
    return action
