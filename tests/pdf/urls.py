"""The portal's URLs with the PDF ones, until peps/urls.py includes peps.pdf_urls."""

from django.urls import include, path

from pep_portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("peps/", include("peps.pdf_urls")), *portal_urlpatterns]

handler400 = "pep_portal.views.bad_request"
handler403 = "pep_portal.views.permission_denied"
handler404 = "pep_portal.views.page_not_found"
handler500 = "pep_portal.views.server_error"
