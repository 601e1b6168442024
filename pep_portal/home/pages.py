"""The legal and help pages: accessibility statement, privacy notice, cookies, help and
contact. Open to everyone, signed in or not (the footer links to them from every page)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from pep_portal.accounts.models import LocalAuthority
from pep_portal.accounts.selectors import help_contact

from .legal import privacy_parts


def _own_authority(request: HttpRequest) -> LocalAuthority | None:
    user = request.user
    return getattr(user, "authority", None) if user.is_authenticated else None


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "legal/accessibility.html", {"authority": help_contact(request.user)})


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice of the authority named in the address (`?authority=` its slug), or
    of the signed-in person's; signed out and unnamed, the standard notice and the list of
    authorities."""
    slug = request.GET.get("authority", "")
    authority = (
        get_object_or_404(LocalAuthority, slug=slug[:60]) if slug else _own_authority(request)
    )
    return render(
        request,
        "legal/privacy.html",
        {
            "authority": authority,
            "parts": privacy_parts(authority),
            "authorities": []
            if authority
            else list(LocalAuthority.objects.order_by("name").values("name", "slug")),
        },
    )


@require_GET
def cookies(request: HttpRequest) -> HttpResponse:
    return render(request, "legal/cookies.html")


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    # The contact only (name and address), kept per process: no query for the authority.
    authority = help_contact(request.user)
    return render(
        request,
        "legal/help.html",
        {
            "authority": authority,
            "authorities": []
            if authority
            else list(
                LocalAuthority.objects.order_by("name").values(
                    "name", "virtual_school_name", "virtual_school_email"
                )
            ),
        },
    )
