from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.providers.plugins.base import Brand, Capability, CredentialField, ProviderSpec

SPEC = ProviderSpec(
    key="yandex",
    label="Yandex Cloud",
    icon="providers/yandex.svg",
    plugin="apps.providers.plugins.yandex.plugin.YandexPlugin",
    credential_fields=(
        CredentialField("oauth_token", _("OAuth token"), secret=True, required=False, widget="password",
                        help_text=_("A Yandex account OAuth token. Enter either this or an authorized key.")),
        CredentialField("authorized_key", _("Service account authorized key"), secret=True, required=False,
                        widget="textarea",
                        help_text=_("The whole JSON key file of a service account (yc iam key create). "
                                    "Recommended: give the account the viewer role and billing.accounts.viewer.")),
        CredentialField("cloud_id", _("Cloud ID"), required=False,
                        help_text=_("Only this cloud. Leave empty to read every cloud the account can see.")),
        CredentialField("folder_id", _("Folder ID"), required=False,
                        help_text=_("Only this folder. Leave empty to read every folder of the clouds.")),
        CredentialField("billing_account_id", _("Billing account ID"), required=False,
                        help_text=_("The billing account whose balance is shown. Leave empty to use the first "
                                    "active one.")),
    ),
    credential_groups=(("oauth_token",), ("authorized_key",)),  # either one (the plugin refuses both)
    capabilities=frozenset({Capability.RESOURCES, Capability.METRICS, Capability.ACCOUNT_INFO}),
    default_endpoint="",
    docs_url="https://yandex.cloud/en/docs/iam/operations/iam-token/create-for-sa",
    brand=Brand(badge="YC", color="#F59E0B", color_light="#FFCC00", ink="#1F2937"),
    spec_labels={
        "core_fraction": (_("Guaranteed vCPU share"), "%"),
        "preemptible": (_("Preemptible"), ""),
    },
)
