from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.providers.plugins.base import Brand, Capability, CredentialField, ProviderSpec

SPEC = ProviderSpec(
    key="selectel",
    label="Selectel",
    icon="providers/selectel.svg",
    plugin="apps.providers.plugins.selectel.plugin.SelectelPlugin",
    credential_fields=(
        CredentialField("token", _("API key (static token)"), secret=True, widget="password",
                        help_text=_("The X-Token key from the control panel: balance, consumption, projects and "
                                    "quotas.")),
        CredentialField("account_id", _("Account ID"), required=False,
                        help_text=_("The contract number, e.g. 478587. Read from the API when empty.")),
        CredentialField("username", _("Service user"), required=False,
                        help_text=_("Optional: a service user with access to the project, to list cloud "
                                    "servers and volumes in every region.")),
        CredentialField("password", _("Service user password"), secret=True, required=False, widget="password"),
        CredentialField("project_id", _("Project ID"), required=False,
                        help_text=_("The project the service user token is scoped to.")),
        CredentialField("project_name", _("Project name"), required=False,
                        help_text=_("Used when the project ID is empty.")),
    ),
    capabilities=frozenset({Capability.RESOURCES, Capability.COSTS, Capability.ACCOUNT_INFO}),
    default_endpoint="",
    docs_url="https://docs.selectel.ru/api/",
    # The billing statistics of the last whole day, all the account's cloud services (no monthly figure exists).
    rate_labels={"daily_rate": _("Charged for the last full day")},
    service_categories={"Compute": ("mks",)},
    brand=Brand(badge="SEL", color="#DC2626", color_light="#F87171"),
    # Project quotas (resell API), summed over projects, regions and zones.
    limit_labels={
        "compute_cores": _("vCPU"),
        "compute_ram": _("RAM"),
        "image_gigabytes": _("Images"),
        "network_floatingips": _("Public IP addresses"),
        "volume_gigabytes_universal": _("Universal disks"),
        "volume_gigabytes_fast": _("Fast disks"),
        "volume_gigabytes_basic": _("Basic disks"),
    },
)
