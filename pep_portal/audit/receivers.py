"""Sign-ins and failed sign-ins, from django.contrib.auth's own signals: they fire on every way
in (the sign-in page, a password reset that signs in, a second-factor step that logs in)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .models import AuditAction
from .services import record


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(user, AuditAction.SIGN_IN, request=request)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; keep only the address typed.
    typed = str(credentials.get("username") or credentials.get("email") or "")[:254]
    # An attempt on a real account is shown to that account's authority's administrators.
    account = (
        get_user_model()
        ._default_manager.filter(email__iexact=typed)
        .values_list("pk", "authority_id")
        .first()
    )
    record(
        None,
        AuditAction.SIGN_IN_FAILED,
        ("user", account[0]) if account else None,
        authority_id=account[1] if account else None,
        request=request,
        actor_label=typed,
    )
