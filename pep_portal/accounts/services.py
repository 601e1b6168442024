"""Writes to accounts: inviting people (and inviting them again), closing or reopening their
accounts, password resets, and each authority's approval of designated teachers."""

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
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from children.models import Child, ChildUserObjectPermission, Delegation, School, TeacherApproval
from pep_portal import ratelimit
from pep_portal.outbox.services import enqueue_after_commit
from pep_portal.ratelimit import TooManyRequests

from .addresses import normalise_email
from .models import User
from .permissions import Action, roles_user_may_invite, sync_child_access, user_can
from .roles import AUTHORITY_ROLES, SCHOOL_ROLES, CarerKind, Role, VirtualSchoolDuty
from .signals import teacher_approval_changed


class TeacherHasLogin(Exception):
    """The address invited as a designated teacher already has a designated teacher login:
    one login serves every authority, so the inviter approves that login instead."""

    def __init__(self, teacher: User) -> None:
        super().__init__(teacher.email)
        self.teacher = teacher


def _set_password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def invitation_send(*, person_id: int) -> bool:
    """E-mail the invitation: a link to set a password, made now so it is fresh however long
    the mail server was away. Only a link: the e-mail names nobody and says nothing about any
    child. Nothing is sent to a closed account or one whose password is already set. Raises
    when the mail server does not take it (the task retries)."""
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None or person.has_usable_password():
        return False
    body = render_to_string("accounts/email/invitation.txt", {"link": _set_password_link(person)})
    send_mail("Your PEP Portal account", body, None, [person.email])
    User.objects.filter(pk=person.pk).update(invitation_sent_at=timezone.now())
    return True


def _queue_invitation(person: User) -> None:
    from .tasks import send_invitation_task  # tasks.py imports this module

    _queue_email(send_invitation_task, person.pk)


@transaction.atomic
def invitation_resend(*, actor: User, person: User) -> User:
    """Send the invitation again (it was lost, expired, or the mail server was down for
    long). Kept in the account's history: who asked, and when. Counts against the same limit
    as inviting someone new."""
    if not user_can(actor, Action.MANAGE_PERSON, person):
        raise PermissionDenied
    if not ratelimit.allow("invitation", str(actor.pk), limit=settings.INVITATION_LIMIT_PER_ACTOR):
        raise TooManyRequests(
            "You have sent too many invitations in a short time. Wait an hour, then try again"
        )
    person = User.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        raise ValidationError("This account is closed: reopen it before inviting them again")
    if person.has_usable_password():
        raise ValidationError(
            f"{person.full_name} has already set a password: they can use “I have forgotten "
            "my password” on the sign-in page"
        )
    person.invited_at = timezone.now()
    person._history_user = actor
    person.save(update_fields=["invited_at"])
    _queue_invitation(person)
    return person


def _queue_email(task: Any, *args: object) -> None:
    """Every e-mail the accounts app sends goes through here: a Celery task queued once the
    transaction commits (through the outbox, so Redis being down delays it, never loses it or
    fails the request), never sent while the user waits (nor its timing seen)."""
    enqueue_after_commit(task, *args)


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
    existing = User.objects.with_address(email).first()
    if existing is not None:
        if role == Role.DESIGNATED_TEACHER and existing.role == Role.DESIGNATED_TEACHER:
            raise TeacherHasLogin(existing)
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
    person.invited_at = timezone.now()
    person._history_user = actor
    person.full_clean(exclude=["password"])
    person.save()
    if role == Role.DESIGNATED_TEACHER and actor.authority_id is not None:
        # Inviting a designated teacher approves them for the inviter's children only.
        _approve(actor=actor, teacher=person)
    # The new person sees at once whatever the facts already give them.
    sync_child_access(_children_of([person]))
    # E-mailed by a task once the account is committed: a mail server or Redis that is down
    # delays the invitation (retried, or resent from the person's page), never the account.
    _queue_invitation(person)
    return person


@transaction.atomic
def person_set_active(*, actor: User, person: User, active: bool) -> User:
    """Close an account (the person loses all access at once) or reopen it."""
    if not user_can(actor, Action.MANAGE_PERSON, person):
        raise PermissionDenied
    person.is_active = active
    fields = ["is_active"]
    if not active:
        # Every session of the account ends now and stays ended if it is reopened: a new
        # generation changes the fingerprint each session was signed in with.
        person.session_generation += 1
        fields.append("session_generation")
    person._history_user = actor
    person.save(update_fields=fields)
    # Closing an account drops it from every care team; reopening restores what the facts say.
    sync_child_access(_children_of([person]))
    return person


def _children_approved_by(approval: TeacherApproval) -> list[int]:
    """The children an approval reaches: the authority's children on the school's roll."""
    return list(
        Child.objects.filter(
            authority_id=approval.authority_id,
            enrolments__school_id=approval.school_id,
            enrolments__ended_on__isnull=True,
        ).values_list("pk", flat=True)
    )


def _approve(*, actor: User, teacher: User) -> TeacherApproval:
    authority = actor.authority
    if TeacherApproval.objects.filter(
        authority=authority, teacher=teacher, school_id=teacher.school_id, withdrawn_at__isnull=True
    ).exists():
        raise ValidationError(
            f"{authority} already approves {teacher.full_name} at {teacher.school.name}"
        )
    approval = TeacherApproval(
        authority=authority, teacher=teacher, school_id=teacher.school_id, approved_by=actor
    )
    approval._history_user = actor
    approval.full_clean()
    approval.save()
    teacher_approval_changed.send(sender=TeacherApproval, approval=approval, actor=actor)
    return approval


@transaction.atomic
def teacher_approve(*, actor: User, teacher: User) -> TeacherApproval:
    """The actor's authority lets this designated teacher work with its children at the
    teacher's school. They see those children at once; the teacher and the authority's virtual
    school are told."""
    if not user_can(actor, Action.APPROVE_TEACHER, teacher):
        raise PermissionDenied
    approval = _approve(actor=actor, teacher=teacher)
    sync_child_access(_children_approved_by(approval))
    return approval


@transaction.atomic
def teacher_approval_withdraw(*, actor: User, approval: TeacherApproval) -> TeacherApproval:
    """The authority no longer lets the teacher work with its children: they (and the
    colleagues they delegated to) lose access to them at once. Other authorities' approvals of
    the same login stand; only the portal's operators close the login itself."""
    approval = TeacherApproval.objects.select_for_update().get(pk=approval.pk)
    if not user_can(actor, Action.WITHDRAW_TEACHER_APPROVAL, approval):
        raise PermissionDenied
    approval.withdrawn_at = timezone.now()
    approval.withdrawn_by = actor
    approval._history_user = actor
    approval.save(update_fields=["withdrawn_at", "withdrawn_by"])
    sync_child_access(_children_approved_by(approval))
    teacher_approval_changed.send(sender=TeacherApproval, approval=approval, actor=actor)
    return approval
