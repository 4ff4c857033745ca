"""Roles and the one permission matrix (module x action x role) used by views and the API."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    FINOPS = "finops", _("FinOps analyst")
    FINANCE = "finance", _("Finance")
    ENGINEER = "engineer", _("Engineer")
    VIEWER = "viewer", _("Viewer")


class Module(models.TextChoices):
    DASHBOARD = "dashboard", _("Dashboard")
    CONNECTIONS = "connections", _("Cloud connections")
    RESOURCES = "resources", _("Resources")
    COSTS = "costs", _("Cost explorer")
    RECOMMENDATIONS = "recommendations", _("Recommendations")
    BUSINESS = "business", _("Business context")
    REPORTS = "reports", _("Reports")
    MEMBERS = "members", _("Members and roles")
    ORGANIZATION = "organization", _("Organization profile")
    AUDIT = "audit", _("Audit log")
    RATES = "rates", _("Exchange rates")
    # An MSP's own work on the public host (PartnerMembership roles): the console, billing rules, statements.
    PARTNER = "partner", _("MSP console")


class Action(models.TextChoices):
    VIEW = "view", _("View")
    MANAGE = "manage", _("Manage")


R = Role
ALL = frozenset(R)
_MANAGERS = frozenset({R.OWNER, R.ADMIN})

# (module, action) -> roles allowed. Anything not listed here is denied.
PERMISSION_MATRIX: dict[tuple[str, str], frozenset[str]] = {
    (Module.DASHBOARD, Action.VIEW): ALL,
    (Module.CONNECTIONS, Action.VIEW): ALL,
    (Module.CONNECTIONS, Action.MANAGE): frozenset({R.OWNER, R.ADMIN, R.FINOPS, R.ENGINEER}),
    (Module.RESOURCES, Action.VIEW): ALL,
    (Module.RESOURCES, Action.MANAGE): frozenset({R.OWNER, R.ADMIN, R.FINOPS, R.ENGINEER}),
    (Module.COSTS, Action.VIEW): ALL,
    (Module.COSTS, Action.MANAGE): frozenset({R.OWNER, R.ADMIN, R.FINOPS, R.FINANCE}),
    (Module.RECOMMENDATIONS, Action.VIEW): ALL,
    (Module.RECOMMENDATIONS, Action.MANAGE): frozenset({R.OWNER, R.ADMIN, R.FINOPS, R.ENGINEER}),
    (Module.BUSINESS, Action.VIEW): ALL,
    (Module.BUSINESS, Action.MANAGE): frozenset({R.OWNER, R.ADMIN, R.FINOPS, R.FINANCE}),
    (Module.REPORTS, Action.VIEW): ALL,
    (Module.REPORTS, Action.MANAGE): frozenset({R.OWNER, R.ADMIN, R.FINOPS, R.FINANCE}),
    (Module.MEMBERS, Action.VIEW): frozenset({R.OWNER, R.ADMIN, R.FINOPS, R.FINANCE, R.ENGINEER}),
    (Module.MEMBERS, Action.MANAGE): _MANAGERS,
    (Module.ORGANIZATION, Action.VIEW): ALL,
    (Module.ORGANIZATION, Action.MANAGE): _MANAGERS,
    (Module.AUDIT, Action.VIEW): _MANAGERS,
    # Entering a manual exchange rate for the organization (when the Bank has none): administrators and finance.
    (Module.RATES, Action.MANAGE): frozenset({R.OWNER, R.ADMIN, R.FINANCE}),
    # A partner member's role: every member sees the console; billing rules, statements and onboarding are for
    # the partner's administrators and finance.
    (Module.PARTNER, Action.VIEW): ALL,
    (Module.PARTNER, Action.MANAGE): frozenset({R.OWNER, R.ADMIN, R.FINANCE}),
}


def role_allows(role: str | None, permission: str) -> bool:
    """``permission`` is ``"<module>.<action>"``, e.g. ``"members.manage"``."""
    if not role:
        return False
    module, _sep, action = permission.partition(".")
    if (module, action) not in PERMISSION_MATRIX:
        raise KeyError(f"Unknown permission {permission!r}")
    return role in PERMISSION_MATRIX[(module, action)]


def permissions_for(role: str | None) -> list[str]:
    return sorted(f"{m}.{a}" for (m, a), roles in PERMISSION_MATRIX.items() if role in roles)


def assignable_roles(role: str | None) -> list[str]:
    """Roles a member with ``role`` may give to others: only owners make owners."""
    if role == R.OWNER:
        return list(Role.values)
    if role == R.ADMIN:
        return [r for r in Role.values if r != R.OWNER]
    return []
