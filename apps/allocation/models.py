"""Cost allocation: dimensions and their values, ordered rules, per-resource overrides, shared-cost splits,
business metrics, and what the rollups store of it (``AllocationSet``, ``AllocationSignature``).

How allocation reaches the money: ``apps.costs.services.rollups`` sums the ledger into a stage, takes every
distinct *signature* of the stage (connection, provider, accounts, service, region, type, resource, SKU, tags),
asks ``apps.allocation.engine`` which dimension values each one gets (overrides first, then the first matching
rule per dimension) and stores the answer in ``AllocationSignature`` (keyed by a 64-bit hash of the signature).
The rollups carry ``alloc_sig``, the signature of their rows; its ``AllocationSet`` (one row per distinct
combination of values) is what the explorer groups and filters by, joined at query time, so a change of the
definitions re-evaluates the signatures and leaves the rollups alone (``apps.costs.services.allocation_apply``).
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .vocabulary import DIMENSION_KEY_PATTERN, ApplyStatus, MetricGranularity, SplitMethod


class Dimension(models.Model):
    key = models.CharField(_("key"), max_length=40, unique=True,
                           validators=[RegexValidator(DIMENSION_KEY_PATTERN)])
    name = models.CharField(_("name"), max_length=100)
    required = models.BooleanField(_("required for coverage"), default=False)
    builtin = models.BooleanField(_("built in"), default=False, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("allocation dimension")
        verbose_name_plural = _("allocation dimensions")

    def __str__(self) -> str:
        return self.name


class DimensionValue(models.Model):
    dimension = models.ForeignKey(Dimension, verbose_name=_("dimension"), on_delete=models.CASCADE,
                                  related_name="values")
    value = models.CharField(_("value"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)

    class Meta:
        ordering = ("dimension", "value")
        verbose_name = _("dimension value")
        verbose_name_plural = _("dimension values")
        constraints = [models.UniqueConstraint(fields=["dimension", "value"], name="allocation_value_unique")]

    def __str__(self) -> str:
        return f"{self.dimension.key}={self.value}"


class Rule(models.Model):
    """``conditions``: ``[{"field", "op", "value"}]``, all must hold (see ``engine``); ``actions``:
    ``{"<dimension key>": "<value>"}``. Rules run by ``order`` (then id); the first match wins per dimension."""

    name = models.CharField(_("name"), max_length=200)
    order = models.IntegerField(_("order"), default=0)
    conditions = models.JSONField(_("conditions"), default=list)
    actions = models.JSONField(_("actions"), default=dict)
    enabled = models.BooleanField(_("enabled"), default=True)
    source = models.CharField(_("source"), max_length=100, blank=True)  # "suggestion:<id>" when accepted from one
    created_by_id = models.BigIntegerField(_("created by (user ID)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ("order", "id")
        verbose_name = _("allocation rule")
        verbose_name_plural = _("allocation rules")

    def __str__(self) -> str:
        return self.name


class ResourceOverride(models.Model):
    """Dimension values set by hand for one resource (they win over every rule), with the reason."""

    connection_id = models.BigIntegerField(_("connection ID"), null=True, blank=True)
    resource_id = models.TextField(_("resource ID"))
    values = models.JSONField(_("values"), default=dict)
    note = models.TextField(_("note"), blank=True)
    created_by_id = models.BigIntegerField(_("set by (user ID)"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ("resource_id", "id")
        verbose_name = _("manual allocation")
        verbose_name_plural = _("manual allocations")
        constraints = [models.UniqueConstraint(fields=["connection_id", "resource_id"],
                                               name="allocation_override_unique", nulls_distinct=False)]

    def __str__(self) -> str:
        return self.resource_id


class SharedCost(models.Model):
    """A shared cost (the cost lines matching ``conditions``) split across the values of ``dimension``.

    ``targets``: ``[{"value": "<dimension value>", "percent": "<decimal>"}]``; percents are used by the fixed
    method only (they must sum to 100). ``metric`` serves the metric method (its values per dimension value)."""

    name = models.CharField(_("name"), max_length=200)
    order = models.IntegerField(_("order"), default=0)
    conditions = models.JSONField(_("conditions"), default=list)
    dimension = models.ForeignKey(Dimension, verbose_name=_("dimension"), on_delete=models.CASCADE,
                                  related_name="splits")
    method = models.CharField(_("method"), max_length=16, choices=SplitMethod.choices, default=SplitMethod.EVEN)
    targets = models.JSONField(_("targets"), default=list)
    metric = models.ForeignKey("BusinessMetric", verbose_name=_("business metric"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="splits")
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by_id = models.BigIntegerField(_("created by (user ID)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ("order", "id")
        verbose_name = _("shared cost")
        verbose_name_plural = _("shared costs")

    def __str__(self) -> str:
        return self.name


class AllocationSet(models.Model):
    """One distinct combination of dimension values (``{"<key>": "<value>"}``, unallocated keys absent);
    ``key`` is its canonical JSON text. Rollup rows point here by ``allocation_id``."""

    key = models.TextField(_("key"), unique=True)
    values = models.JSONField(_("values"), default=dict)
    # The shared cost this set's rows were split from (their amounts are shares of it), if any.
    split = models.ForeignKey(SharedCost, verbose_name=_("shared cost"), on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")

    class Meta:
        verbose_name = _("allocation combination")
        verbose_name_plural = _("allocation combinations")

    def __str__(self) -> str:
        return self.key


class AllocationSignature(models.Model):
    """The allocation of one signature of the ledger (``sig`` = 64-bit hash of its columns, which are kept here so
    that a change of the definitions re-evaluates every signature without reading the ledger). Rollup rows point
    here by their ``alloc_sig``: the explorer joins this table, so applying new rules to the whole history updates
    these rows only. A *split* row (``source_sig`` set) is the share of a shared cost's signature given to one value
    (``split_value``) of shared cost ``via_split_id``'s dimension; its allocation is the source's with that value."""

    sig = models.BigIntegerField(_("signature"), primary_key=True)
    allocation = models.ForeignKey(AllocationSet, verbose_name=_("allocation"), on_delete=models.DO_NOTHING,
                                   db_constraint=False, db_index=False, related_name="+")
    # The shared cost whose conditions this signature matches: its rollup rows are split (``source_sig`` rows).
    split_id = models.BigIntegerField(_("shared cost"), null=True, blank=True)
    # The signature's columns (``apps.costs.selectors.allocation_signatures.SIGNATURE_COLUMNS``), for re-evaluation.
    connection_id = models.BigIntegerField(_("connection"), null=True, blank=True)
    provider_name = models.TextField(_("provider"), blank=True, default="")
    billing_account_id = models.TextField(_("billing account"), blank=True, default="")
    sub_account_id = models.TextField(_("sub-account"), blank=True, default="")
    service_name = models.TextField(_("service"), blank=True, default="")
    region_id = models.TextField(_("region"), blank=True, default="")
    resource_type = models.TextField(_("resource type"), blank=True, default="")
    resource_id = models.TextField(_("resource ID"), blank=True, default="")
    sku_id = models.TextField(_("SKU"), blank=True, default="")
    resource_name = models.TextField(_("resource name"), blank=True, default="")
    tags = models.TextField(_("tags"), blank=True, default="")
    source_sig = models.BigIntegerField(_("shared signature"), null=True, blank=True)
    via_split_id = models.BigIntegerField(_("split of shared cost"), null=True, blank=True)
    split_value = models.TextField(_("split value"), blank=True, default="")
    # The definitions version this signature was evaluated for (0: to evaluate again, the inventory changed).
    version = models.PositiveIntegerField(_("definitions version"), default=0)

    class Meta:
        verbose_name = _("allocated signature")
        verbose_name_plural = _("allocated signatures")

    def __str__(self) -> str:
        return f"{self.sig} -> {self.allocation_id}"


class AllocationState(models.Model):
    """One row: the version of the definitions and the progress of applying them to the ledger's history."""

    version = models.PositiveIntegerField(_("definitions version"), default=1)
    applied_version = models.PositiveIntegerField(_("applied version"), default=0)
    # Whether the rollups' signatures include the SKU (only while some definition reads the SKU: otherwise a
    # resource's SKUs share one rollup row); None until the rollups were built knowing it. A change of it rebuilds
    # the rollups; any other change of the definitions re-evaluates the signatures only.
    signatures_with_sku = models.BooleanField(_("signatures include the SKU"), null=True, blank=True, default=False)
    status = models.CharField(_("status"), max_length=16, choices=ApplyStatus.choices, default=ApplyStatus.IDLE)
    days_total = models.PositiveIntegerField(_("days to recalculate"), default=0)
    days_done = models.PositiveIntegerField(_("days recalculated"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("allocation state")
        verbose_name_plural = _("allocation state")

    def __str__(self) -> str:
        return f"v{self.version} ({self.status})"


class BusinessMetric(models.Model):
    """A business figure (orders, active users...) per day or month, for unit costs and metric splits."""

    key = models.CharField(_("key"), max_length=60, unique=True, validators=[RegexValidator(DIMENSION_KEY_PATTERN)])
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40)
    granularity = models.CharField(_("granularity"), max_length=8, choices=MetricGranularity.choices,
                                   default=MetricGranularity.DAY)
    # The dimension whose values the figures may be broken down by (for splits); blank = totals only.
    dimension = models.ForeignKey(Dimension, verbose_name=_("dimension"), on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="metrics")
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("business metric")
        verbose_name_plural = _("business metrics")

    def __str__(self) -> str:
        return self.name


class BusinessMetricValue(models.Model):
    """One figure: a day's (or, monthly, the first day of the month's) value; ``dimension_value`` '' = the total."""

    metric = models.ForeignKey(BusinessMetric, verbose_name=_("business metric"), on_delete=models.CASCADE,
                               related_name="values")
    date = models.DateField(_("date"))
    dimension_value = models.CharField(_("dimension value"), max_length=100, blank=True, default="")
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6)

    class Meta:
        ordering = ("metric", "date", "dimension_value")
        verbose_name = _("business metric value")
        verbose_name_plural = _("business metric values")
        constraints = [models.UniqueConstraint(fields=["metric", "date", "dimension_value"],
                                               name="allocation_metric_value_unique")]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.date} {self.value}"
