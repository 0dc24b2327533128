"""The declared matrix of what each role may do. Every check in the product reads this table."""

from baozhang.orgs.models import Role

# One permission per kind of action; later areas add theirs here.
VIEW_SETUP = "setup.view"  # sites, area types, locations, units, responsibilities
MANAGE_SETUP = "setup.manage"
VIEW_PEOPLE = "people.view"
MANAGE_PEOPLE = "people.manage"
IMPORT_DATA = "data.import"
EXPORT_DATA = "data.export"
VIEW_HISTORY = "history.view"

ALL_PERMISSIONS = (
    VIEW_SETUP,
    MANAGE_SETUP,
    VIEW_PEOPLE,
    MANAGE_PEOPLE,
    IMPORT_DATA,
    EXPORT_DATA,
    VIEW_HISTORY,
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(ALL_PERMISSIONS),
    Role.INSPECTOR: frozenset({VIEW_SETUP, VIEW_PEOPLE}),
    Role.PATROL_LEADER: frozenset({VIEW_SETUP, VIEW_PEOPLE, EXPORT_DATA, VIEW_HISTORY}),
    Role.UNIT_HEAD: frozenset({VIEW_SETUP}),
    Role.TRADESPERSON: frozenset({VIEW_SETUP}),
    Role.CONTRACTOR_MANAGER: frozenset({VIEW_SETUP}),
    Role.VIEWER: frozenset({VIEW_SETUP}),
    # Supervisors (bureaus, groups) read across the organisations they are members of, never write.
    Role.SUPERVISOR: frozenset({VIEW_SETUP, VIEW_PEOPLE, EXPORT_DATA, VIEW_HISTORY}),
}


def permissions_for_roles(roles: set[str]) -> frozenset[str]:
    """The union of the permissions of the given roles."""
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)
