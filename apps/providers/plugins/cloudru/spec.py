from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.providers.plugins.base import Brand, Capability, CredentialField, ProviderSpec

SPEC = ProviderSpec(
    key="cloudru",
    label="Cloud.ru Evolution",
    icon="providers/cloudru.svg",
    plugin="apps.providers.plugins.cloudru.plugin.CloudRuPlugin",
    credential_fields=(
        CredentialField("key_id", _("Key ID"),
                        help_text=_("The Key ID of a service account access key (Cloud.ru console: service "
                                    "accounts, access keys).")),
        CredentialField("key_secret", _("Key Secret"), secret=True, widget="password",
                        help_text=_("The Key Secret shown once when the access key was created.")),
        CredentialField("customer_id", _("Customer ID"),
                        help_text=_("The customer_id of the organization, copied from the Cloud.ru console.")),
        CredentialField("agreement_id", _("Agreement ID"), required=False,
                        help_text=_("Optional: read the consumption of the whole agreement. Leave empty to read "
                                    "the consumption of the projects.")),
        CredentialField("project_id", _("Project ID"), required=False,
                        help_text=_("Optional: only this project. Leave empty to read every project of the "
                                    "organization.")),
    ),
    capabilities=frozenset({Capability.RESOURCES, Capability.COSTS, Capability.ACCOUNT_INFO}),
    default_endpoint="",
    docs_url="https://cloud.ru/docs/billing/ug/topics/api_consumptionv2",
    # The consumption API gives amounts without VAT: the card and the ledger show them as given.
    rate_labels={"daily_rate": _("Consumption of the last full day, without VAT")},
    brand=Brand(badge="CR", color="#26D07C", color_light="#7BE3AE", ink="#0B2B1A"),
    spec_labels={"project_name": (_("Project"), "")},
    # Service names of consumption rows (Russian product names) by FOCUS ServiceCategory.
    service_categories={
        "Compute": ("виртуальные машины", "виртуальная машина", "vcpu", "evolution compute"),
        "Storage": ("объектное хранилище", "диск", "диски", "object storage"),
        "Networking": ("публичный ip", "ip-адрес", "nat", "балансировщик"),
        "Databases": ("postgresql", "mysql", "redis", "kafka"),
    },
)
