from django.http import HttpRequest


def username_for_lockout(request: HttpRequest, credentials: dict[str, str] | None) -> str:
    """The address a sign-in attempt was for, as django-axes should count it.

    E-mail addresses sign in in any case, so failures are counted in lower case: otherwise
    "Alice@…" and "alice@…" would each get their own allowance of guesses.
    """
    if credentials and credentials.get("username"):
        username = credentials["username"]
    else:
        username = request.POST.get("username", "")
    return username.strip().lower()
