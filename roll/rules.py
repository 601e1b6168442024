"""Who may import the case system's extract: the virtual school's administrators, for their own
authority's children. Registered with the permission engine by RollConfig.ready()."""

from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, register_area_rules, sees_whole_authority


def _may_import_roll(user: User) -> bool:
    return sees_whole_authority(user) and user.is_vs_administrator


def register() -> None:
    register_area_rules({Action.IMPORT_ROLL: _may_import_roll})
