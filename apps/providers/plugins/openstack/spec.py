from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.providers.plugins.base import Brand, Capability, CredentialField, ProviderSpec

SPEC = ProviderSpec(
    key="openstack",
    label="OpenStack",
    icon="providers/openstack.svg",
    plugin="apps.providers.plugins.openstack.plugin.OpenStackPlugin",
    credential_fields=(
        CredentialField("auth_url", _("Keystone URL"),
                        help_text=_("The identity service root ending in /v3 (OS_AUTH_URL in the openrc file).")),
        CredentialField("username", _("User name"), required=False),
        CredentialField("password", _("Password"), secret=True, required=False, widget="password"),
        CredentialField("project_id", _("Project ID"), required=False,
                        help_text=_("The OpenStack project the token is scoped to (OS_PROJECT_ID).")),
        CredentialField("user_domain", _("User domain"), required=False,
                        help_text=_("OS_USER_DOMAIN_NAME; Default when empty.")),
        CredentialField("region", _("Region"), required=False,
                        help_text=_("Only this region of the catalog; every region when empty.")),
        CredentialField("application_credential_id", _("Application credential ID"), required=False),
        CredentialField("application_credential_secret", _("Application credential secret"), secret=True,
                        required=False, widget="password"),
        CredentialField("endpoint_overrides", _("Endpoint overrides"), required=False, widget="textarea",
                        help_text=_("Optional: one service per line as type=URL (e.g. compute=https://...), used "
                                    "instead of the service catalog.")),
    ),
    credential_groups=(("username", "password", "project_id"),
                       ("application_credential_id", "application_credential_secret")),
    capabilities=frozenset({Capability.RESOURCES, Capability.ACCOUNT_INFO, Capability.METRICS}),
    docs_url="https://docs.openstack.org/api-ref/",
    brand=Brand(badge="OS", color="#DA1A32", color_light="#F0576B"),
)
