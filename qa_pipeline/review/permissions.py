"""Who may do what: the one role → permission table of the workbench.

The review layer checks these permissions before it reads or writes, and the web routes
declare the same ones (``Depends(allowed(Permission.X))``), so a role's rights are
written down once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Permission(StrEnum):
    """One thing a workbench user may do."""

    VIEW_CALLS = "view_calls"
    """Nights, the calls list, a call's page and audio, the appeals list."""
    VIEW_ALL_CALLS = "view_all_calls"
    """Every agent's calls; without it a user sees only calls with their agent id."""
    DECIDE = "decide"
    """Record a human verdict on an item."""
    APPEAL = "appeal"
    """Dispute an item of one's own evaluation."""
    ACKNOWLEDGE = "acknowledge"
    """Accept one's own evaluation (it becomes final)."""
    RESOLVE_APPEAL = "resolve_appeal"
    """Uphold or overturn an appeal."""
    VIEW_QUEUE = "view_queue"
    """The review queue."""
    FILL_QUEUE = "fill_queue"
    """Draw new items into the review queue."""
    VIEW_CALIBRATION = "view_calibration"
    """Calibration sessions."""
    START_CALIBRATION = "start_calibration"
    """Create a calibration session."""
    SCORE_CALIBRATION = "score_calibration"
    """Score the calls of a calibration session blind."""
    SEE_CALIBRATION_RESULTS = "see_calibration_results"
    """A session's agreement figures before scoring every call of it oneself."""
    VIEW_AGREEMENT = "view_agreement"
    """The machine's agreement with people."""
    REOPEN = "reopen"
    """Reopen a final evaluation (with a reason; audited, the agent is notified)."""
    EXPORT = "export"
    """Export evaluations and review decisions (CSV, Excel) with the calls list's filters."""
    VIEW_LEDGER = "view_ledger"
    """The trust ledger: each item's agreement with people, its floor and its mode."""
    SWITCH_LEDGER = "switch_ledger"
    """Switch an item between machine-decided and needs-people, or set its floor (audited)."""
    MANAGE_USERS = "manage_users"
    """Add accounts, enable or disable them, reset passwords and change roles."""


P = Permission
#: What every role but the agent may do.
_STAFF = frozenset(
    {P.VIEW_CALLS, P.VIEW_ALL_CALLS, P.VIEW_QUEUE, P.VIEW_CALIBRATION, P.VIEW_AGREEMENT, P.EXPORT}
)

#: Every role and what it may do (the only list of roles' rights).
ROLE_PERMISSIONS: Mapping[str, frozenset[Permission]] = {
    "admin": _STAFF
    | {
        P.FILL_QUEUE,
        P.START_CALIBRATION,
        P.SEE_CALIBRATION_RESULTS,
        P.REOPEN,
        P.VIEW_LEDGER,
        P.SWITCH_LEDGER,
        P.MANAGE_USERS,
    },
    "inspector": _STAFF
    | {
        P.DECIDE,
        P.RESOLVE_APPEAL,
        P.FILL_QUEUE,
        P.START_CALIBRATION,
        P.SCORE_CALIBRATION,
        P.VIEW_LEDGER,
    },
    "trainer": _STAFF | {P.START_CALIBRATION, P.SCORE_CALIBRATION, P.SEE_CALIBRATION_RESULTS},
    "manager": _STAFF | {P.SEE_CALIBRATION_RESULTS, P.VIEW_LEDGER},
    "agent": frozenset({P.VIEW_CALLS, P.APPEAL, P.ACKNOWLEDGE}),
}

#: Roles and what they are called on Chinese pages (the same roles as the table).
ROLES: dict[str, str] = {
    "admin": "管理员",
    "inspector": "质检员",
    "trainer": "培训师",
    "manager": "管理层",
    "agent": "话务员",
}

if set(ROLES) != set(ROLE_PERMISSIONS):  # pragma: no cover - a table edited by halves
    raise RuntimeError("every role needs a label and a set of permissions")


def permissions_of(role: str) -> frozenset[Permission]:
    """What ``role`` may do (nothing for an unknown role).

    Args:
        role: A role name such as ``inspector``.

    Returns:
        The role's permissions.
    """
    return ROLE_PERMISSIONS.get(role, frozenset())


def roles_with(permission: Permission) -> tuple[str, ...]:
    """The roles that have ``permission``, in table order (for error messages and tests).

    Args:
        permission: The permission asked about.

    Returns:
        Role names.
    """
    return tuple(r for r, perms in ROLE_PERMISSIONS.items() if permission in perms)
