"""The vocabulary of cost allocation: built-in dimensions, rule condition fields and operators, split methods."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Built-in dimensions every organization has (key, Russian-first label); admins may add their own.
BUILTIN_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("business_unit", _("Business unit")),
    ("project", _("Project")),
    ("environment", _("Environment")),
    ("cost_center", _("Cost center")),
    ("product", _("Product or feature")),
    ("owner", _("Owner")),
)
# "Overall" coverage counts a cost as allocated when each required dimension has a value.
DEFAULT_REQUIRED = ("business_unit", "environment")
# Keys a custom dimension may not take: the explorer's own group-by names after ``alloc:`` (FOCUS columns).
RESERVED_KEYS = frozenset({"allocation_method", "allocated_resource"})
DIMENSION_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
MAX_DIMENSIONS = 20
UNALLOCATED = ""  # the value of a dimension nothing allocated; shown as «Не распределено»
UNALLOCATED_LABEL = _("Unallocated")


class ConditionField(models.TextChoices):
    NAME = "name", _("Resource name")
    PROVIDER = "provider", _("Provider")
    CONNECTION = "connection", _("Connection")
    HIERARCHY = "hierarchy", _("Cloud, folder or project")
    REGION = "region", _("Region")
    KIND = "kind", _("Resource kind")
    TYPE = "type", _("Resource type")
    SERVICE = "service", _("Service")
    SKU = "sku", _("SKU")


TAG_FIELD_PREFIX = "tag:"


class ConditionOp(models.TextChoices):
    EQUALS = "equals", _("equals")
    IN = "in", _("is one of")
    REGEX = "regex", _("matches the regular expression")
    EXISTS = "exists", _("exists")


class SplitMethod(models.TextChoices):
    EVEN = "even", _("Evenly")
    PROPORTIONAL = "proportional", _("In proportion to cost")
    METRIC = "metric", _("In proportion to a business metric")
    FIXED = "fixed", _("By fixed percentages")


class MetricGranularity(models.TextChoices):
    DAY = "day", _("Daily")
    MONTH = "month", _("Monthly")


class ApplyStatus(models.TextChoices):
    IDLE = "idle", _("Up to date")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Recalculating")
    FAILED = "failed", _("Failed")


SPLIT_METHODS = tuple(SplitMethod.values)  # the API's choices (the OpenAPI enum SplitMethodEnum)
