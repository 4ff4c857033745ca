"""The unified inventory (product description sections 13.2.1 and 6.2) and its metric time series.

One ``Resource`` row per provider resource and connection, kept across syncs: a resource that
disappears is marked ``is_deleted`` (never removed), so its history (``providers.ResourceState``)
stays readable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .vocabulary import MetricName, ResourceKind, ResourceStatus


class CostPeriod(models.TextChoices):
    HOURLY = "hourly", _("Hourly")
    DAILY = "daily", _("Daily")
    MONTHLY = "monthly", _("Monthly")
    YEARLY = "yearly", _("Yearly")


class CostFrequency(models.TextChoices):
    RECURRING = "recurring", _("Recurring")
    USAGE = "usage", _("Usage-based")
    ONE_TIME = "one_time", _("One-time")


class Resource(models.Model):
    connection = models.ForeignKey("providers.ProviderConnection", on_delete=models.CASCADE,
                                   related_name="resources", verbose_name=_("connection"))
    # --- identification
    provider = models.CharField(_("provider"), max_length=32, db_index=True)
    resource_id = models.CharField(_("resource ID"), max_length=255)
    resource_name = models.CharField(_("name"), max_length=255, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    account_id = models.CharField(_("account"), max_length=255, blank=True)
    project_id = models.CharField(_("project ID"), max_length=255, blank=True)
    # --- classification
    resource_type = models.CharField(_("type"), max_length=64)  # the provider's own (vps, ec2_instance...)
    # provider-neutral: what rules and reports ask for ("all compute instances")
    kind = models.CharField(pgettext_lazy("resource kind", "kind"), max_length=32, choices=ResourceKind.choices,
                            default=ResourceKind.OTHER, db_index=True)
    service_name = models.CharField(_("service"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=32, choices=ResourceStatus.choices, blank=True)
    provider_status = models.CharField(_("provider status"), max_length=64, blank=True)
    # --- financial: the daily cost baseline (section 6.2) beside the price as the provider quotes it
    daily_cost = models.DecimalField(_("daily cost"), max_digits=14, decimal_places=4, null=True, blank=True)
    monthly_cost = models.DecimalField(_("monthly cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    original_price = models.DecimalField(_("original price"), max_digits=16, decimal_places=4, null=True,
                                         blank=True)
    original_period = models.CharField(_("original price period"), max_length=16, choices=CostPeriod.choices,
                                       default=CostPeriod.MONTHLY)
    cost_frequency = models.CharField(_("cost frequency"), max_length=16, choices=CostFrequency.choices,
                                      default=CostFrequency.RECURRING)
    pricing_model = models.CharField(_("pricing model"), max_length=32, blank=True, default="on_demand")
    list_price = models.DecimalField(_("list price"), max_digits=16, decimal_places=4, null=True, blank=True)
    # --- provider specifics
    specs = models.JSONField(_("specifications"), default=dict, blank=True)
    provider_config = models.JSONField(_("provider configuration"), default=dict, blank=True)
    # --- business context (edited by people, never overwritten by a sync)
    owner = models.CharField(_("owner"), max_length=255, blank=True)
    team = models.CharField(_("team"), max_length=255, blank=True)
    business_unit = models.CharField(_("business unit"), max_length=255, blank=True)
    project = models.CharField(_("project"), max_length=255, blank=True)
    feature_tag = models.CharField(_("feature"), max_length=255, blank=True)
    environment = models.CharField(_("environment"), max_length=64, blank=True)
    cost_center = models.CharField(_("cost center"), max_length=255, blank=True)
    purpose = models.CharField(_("purpose"), max_length=255, blank=True)
    # --- lifecycle
    created_at_provider = models.DateTimeField(_("created at the provider"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))
    is_deleted = models.BooleanField(_("deleted"), default=False)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    # sha256 of what a sync compares (name, status, costs, specs, config, tags): cheap change detection.
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, editable=False)
    metrics_fetched_at = models.DateTimeField(_("metrics fetched at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ("provider", "resource_type", "resource_name", "id")
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            models.UniqueConstraint(fields=["connection", "resource_type", "resource_id"],
                                    name="inventory_resource_unique_per_connection"),
        ]
        indexes = [
            models.Index(fields=["connection", "is_deleted"], name="inventory_res_conn_deleted"),
            models.Index(fields=["resource_type", "status"], name="inventory_res_type_status"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_name or self.resource_id} ({self.resource_type})"

    @property
    def is_active(self) -> bool:
        return self.status == ResourceStatus.RUNNING and not self.is_deleted


class ResourceTag(models.Model):
    resource = models.ForeignKey(Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="tags")
    key = models.CharField(_("key"), max_length=128)
    value = models.CharField(_("value"), max_length=256, blank=True)

    class Meta:
        verbose_name = _("resource tag")
        verbose_name_plural = _("resource tags")
        ordering = ("key",)
        constraints = [models.UniqueConstraint(fields=["resource", "key"], name="inventory_tag_unique_key")]
        indexes = [models.Index(fields=["key", "value"], name="inventory_tag_key_value")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class MetricPoint(models.Model):
    """One sample of one metric (a ``MetricName``: ``cpu_percent``, ``memory_mb``...) of one resource."""

    resource = models.ForeignKey(Resource, verbose_name=_("resource"), on_delete=models.CASCADE,
                                 related_name="metric_points")
    metric = models.CharField(_("metric"), max_length=64, choices=MetricName.choices)
    ts = models.DateTimeField(_("time"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)

    class Meta:
        verbose_name = _("metric point")
        verbose_name_plural = _("metric points")
        ordering = ("resource", "metric", "ts")
        constraints = [models.UniqueConstraint(fields=["resource", "metric", "ts"],
                                               name="inventory_metric_point_unique")]

    def __str__(self) -> str:
        return f"{self.metric}@{self.ts:%Y-%m-%d %H:%M}={self.value}"


class UtilizationTier(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ResourceMetricSummary(models.Model):
    """Aggregates of one metric of one resource over the stored window (recomputed after each sync)."""

    resource = models.ForeignKey(Resource, verbose_name=_("resource"), on_delete=models.CASCADE,
                                 related_name="metric_summaries")
    metric = models.CharField(_("metric"), max_length=64, choices=MetricName.choices)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    points = models.PositiveIntegerField(_("points"), default=0)
    avg = models.DecimalField(_("average"), max_digits=18, decimal_places=4)
    min = models.DecimalField(_("minimum"), max_digits=18, decimal_places=4)
    max = models.DecimalField(_("maximum"), max_digits=18, decimal_places=4)
    p95 = models.DecimalField(_("95th percentile"), max_digits=18, decimal_places=4)
    tier = models.CharField(_("utilization tier"), max_length=8, choices=UtilizationTier.choices, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("resource metric summary")
        verbose_name_plural = _("resource metric summaries")
        ordering = ("resource", "metric")
        constraints = [models.UniqueConstraint(fields=["resource", "metric"],
                                               name="inventory_metric_summary_unique")]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.metric} avg={self.avg}"
