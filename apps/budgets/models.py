"""Budgets (plan vs actual of a scope over a month, quarter or year) and the thresholds they crossed.

A ``BudgetEvent`` is a threshold that fired: unique per budget, period, kind and threshold, so a threshold fires
once per period however often the evaluation runs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.notifications.models import Channel

from .vocabulary import BudgetPeriod, EventKind, default_forecast_thresholds, default_thresholds


class Budget(models.Model):
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=20, decimal_places=2)
    period = models.CharField(_("period"), max_length=16, choices=BudgetPeriod.choices, default=BudgetPeriod.MONTH)
    # {} = the whole organization; keys provider, connection, service, region, tag {key, value}.
    scope = models.JSONField(_("scope"), default=dict, blank=True)
    # Percents of the amount: actual spend and the period-end forecast.
    thresholds = models.JSONField(_("thresholds on actual spend, %"), default=default_thresholds)
    forecast_thresholds = models.JSONField(_("thresholds on the forecast, %"), default=default_forecast_thresholds)
    # Where alerts go; none = every channel subscribed to budget alerts.
    channels = models.ManyToManyField(Channel, verbose_name=_("channels"), blank=True, related_name="budgets")
    created_by_id = models.BigIntegerField(_("created by (user ID)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="budgets_budget_amount_positive")]

    def __str__(self) -> str:
        return self.name


class BudgetEvent(models.Model):
    """A threshold crossed in one period, with the spend and forecast at that moment."""

    budget = models.ForeignKey(Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="events")
    period_start = models.DateField(_("period start"))
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    threshold = models.PositiveIntegerField(_("threshold, %"))
    fired_at = models.DateTimeField(_("fired"))
    actual = models.DecimalField(_("actual spend"), max_digits=20, decimal_places=2)
    forecast = models.DecimalField(_("forecast"), max_digits=20, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ("-period_start", "-fired_at", "-id")
        verbose_name = _("budget event")
        verbose_name_plural = _("budget events")
        constraints = [models.UniqueConstraint(fields=["budget", "period_start", "kind", "threshold"],
                                               name="budgets_event_once")]

    def __str__(self) -> str:
        return f"{self.budget_id} {self.period_start} {self.kind} {self.threshold}%"
