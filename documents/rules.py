"""Who makes and downloads bulk ZIPs of PEP PDFs: the virtual school, of its own authority's
PEPs only (each PEP in a ZIP is also scoped with VIEW_PEP). Registered by the app's ready()."""

from django.db.models import Q

from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import (
    Action,
    nothing,
    register_area_rules,
    register_object_rules,
    sees_whole_authority,
)


def _authorities_whose_bundles_user_downloads(user: User) -> Q:
    """A bulk job belongs to the authority whose PEPs it holds."""
    return Q(pk=user.authority_id) if sees_whole_authority(user) else nothing()


def register() -> None:
    register_object_rules(
        {(LocalAuthority, Action.DOWNLOAD_PEP_BUNDLE): _authorities_whose_bundles_user_downloads}
    )
    register_area_rules({Action.OPEN_PEP_BUNDLES: sees_whole_authority})
