"""The five staff roles and what each may do (DESIGN.md §4).

Views ask this module; they never hard-code role names.
"""
from __future__ import annotations

from enum import Enum

from flask_babel import lazy_gettext as _l


class Role(str, Enum):
    ADMIN = "admin"
    OFFICER = "officer"
    SPECIALIST = "specialist"
    COMMITTEE = "committee"
    VIEWER = "viewer"


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.OFFICER: _l("Beneficiary-relations officer"),
    Role.SPECIALIST: _l("Social-research specialist"),
    Role.COMMITTEE: _l("Committee member"),
    Role.VIEWER: _l("Viewer"),
}

# Ordered from most to least powerful: used to stop anyone raising their own role.
ROLE_RANK = {Role.ADMIN: 4, Role.OFFICER: 3, Role.SPECIALIST: 2, Role.COMMITTEE: 2, Role.VIEWER: 1}

ALL = frozenset(Role)
STAFF_READ = ALL
ADMIN_ONLY = frozenset({Role.ADMIN})
ADMIN_OFFICER = frozenset({Role.ADMIN, Role.OFFICER})
REPORT_ROLES = frozenset({Role.ADMIN, Role.OFFICER, Role.COMMITTEE, Role.VIEWER})
# Who may see beneficiaries, their documents and contacts (DESIGN.md §4: every role reads).
BENEFICIARY_READ = ALL
# Who sees national IDs and phones masked (1******940) in lists, details and exports.
PRIVACY_MASKED = frozenset({Role.COMMITTEE, Role.VIEWER})


def role_choices() -> list[tuple[str, str]]:
    return [(r.value, ROLE_LABELS[r]) for r in Role]


def role_label(value: str | Role | None) -> str:
    try:
        return str(ROLE_LABELS[Role(value)])
    except ValueError:
        return str(value or "")
