from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.providers.plugins.base import Brand, Capability, CredentialField, ProviderSpec

DEFAULT_ENDPOINT = "https://infra.mail.ru:35357/v3"

SPEC = ProviderSpec(
    key="vkcloud",
    label="VK Cloud",
    icon="providers/vkcloud.svg",
    plugin="apps.providers.plugins.vkcloud.plugin.VKCloudPlugin",
    credential_fields=(
        CredentialField("username", _("Account e-mail"), required=False,
                        help_text=_("The e-mail you sign in to VK Cloud with (OS_USERNAME in the openrc file).")),
        CredentialField("password", _("Password"), secret=True, required=False, widget="password"),
        CredentialField("project_id", _("OpenStack project ID"), required=False,
                        help_text=_("OS_PROJECT_ID from the openrc file («Project settings» → «API access»); "
                                    "it differs from the project ID shown in the console.")),
        CredentialField("user_domain", _("User domain"), required=False,
                        help_text=_("OS_USER_DOMAIN_NAME; «users» when empty.")),
        CredentialField("region", _("Region"), required=False,
                        help_text=_("OS_REGION_NAME; RegionOne (Moscow) when empty.")),
        CredentialField("application_credential_id", _("Application credential ID"), required=False),
        CredentialField("application_credential_secret", _("Application credential secret"), secret=True,
                        required=False, widget="password"),
    ),
    credential_groups=(("username", "password", "project_id"),
                       ("application_credential_id", "application_credential_secret")),
    capabilities=frozenset({Capability.RESOURCES, Capability.COSTS, Capability.ACCOUNT_INFO}),
    default_endpoint=DEFAULT_ENDPOINT,
    docs_url="https://cloud.vk.com/docs/en/tools-for-using-services/api/rest-api/endpoints",
    brand=Brand(badge="VK", color="#0077FF", color_light="#4DA3FF"),
    aliases=("VK Cloud", "VK CS", "Mail.ru Cloud Solutions"),
    service_categories={"Compute": ("magnum",), "Databases": ("trove",)},
)
