from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.postgresql_backend.base import _check_schema_name

CURRENCY_CHOICES = [("RUB", _("Russian rouble (₽)")), ("USD", _("US dollar ($)")), ("EUR", _("Euro (€)"))]
TIMEZONE_CHOICES = [
    ("Europe/Kaliningrad", _("Kaliningrad (UTC+2)")),
    ("Europe/Moscow", _("Moscow (UTC+3)")),
    ("Europe/Samara", _("Samara (UTC+4)")),
    ("Asia/Yekaterinburg", _("Yekaterinburg (UTC+5)")),
    ("Asia/Omsk", _("Omsk (UTC+6)")),
    ("Asia/Novosibirsk", _("Novosibirsk (UTC+7)")),
    ("Asia/Krasnoyarsk", _("Krasnoyarsk (UTC+7)")),
    ("Asia/Irkutsk", _("Irkutsk (UTC+8)")),
    ("Asia/Yakutsk", _("Yakutsk (UTC+9)")),
    ("Asia/Vladivostok", _("Vladivostok (UTC+10)")),
    ("Asia/Magadan", _("Magadan (UTC+11)")),
    ("Asia/Kamchatka", _("Kamchatka (UTC+12)")),
    ("UTC", _("UTC")),
]


class Requisites(models.Model):
    """A legal entity's requisites as printed on statements: full name, ИНН, КПП, address."""

    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    legal_address = models.CharField(_("legal address"), max_length=500, blank=True)

    class Meta:
        abstract = True

    def requisites(self) -> dict[str, str]:
        return {
            "legal_name": self.legal_name or self.name,
            "inn": self.inn,
            "kpp": self.kpp,
            "legal_address": self.legal_address,
        }


class Partner(Requisites):
    """An MSP: manages the cloud spend of several client organizations."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=63, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner (MSP)")
        verbose_name_plural = _("partners (MSP)")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organization(TenantMixin, Requisites):
    """A tenant: one customer with its own PostgreSQL schema."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        MSP_CLIENT = "msp_client", _("MSP client")
        DEMO = "demo", _("Demo")

    # TenantMixin's field, with a label for the admin.
    schema_name = models.CharField(
        _("database schema"), max_length=63, unique=True, db_index=True, validators=[_check_schema_name]
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=63, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CUSTOMER)
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner (MSP)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="RUB")
    timezone = models.CharField(_("time zone"), max_length=64, choices=TIMEZONE_CHOICES, default="Europe/Moscow")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.schema_name == "public"

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """The schema, cloned from the template schema at a cost independent of the number of organizations
        (``schema_clone``; django-tenants' own clone reads ``information_schema`` and slows as the catalog grows)."""
        from django.db import connection
        from django_tenants.utils import schema_exists

        from apps.tenants.schema_clone import schema_clone

        _check_schema_name(self.schema_name)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        if sync_schema:
            schema_clone(self.schema_name)
        connection.set_schema_to_public()
        return True

    @property
    def primary_host(self) -> str:
        """Host name of the organization (without port), e.g. ``demo.localhost``."""
        domains = getattr(self, "_prefetched_objects_cache", {}).get("domains")
        if domains is not None:
            primary = next((d for d in domains if d.is_primary), None)
        else:
            primary = self.domains.filter(is_primary=True).first()
        return primary.domain if primary else f"{self.slug}.{settings.BASE_DOMAIN}"


class Domain(DomainMixin):
    # DomainMixin's fields, with labels for the admin.
    domain = models.CharField(_("host name"), max_length=253, unique=True, db_index=True)
    tenant = models.ForeignKey(
        settings.TENANT_MODEL,
        verbose_name=_("organization"),
        db_index=True,
        related_name="domains",
        on_delete=models.CASCADE,
    )
    is_primary = models.BooleanField(_("primary"), default=True, db_index=True)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
