from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.providers.plugins.base import Brand, Capability, CredentialField, ProviderSpec

from .client import DEFAULT_BASE_URL

SPEC = ProviderSpec(
    key="timeweb",
    label="Timeweb Cloud",
    icon="providers/timeweb.svg",
    plugin="apps.providers.plugins.timeweb.plugin.TimewebPlugin",
    credential_fields=(
        CredentialField("token", _("API token"), secret=True, widget="password",
                        help_text=_("A token from the Timeweb Cloud panel, section «API and Terraform». "
                                    "Read access is enough.")),
    ),
    capabilities=frozenset({Capability.RESOURCES, Capability.COSTS, Capability.METRICS,
                            Capability.ACCOUNT_INFO}),
    default_endpoint=DEFAULT_BASE_URL,
    docs_url="https://timeweb.cloud/api-docs",
    brand=Brand(badge="TW", color="#1F5EFF", color_light="#5B8CFF"),
    aliases=("Timeweb", "Timeweb Cloud", "TWC"),
    # /api/v1/account/finances: the cost of every service on the account now, per hour and per month.
    rate_labels={
        "daily_rate": _("All services: hourly cost × 24"),
        "monthly_rate": _("All services: per month"),
    },
    spec_labels={
        "disk_used_gb": (_("Disk used"), "GB"),
        "used_gb": (_("Used"), "GB"),
        "gpu": (_("GPUs"), ""),
        "protocol": (_("Protocol"), ""),
        "algorithm": (_("Balancing algorithm"), ""),
        "targets": (_("Targets"), ""),
        "network_driver": (_("Network driver"), ""),
        "port": (_("Port"), ""),
        "service_type": (_("Service"), ""),
        "ddos_guard": (_("DDoS protection"), ""),
    },
    service_categories={
        "Compute": ("dedicated_server", "vmware", "app_frontend", "app_backend"),
        "Storage": ("network_drive", "additional_drive", "image", "container_registry"),
        "Networking": ("floating_ip", "floating_ip_with_ddos_guard", "router", "s3_outgoing_traffic", "balancer"),
    },
)
