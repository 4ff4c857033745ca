from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.providers.plugins.base import Brand, Capability, CredentialField, ProviderSpec

from .client import DEFAULT_BASE_URL

SPEC = ProviderSpec(
    key="beget",
    label="Beget",
    icon="providers/beget.svg",
    plugin="apps.providers.plugins.beget.plugin.BegetPlugin",
    credential_fields=(
        CredentialField("login", _("Login"), help_text=_("The Beget account login.")),
        CredentialField("password", _("Account password"), secret=True, widget="password",
                        help_text=_("Used for the cloud API (VPS, cloud databases, S3).")),
        CredentialField("api_password", _("API password"), secret=True, required=False, widget="password",
                        help_text=_("The separate API password from the control panel. "
                                    "Leave empty if it equals the account password.")),
    ),
    capabilities=frozenset({Capability.RESOURCES, Capability.COSTS, Capability.METRICS,
                            Capability.ACCOUNT_INFO}),
    default_endpoint=DEFAULT_BASE_URL,
    docs_url="https://beget.com/ru/kb/api/beget-api",
    brand=Brand(badge="BG", color="#0070CC", color_light="#2BB3FF"),
    # getAccountInfo's figures are the hosting account's own (user_rate_current / _month / _year): they do not
    # cover the VPS and cloud services billed through the v1 API, and are not multiples of one another.
    rate_labels={
        "daily_rate": _("Hosting plan: charged per day"),
        "monthly_rate": _("Hosting plan: per month"),
        "yearly_rate": _("Hosting plan: per year"),
    },
    limit_labels={
        "sites": _("Sites"),
        "domains": _("Domains"),
        "mysql": _("MySQL databases"),
        "quota": _("Disk quota"),
        "ftp": _("FTP accounts"),
        "mail": _("Mailboxes"),
    },
    spec_labels={
        "server": (_("Server"), ""),
        "software": (_("Software"), ""),
        "uptime_days": (_("Uptime, days"), ""),
        "auto_renew": (_("Auto-renewal"), ""),
        "registered": (_("Registered"), ""),
        "date_expire": (_("Expires"), ""),
        "date_register": (_("Registered on"), ""),
        "spam_filter": (_("Spam filter"), ""),
        "forwarding": (_("Forwarding"), ""),
    },
)
