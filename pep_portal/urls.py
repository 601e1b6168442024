from django.contrib import admin
from django.urls import include, path

from pep_portal import views
from pep_portal.accounts.urls import people_urlpatterns
from pep_portal.home import pages as legal_pages
from pep_portal.home import views as home_views
from pep_portal.security import urls as security_urls

urlpatterns = [
    path("", home_views.home, name="home"),
    path("work/<slug:kind>/", home_views.work_list, name="work_list"),
    # The legal and help pages, open to everyone (linked from every page's footer).
    path("accessibility/", legal_pages.accessibility, name="accessibility"),
    path("privacy/", legal_pages.privacy, name="privacy"),
    path("cookies/", legal_pages.cookies, name="cookies"),
    path("help/", legal_pages.help_page, name="help"),
    path("account/", include("pep_portal.accounts.urls")),
    path("account/", include(security_urls.account_urlpatterns)),
    path("account/two-factor/", include(security_urls.urlpatterns)),
    path("account/webauthn/", include("pep_portal.security.webauthn")),
    path("people/", include(people_urlpatterns)),
    path("people/", include(security_urls.people_urlpatterns)),
    path("security/actions/", include(security_urls.actions_urlpatterns)),
    path("children/", include("children.urls")),
    path("roll/", include("roll.urls")),
    path("peps/", include("peps.urls")),
    path("outcomes/", include("outcomes.urls")),
    path("peps/", include("documents.urls")),
    path("meetings/", include("meetings.urls")),
    path("quality-assurance/", include("quality_assurance.urls")),
    path("quality-assurance/", include("dashboards.urls")),
    path("pupil-premium/", include("pupil_premium.urls")),
    path("notifications/", include("pep_portal.notifications.urls")),
    path("calendars/", include("pep_portal.calendars.urls")),
    path("audit/", include("pep_portal.audit_search.urls")),
    path("subject-access/", include("pep_portal.subject_access.urls")),
    # Also answered by HealthProbeMiddleware, before host checks (pep_portal/middleware.py).
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]

handler400 = "pep_portal.views.bad_request"
handler403 = "pep_portal.views.permission_denied"
handler404 = "pep_portal.views.page_not_found"
handler500 = "pep_portal.views.server_error"
