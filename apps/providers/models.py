from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_cryptography.fields import encrypt

from .registry import provider_choices


class ConnectionStatus(models.TextChoices):
    NEW = "new", _("Not checked yet")
    OK = "ok", _("Connected")
    ERROR = "error", _("Error")
    SYNCING = "syncing", _("Syncing")


class SyncInterval(models.IntegerChoices):
    HOURLY = 60, _("Every hour")
    EVERY_6_HOURS = 360, _("Every 6 hours")
    EVERY_12_HOURS = 720, _("Every 12 hours")
    DAILY = 1440, _("Once a day")


class ProviderConnection(models.Model):
    """One organization's connection to one cloud account.

    ``credentials`` is a dict encrypted at rest (django-cryptography: the column is ``bytea``); it is
    write-only: no serializer, form, admin page, log line or error message ever shows it.
    """

    provider = models.CharField(_("provider"), max_length=32, choices=provider_choices)
    name = models.CharField(_("name"), max_length=120)
    credentials = encrypt(models.JSONField(_("credentials"), default=dict))
    # Honoured only when settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS is on (an SSRF door otherwise).
    endpoint = models.URLField(_("API base URL"), max_length=300, blank=True)
    sync_interval_minutes = models.PositiveIntegerField(_("sync interval"), choices=SyncInterval.choices,
                                                        default=SyncInterval.DAILY)
    auto_sync = models.BooleanField(_("automatic sync"), default=True)
    status = models.CharField(_("status"), max_length=16, choices=ConnectionStatus.choices,
                              default=ConnectionStatus.NEW)
    last_tested_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_error_code = models.CharField(_("last error code"), max_length=64, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    account_info = models.JSONField(_("account information"), default=dict, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("provider", "name", "id")
        verbose_name = _("cloud connection")
        verbose_name_plural = _("cloud connections")
        constraints = [models.UniqueConstraint(fields=["provider", "name"], name="providers_connection_unique_name")]

    def __str__(self) -> str:
        return f"{self.get_provider_display()}: {self.name}"

    def __repr__(self) -> str:  # never the credentials
        return f"<ProviderConnection {self.pk} {self.provider} {self.name!r}>"
