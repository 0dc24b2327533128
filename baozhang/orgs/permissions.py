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
RECORD_INSPECTIONS = "inspections.record"  # do checks, record findings
VIEW_INSPECTIONS = "inspections.view"  # findings, scores, rankings, bulletins
MANAGE_STANDARDS = "standards.manage"  # standards and schedules
MANAGE_BOARD = "board.manage"  # scoring policy, red flags, the public notice board
SUBMIT_RECTIFICATION = "rectification.submit"  # a unit submits its fix for verification
DECIDE_REFERRALS = "rectification.decide"  # record the office meeting's decisions
MANAGE_RECTIFICATION = "rectification.manage"  # deadlines, reminders, notification channels
WRITE_REPORTS = "reports.write"  # generate, edit and finalise bulletins, reports and summaries

ALL_PERMISSIONS = (
    VIEW_SETUP,
    MANAGE_SETUP,
    VIEW_PEOPLE,
    MANAGE_PEOPLE,
    IMPORT_DATA,
    EXPORT_DATA,
    VIEW_HISTORY,
    RECORD_INSPECTIONS,
    VIEW_INSPECTIONS,
    MANAGE_STANDARDS,
    MANAGE_BOARD,
    SUBMIT_RECTIFICATION,
    DECIDE_REFERRALS,
    MANAGE_RECTIFICATION,
    WRITE_REPORTS,
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(ALL_PERMISSIONS),
    Role.INSPECTOR: frozenset({VIEW_SETUP, VIEW_PEOPLE, RECORD_INSPECTIONS, VIEW_INSPECTIONS}),
    Role.PATROL_LEADER: frozenset(
        {
            VIEW_SETUP,
            VIEW_PEOPLE,
            EXPORT_DATA,
            VIEW_HISTORY,
            RECORD_INSPECTIONS,
            VIEW_INSPECTIONS,
            DECIDE_REFERRALS,
            WRITE_REPORTS,
        }
    ),
    Role.UNIT_HEAD: frozenset({VIEW_SETUP, VIEW_INSPECTIONS, SUBMIT_RECTIFICATION}),
    Role.TRADESPERSON: frozenset({VIEW_SETUP}),
    Role.CONTRACTOR_MANAGER: frozenset({VIEW_SETUP, VIEW_INSPECTIONS}),
    Role.VIEWER: frozenset({VIEW_SETUP, VIEW_INSPECTIONS}),
    # Supervisors (bureaus, groups) read across the organisations they are members of, never write.
    Role.SUPERVISOR: frozenset(
        {VIEW_SETUP, VIEW_PEOPLE, EXPORT_DATA, VIEW_HISTORY, VIEW_INSPECTIONS}
    ),
}


def permissions_for_roles(roles: set[str]) -> frozenset[str]:
    """The union of the permissions of the given roles."""
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)
