"""What an app above inspections rests on a check's findings (a rectification task, a fix on the
spot, a referral to the office meeting), settled when the check is voided.

Voiding a check takes its findings out of the Finding table (services.inspection_void); what rests
on a finding would go with it unseen. The app that owns such records registers, from its
AppConfig.ready(), a function that settles them first: it cancels or takes them back, with the
reason and the person in their audit rows, and says in a line per record what there was, which
the voided check keeps with its findings. Inspections calls it and knows nothing more of it.
"""

from collections.abc import Callable

from baozhang.orgs.models import User

# settle(*, finding_ids, reason, by) -> {finding id: [a line per record settled]}.
SettleFunction = Callable[..., dict[int, list[str]]]

_SETTLERS: dict[str, SettleFunction] = {}


def withdrawal_register(*, app: str, settle: SettleFunction) -> None:
    """Have the app settle what rests on the findings of a check being voided (registering
    again replaces the app's function: apps are re-populated by some test helpers)."""
    _SETTLERS[app] = settle


def findings_withdrawn(*, finding_ids: list[int], reason: str, by: User | None) -> dict[int, list]:
    """Let every registered app settle what rests on the findings; the lines each said, per
    finding. Called inside the voiding's transaction."""
    lines: dict[int, list[str]] = {}
    for settle in _SETTLERS.values():
        for finding_id, said in settle(finding_ids=finding_ids, reason=reason, by=by).items():
            lines.setdefault(finding_id, []).extend(said)
    return lines
