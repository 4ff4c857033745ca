"""The provider-neutral words for resources: kinds, statuses and metric names with their units.

Plugins map their own ``resource_type`` and statuses to these (the raw ones stay beside them), so rules,
reports and pages can ask for "all compute instances" or "every unattached volume" across providers.
This module imports nothing of the project: providers, costs and everything above use it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceKind(models.TextChoices):
    COMPUTE = "compute", _("Compute instance")
    VOLUME = "volume", _("Volume")
    SNAPSHOT = "snapshot", _("Snapshot")
    IMAGE = "image", _("Image")
    IP_ADDRESS = "ip_address", _("IP address")
    LOAD_BALANCER = "load_balancer", _("Load balancer")
    DATABASE = "database", _("Database")
    BUCKET = "bucket", _("Bucket")
    KUBERNETES = "kubernetes", _("Kubernetes cluster")
    DOMAIN = "domain", _("Domain")
    HOSTING_PLAN = "hosting_plan", _("Hosting plan")
    NETWORK = "network", _("Network")
    OTHER = "other", _("Other")


class ResourceStatus(models.TextChoices):
    """The small status vocabulary every provider maps to (the raw one stays in ``provider_status``)."""

    RUNNING = "running", _("Running")
    STOPPED = "stopped", _("Stopped")
    PENDING = "pending", _("Pending")
    SUSPENDED = "suspended", _("Suspended")
    INACTIVE = "inactive", _("Inactive")  # exists but not in use (e.g. a parked technical domain)
    ERROR = "error", _("Error")
    DELETED = "deleted", _("Deleted")
    UNKNOWN = "unknown", _("Unknown")


class MetricUnit(models.TextChoices):
    PERCENT = "percent", "%"
    MEGABYTES = "MB", _("MB")
    GIGABYTES = "GB", _("GB")
    MEGABITS_PER_SECOND = "Mbit/s", _("Mbit/s")
    BYTES_PER_SECOND = "B/s", _("B/s")


class MetricName(models.TextChoices):
    CPU_PERCENT = "cpu_percent", _("CPU")
    MEMORY_PERCENT = "memory_percent", _("Memory")
    MEMORY_MB = "memory_mb", _("Memory")  # used, in MB
    MEMORY_USED_MB = "memory_used_mb", _("Memory used")
    DISK_USED_GB = "disk_used_gb", _("Disk used")
    DISK_USED_PERCENT = "disk_used_percent", _("Disk used")
    NETWORK_IN = "network_in", _("Inbound traffic")
    NETWORK_OUT = "network_out", _("Outbound traffic")
    NETWORK_MBPS = "network_mbps", _("Network throughput")  # in and out together, against the bandwidth


METRIC_UNITS: dict[str, str] = {
    MetricName.CPU_PERCENT: MetricUnit.PERCENT,
    MetricName.MEMORY_PERCENT: MetricUnit.PERCENT,
    MetricName.MEMORY_MB: MetricUnit.MEGABYTES,
    MetricName.MEMORY_USED_MB: MetricUnit.MEGABYTES,
    MetricName.DISK_USED_GB: MetricUnit.GIGABYTES,
    MetricName.DISK_USED_PERCENT: MetricUnit.PERCENT,
    MetricName.NETWORK_IN: MetricUnit.MEGABITS_PER_SECOND,
    MetricName.NETWORK_OUT: MetricUnit.MEGABITS_PER_SECOND,
    MetricName.NETWORK_MBPS: MetricUnit.MEGABITS_PER_SECOND,
}


def metric_unit(metric: str) -> str:
    """The unit of a known metric; ``""`` for a metric outside the vocabulary."""
    return METRIC_UNITS.get(metric, "")
