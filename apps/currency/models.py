"""Exchange rates, shared by every organization (public schema).

``rate_rub`` is the price of ONE unit of ``currency`` in roubles; ``nominal`` is the number of units
the Central Bank quoted (``Value`` is per ``Nominal`` units: 100 AMD, 10 000 VND, ...), kept for
reference only. Rouble itself has no row: RUB -> RUB is always 1.

A manual rate entered in an organization (its administrators and finance users, on the rate form) belongs to
that organization only (``schema_name``): it never changes another organization's figures. Support's manual
rates (admin) and the Bank's have ``schema_name`` empty and apply to everyone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RateSource(models.TextChoices):
    CBR = "cbr", _("Central Bank of Russia")
    MANUAL = "manual", _("Manual")


class ExchangeRate(models.Model):
    date = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3)
    rate_rub = models.DecimalField(_("roubles per unit"), max_digits=20, decimal_places=10)
    nominal = models.PositiveIntegerField(_("nominal"), default=1)
    source = models.CharField(_("source"), max_length=8, choices=RateSource.choices, default=RateSource.CBR)
    note = models.CharField(_("note"), max_length=255, blank=True)
    schema_name = models.CharField(_("organization schema"), max_length=63, blank=True, default="",
                                   help_text=_("Empty: applies to every organization."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-date", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["date", "currency", "source", "schema_name"],
                                    name="currency_rate_unique_per_source"),
            models.CheckConstraint(condition=models.Q(rate_rub__gt=0), name="currency_rate_positive"),
        ]
        indexes = [models.Index(fields=["currency", "-date"], name="currency_rate_lookup")]

    def __str__(self) -> str:
        return f"{self.date} {self.currency} = {self.rate_rub} RUB ({self.source})"
