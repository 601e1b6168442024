from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .services import (
    notification_centre_counts,
    notifications_mark_read,
    notifications_visible_to,
    store_unread,
)

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = notifications_visible_to(request.user).order_by("read_at", "-created_at", "-pk")
    total, unread = notification_centre_counts(request.user)
    paginator = Paginator(notifications, PAGE_SIZE)
    paginator.count = total  # counted with the unread ones above, not asked again
    page = paginator.get_page(request.GET.get("page"))
    store_unread(request.user, unread)  # the header's count, put right whenever the list is seen
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    ids = request.POST.getlist("id")
    # Only ids that can be ids: "²" is a digit to str.isdigit(), and 20 digits overflow.
    wanted = [int(i) for i in ids if i.isascii() and i.isdigit() and len(i) <= 18]
    notifications_mark_read(user=request.user, ids=wanted if ids else None)
    return redirect("notification_list")


@login_required
@require_POST
def email_preference(request: HttpRequest) -> HttpResponse:
    choice = request.POST.get("email_notifications")
    if choice in ("immediate", "daily"):
        request.user.email_notifications = choice
        request.user.save(update_fields=["email_notifications"])
    return redirect("notification_list")
