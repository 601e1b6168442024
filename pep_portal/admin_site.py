from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class OperatorsOnlyAdminSite(admin.AdminSite):
    """Django admin bypasses the portal's care-team rules, so only the portal's operators
    (superusers) may use it; staff flags alone are not enough."""

    site_header = "PEP Portal operations"
    site_title = "PEP Portal operations"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class PortalAdminConfig(AdminConfig):
    default_site = "pep_portal.admin_site.OperatorsOnlyAdminSite"
