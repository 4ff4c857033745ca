from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .access import organizations_for_user
from .models import PartnerMembership
from .roles import Role
from .urls_helpers import public_url

# (url name, label, icon, permission). Modules that are not built yet are not listed.
NAVIGATION = [
    ("home", _("Dashboard"), "grid", "dashboard.view"),
    ("connections", _("Cloud connections"), "cloud", "connections.view"),
    ("resources", _("Resources"), "layers", "resources.view"),
    ("cost_explorer", _("Cost explorer"), "chart", "costs.view"),
    ("business_overview", _("Business context"), "briefcase", "business.view"),
    ("reports", _("Reports"), "file", "reports.view"),
    ("recommendations", _("Recommendations"), "bulb", "recommendations.view"),
    ("budgets", _("Budgets"), "wallet", "costs.view"),
    ("anomalies", _("Anomalies"), "alert", "costs.view"),
]
NAVIGATION_FOOTER = [
    ("settings", _("Settings"), "settings", "organization.view"),
]


def shell(request):
    access = getattr(request, "access", None)
    tenant = getattr(request, "tenant", None)
    context = {
        "base_domain": settings.BASE_DOMAIN,
        "current_org": tenant if tenant is not None and not tenant.is_public else None,
        "org_access": access,
        "org_perms": access.permissions if access else frozenset(),
        "role_label": Role(access.role).label if access else "",
        "public_home_url": public_url("/orgs/", request=request),
        "public_console_url": public_url("/console/", request=request),
    }
    if access is not None:
        context["nav_items"] = [item for item in NAVIGATION if access.can(item[3])]
        context["nav_footer"] = [item for item in NAVIGATION_FOOTER if access.can(item[3])]
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        context["switchable_orgs"] = lambda: list(organizations_for_user(request.user)[:50])
        # An MSP operator's way back from a client organization to the console on the public host.
        context["is_msp_operator"] = lambda: PartnerMembership.objects.filter(user=request.user).exists()
        if context["current_org"] is not None and context["current_org"].partner_id:
            context["msp_console_url"] = lambda: _msp_console_url(request, context["current_org"])
    return context


def _msp_console_url(request, organization) -> str:
    """The partner's console on the public host, for a member of the organization's partner ("" for others)."""
    partner = organization.partner
    if not PartnerMembership.objects.filter(user=request.user, partner=partner).exists():
        return ""
    return public_url(f"/console/?partner={partner.slug}", request=request)
