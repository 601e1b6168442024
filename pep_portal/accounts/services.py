"""Writes to accounts: inviting people, closing or reopening their accounts, password resets."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from children.models import School
from pep_portal import ratelimit
from pep_portal.ratelimit import TooManyRequests

from .addresses import normalise_email
from .models import User
from .permissions import Action, roles_user_may_invite, sync_child_access, user_can
from .roles import AUTHORITY_ROLES, SCHOOL_ROLES, CarerKind, Role, VirtualSchoolDuty


def _set_password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _send_invitation(user: User) -> None:
    # Only a link: the e-mail names nobody and says nothing about any child.
    body = render_to_string("accounts/email/invitation.txt", {"link": _set_password_link(user)})
    send_mail("Your PEP Portal account", body, None, [user.email])


def _queue_email(task: Any, *args: object) -> None:
    """Every e-mail the accounts app sends goes through here: a Celery task queued once the
    transaction commits, so it is never sent while the user waits (nor its timing seen)."""
    transaction.on_commit(lambda: task.delay(*args))


def password_reset_request(*, address: str, client_ip: str) -> None:
    """Someone asks for a reset link. The request does the same work whether or not the address
    has an account (the task looks it up later), so neither its answer nor its timing tells.

    At most PASSWORD_RESET_LIMIT_PER_IP requests an hour from one client, refused with a reason;
    at most PASSWORD_RESET_LIMIT_PER_ADDRESS links an hour to one address, the rest silently
    dropped so that the limit says nothing about the address either."""
    from .tasks import send_password_reset_email_task

    if not ratelimit.allow(
        "password-reset-ip", client_ip, limit=settings.PASSWORD_RESET_LIMIT_PER_IP
    ):
        raise TooManyRequests(
            "You have asked for too many password reset links. Wait an hour, then try again"
        )
    address = normalise_email(address)
    if ratelimit.allow(
        "password-reset-address", address, limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    ):
        _queue_email(send_password_reset_email_task, address)


def password_reset_email_send(*, address: str) -> int:
    """E-mail a link to set a new password to the open account with this address, if any (also
    to someone invited who never set one: the invitation tells them to ask for a new link)."""
    sent = 0
    for user in User.objects.with_address(address).filter(is_active=True):
        # Only a link: the e-mail names nobody and says nothing about any child.
        subject = render_to_string("registration/password_reset_subject.txt").strip()
        body = render_to_string(
            "registration/password_reset_email.txt", {"link": _set_password_link(user)}
        )
        send_mail(subject, body, None, [user.email])
        sent += 1
    return sent


def _children_of(people: Iterable[User]) -> set[int]:
    """Children whose care team includes any of these people (their access follows them)."""
    from children.models import Child, ChildUserObjectPermission, Delegation

    ids = [p.pk for p in people]
    granted = ChildUserObjectPermission.objects.filter(user_id__in=ids).values_list(
        "content_object_id", flat=True
    )
    school_ids = [p.school_id for p in people if p.school_id]
    at_school = Child.objects.filter(
        enrolments__school_id__in=school_ids, enrolments__ended_on__isnull=True
    ).values_list("pk", flat=True)
    delegated = Delegation.objects.filter(delegate_id__in=ids).values_list("child_id", flat=True)
    allocated = Child.objects.filter(
        Q(social_worker_id__in=ids)
        | Q(virtual_school_adviser_id__in=ids)
        | Q(independent_reviewing_officer_id__in=ids)
        | Q(placements__carers__in=ids, placements__ended_on__isnull=True)
    ).values_list("pk", flat=True)
    return set(granted) | set(at_school) | set(delegated) | set(allocated)


@transaction.atomic
def person_invite(
    *,
    actor: User,
    email: str,
    full_name: str,
    role: Role,
    job_title: str = "",
    phone: str = "",
    carer_kind: str = "",
    duties: Iterable[str] = (),
    school: School | None = None,
) -> User:
    """Create an account and e-mail its owner a link to set their password."""
    if role not in roles_user_may_invite(actor):
        raise PermissionDenied
    if not ratelimit.allow("invitation", str(actor.pk), limit=settings.INVITATION_LIMIT_PER_ACTOR):
        raise TooManyRequests(
            "You have added too many people in a short time. Wait an hour, then try again"
        )
    email = normalise_email(email)
    if User.objects.with_address(email).exists():
        raise ValidationError({"email": "Someone already has an account with this email address"})
    authority = actor.authority if role in AUTHORITY_ROLES or role == Role.CARER else None
    if role in SCHOOL_ROLES:
        if actor.role == Role.DESIGNATED_TEACHER:
            school = actor.school
        if school is None:
            raise ValidationError({"school": "Enter the school's URN"})
        if not school.is_open:
            raise ValidationError({"school": f"{school.name} is closed"})
    else:
        school = None
    if role == Role.CARER and carer_kind not in CarerKind.values:
        raise ValidationError(
            {"carer_kind": "Select whether they are a foster carer or residential staff"}
        )
    duties = set(duties) if role == Role.VIRTUAL_SCHOOL_STAFF else set()
    person = User(
        email=email,
        full_name=full_name.strip(),
        role=role,
        job_title=job_title.strip(),
        phone=phone.strip(),
        authority=authority,
        school=school,
        carer_kind=carer_kind if role == Role.CARER else "",
        is_vs_adviser=VirtualSchoolDuty.ADVISER in duties,
        is_vs_quality_assurer=VirtualSchoolDuty.QUALITY_ASSURER in duties,
        is_vs_administrator=VirtualSchoolDuty.ADMINISTRATOR in duties,
    )
    person.set_unusable_password()
    person._history_user = actor
    person.full_clean(exclude=["password"])
    person.save()
    transaction.on_commit(lambda: _send_invitation(person))
    return person


@transaction.atomic
def person_set_active(*, actor: User, person: User, active: bool) -> User:
    """Close an account (the person loses all access at once) or reopen it."""
    if not user_can(actor, Action.MANAGE_PERSON, person):
        raise PermissionDenied
    person.is_active = active
    person._history_user = actor
    person.save(update_fields=["is_active"])
    # Closing an account drops it from every care team; reopening restores what the facts say.
    sync_child_access(_children_of([person]))
    return person
