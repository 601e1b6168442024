from django.http import HttpRequest

from .addresses import normalise_email
from .models import User


def username_for_lockout(request: HttpRequest, credentials: dict[str, str] | None) -> str:
    """What django-axes counts a sign-in attempt against.

    Once the address typed resolves to an account, the account itself: every spelling that
    reaches it (capitals, fullwidth letters, spaces) then shares one allowance of guesses. An
    address with no account is counted in its normalised form. Both use the same lookup as
    sign-in (User.objects.with_address), so the lockout and the database can never disagree
    about which account an attempt was for.
    """
    if credentials and credentials.get("username"):
        typed = credentials["username"]
    else:
        typed = request.POST.get("username", "")
    address = normalise_email(typed)
    account = User.objects.with_address(address).values_list("pk", flat=True).first()
    # AccessAttempt.username holds 255 characters.
    return f"account:{account}" if account else address[:255]
