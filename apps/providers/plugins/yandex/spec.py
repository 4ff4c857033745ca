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
                        help_text=_("The billing account whose balance is shown. Filled in and without an export "
                                    "bucket, its usage reports give the daily costs (role "
                                    "billing.accounts.getReport). Leave empty to use the first active one.")),
        # Costs: the detailed billing export (one CSV per day) the customer writes to an Object Storage bucket.
        CredentialField("billing_bucket", _("Billing export bucket"), required=False,
                        help_text=_("The Object Storage bucket the detailed billing export is written to. "
                                    "Leave empty to add costs by uploading the export files by hand.")),
        CredentialField("billing_prefix", _("Billing export prefix"), required=False,
                        help_text=_("The file name prefix chosen for the export, e.g. reports/.")),
        CredentialField("s3_access_key_id", _("Static access key ID"), required=False,
                        help_text=_("A static access key of a service account allowed to read the bucket "
                                    "(storage.viewer).")),
        CredentialField("s3_secret_access_key", _("Static access key secret"), secret=True, required=False,
                        widget="password",
                        help_text=_("The secret key shown once when the static access key was created.")),
    ),
    credential_groups=(("oauth_token",), ("authorized_key",)),  # either one (the plugin refuses both)
    credential_requires={"billing_bucket": ("s3_access_key_id", "s3_secret_access_key")},
    # Costs come from the billing export bucket when one is configured, else from the ConsumptionCore usage
    # reports of the billing_account_id given (gRPC); a connection with neither has no native costs.
    capabilities=frozenset({Capability.RESOURCES, Capability.METRICS, Capability.ACCOUNT_INFO, Capability.COSTS}),
    default_endpoint="",
    docs_url="https://yandex.cloud/en/docs/iam/operations/iam-token/create-for-sa",
    brand=Brand(badge="YC", color="#F59E0B", color_light="#FFCC00", ink="#1F2937"),
    spec_labels={
        "core_fraction": (_("Guaranteed vCPU share"), "%"),
        "preemptible": (_("Preemptible"), ""),
    },
)
