"""The provider-neutral words for resources: kinds, statuses and metric names with their units.

Plugins map their own ``resource_type`` and statuses to these (the raw ones stay beside them), so rules,
reports and pages can ask for "all compute instances" or "every unattached volume" across providers.
This module imports nothing of the project: providers, costs and everything above use it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


# --- Display labels: what the Russian UI shows for the codes above and for values providers report as they are.
# The stored data stays canonical (or the provider's own); pages render it through the ``inventory_ui`` filters.

UNIT_LABELS: dict[str, str] = {
    "percent": "%",
    "%": "%",
    "B": _("B"),
    "KB": _("KB"),
    "MB": _("MB"),
    "GB": _("GB"),
    "TB": _("TB"),
    "B/s": _("B/s"),
    "MB/s": _("MB/s"),
    "Mbit/s": _("Mbit/s"),
    "Gbit/s": _("Gbit/s"),
    "vCPU": "vCPU",
}

# The provider's own ``resource_type`` (every plugin's, the FOCUS ledger's ResourceType values of the demo).
RESOURCE_TYPE_LABELS: dict[str, str] = {
    "vps": _("Virtual server"),
    "vm": _("Virtual machine"),
    "instance": _("Virtual machine"),
    "server": _("Server"),
    "instance_group": _("Instance group"),
    "disk": _("Disk"),
    "volume": _("Volume"),
    "ebs_volume": _("Volume"),
    "snapshot": _("Snapshot"),
    "image": _("Image"),
    "address": _("IP address"),
    "ip_address": _("IP address"),
    "floating_ip": _("Floating IP address"),
    "elastic_ip": _("IP address"),
    "domain": _("Domain"),
    "hosting_plan": _("Hosting plan"),
    "hosting_mysql": _("Hosting MySQL database"),
    "ftp_account": _("FTP account"),
    "mailbox": _("Mailbox"),
    "mysql": _("Cloud MySQL"),
    "postgresql": _("Cloud PostgreSQL"),
    "postgresql_cluster": _("PostgreSQL cluster"),
    "mysql_cluster": _("MySQL cluster"),
    "kubernetes_cluster": _("Kubernetes cluster"),
    "database_instance": _("Database instance"),
    "database_cluster": _("Database cluster"),
    "s3": _("S3 storage"),
    "bucket": _("Bucket"),
    "cdn": _("CDN"),
    "load_balancer": _("Load balancer"),
    "network": _("Network"),
    "subnet": _("Subnet"),
    "cloud": _("Cloud"),
    "folder": _("Folder"),
    "cloud_service": _("Cloud service"),
}

# The service a plugin files a resource under (``Resource.service_name``): generic words, not product names.
SERVICE_NAME_LABELS: dict[str, str] = {
    "Compute": pgettext_lazy("service", "Compute"),
    "Storage": pgettext_lazy("service", "Storage"),
    "Network": pgettext_lazy("service", "Network"),
    "Networking": pgettext_lazy("service", "Networking"),
    "Database": pgettext_lazy("service", "Database"),
    "Databases": pgettext_lazy("service", "Databases"),
    "Hosting": pgettext_lazy("service", "Hosting"),
    "Mail": pgettext_lazy("service", "Mail"),
    "Cloud": pgettext_lazy("service", "Cloud"),
    "Kubernetes": pgettext_lazy("service", "Kubernetes"),
    "Container Registry": pgettext_lazy("service", "Container Registry"),
    "Resource Manager": pgettext_lazy("service", "Resource Manager"),
}

# Statuses as providers report them (``Resource.provider_status``, an account's status), case-insensitive.
PROVIDER_STATUS_LABELS: dict[str, str] = {
    "active": pgettext_lazy("provider status", "Active"),
    "running": pgettext_lazy("provider status", "Running"),
    "ready": pgettext_lazy("provider status", "Ready"),
    "available": pgettext_lazy("provider status", "Available"),
    "in-use": pgettext_lazy("provider status", "In use"),
    "attached": pgettext_lazy("provider status", "Attached"),
    "stopped": pgettext_lazy("provider status", "Stopped"),
    "shutoff": pgettext_lazy("provider status", "Stopped"),
    "shelved": pgettext_lazy("provider status", "Shelved"),
    "shelved_offloaded": pgettext_lazy("provider status", "Shelved"),
    "paused": pgettext_lazy("provider status", "Paused"),
    "suspended": pgettext_lazy("provider status", "Suspended"),
    "blocked": pgettext_lazy("provider status", "Blocked"),
    "provisioning": pgettext_lazy("provider status", "Being created"),
    "creating": pgettext_lazy("provider status", "Being created"),
    "build": pgettext_lazy("provider status", "Being created"),
    "starting": pgettext_lazy("provider status", "Starting"),
    "stopping": pgettext_lazy("provider status", "Stopping"),
    "restarting": pgettext_lazy("provider status", "Restarting"),
    "updating": pgettext_lazy("provider status", "Updating"),
    "deleting": pgettext_lazy("provider status", "Being deleted"),
    "pending_deletion": pgettext_lazy("provider status", "Being deleted"),
    "deleted": pgettext_lazy("provider status", "Deleted"),
    "soft_deleted": pgettext_lazy("provider status", "Deleted"),
    "error": pgettext_lazy("provider status", "Error"),
    "crashed": pgettext_lazy("provider status", "Crashed"),
    "down": pgettext_lazy("provider status", "Not in use"),
    "inactive": pgettext_lazy("provider status", "Inactive"),
    "unknown": pgettext_lazy("provider status", "Unknown"),
    # OpenStack Trove (databases) and Magnum (Kubernetes clusters), VK Cloud
    "healthy": pgettext_lazy("provider status", "Healthy"),
    "shutdown": pgettext_lazy("provider status", "Stopped"),
    "backup": pgettext_lazy("provider status", "Backing up"),
    "reboot": pgettext_lazy("provider status", "Restarting"),
    "resize": pgettext_lazy("provider status", "Resizing"),
    "create_in_progress": pgettext_lazy("provider status", "Being created"),
    "create_complete": pgettext_lazy("provider status", "Running"),
    "create_failed": pgettext_lazy("provider status", "Creation failed"),
    "update_in_progress": pgettext_lazy("provider status", "Updating"),
    "update_complete": pgettext_lazy("provider status", "Running"),
    "update_failed": pgettext_lazy("provider status", "Update failed"),
    "resume_complete": pgettext_lazy("provider status", "Running"),
    "delete_in_progress": pgettext_lazy("provider status", "Being deleted"),
    "delete_failed": pgettext_lazy("provider status", "Deletion failed"),
    # Timeweb Cloud (servers, databases, buckets, balancers)
    "on": pgettext_lazy("provider status", "Running"),
    "off": pgettext_lazy("provider status", "Stopped"),
    "started": pgettext_lazy("provider status", "Running"),
    "stoped": pgettext_lazy("provider status", "Stopped"),
    "created": pgettext_lazy("provider status", "Active"),
    "installing": pgettext_lazy("provider status", "Being created"),
    "software_install": pgettext_lazy("provider status", "Installing software"),
    "reinstalling": pgettext_lazy("provider status", "Reinstalling"),
    "configuring": pgettext_lazy("provider status", "Configuring"),
    "turning_on": pgettext_lazy("provider status", "Starting"),
    "turning_off": pgettext_lazy("provider status", "Stopping"),
    "hard_turning_off": pgettext_lazy("provider status", "Stopping"),
    "rebooting": pgettext_lazy("provider status", "Restarting"),
    "hard_rebooting": pgettext_lazy("provider status", "Restarting"),
    "cloning": pgettext_lazy("provider status", "Cloning"),
    "transfer": pgettext_lazy("provider status", "Moving"),
    "lan_transfer": pgettext_lazy("provider status", "Moving"),
    "backup_recovery": pgettext_lazy("provider status", "Restoring from a backup"),
    "removing": pgettext_lazy("provider status", "Being deleted"),
    "removed": pgettext_lazy("provider status", "Deleted"),
    "no_paid": pgettext_lazy("provider status", "Suspended for non-payment"),
    "permanent_blocked": pgettext_lazy("provider status", "Blocked"),
}

PRICING_MODEL_LABELS: dict[str, str] = {
    "on_demand": _("On demand"),
    "on-demand": _("On demand"),
    "reserved": pgettext_lazy("pricing model", "Reserved"),
    "committed": _("Committed use"),
    "spot": _("Preemptible"),
    "preemptible": _("Preemptible"),
    "prepaid": _("Prepaid"),
    "free": _("Free"),
}

# Values of provider-neutral spec keys that are codes rather than names.
SPEC_VALUE_LABELS: dict[str, dict[str, str]] = {
    "engine": {"mysql": "MySQL", "postgresql": "PostgreSQL", "redis": "Redis", "kafka": "Kafka",
               "clickhouse": "ClickHouse", "mongodb": "MongoDB", "opensearch": "OpenSearch"},
    "storage_class": {"standard": _("Standard"), "cold": _("Cold"), "ice": _("Ice (archive)"),
                      "standard_ia": _("Cold"), "glacier": _("Ice (archive)")},
    "disk_type": {"network-ssd": _("Network SSD"), "network-hdd": _("Network HDD"),
                  "network-ssd-nonreplicated": _("Non-replicated network SSD"),
                  "network-ssd-io-m3": _("High-performance network SSD")},
}


def _label(table: dict[str, str], value: str, *, fold: bool = False) -> str:
    if not value:
        return ""
    found = table.get(value.lower() if fold else value)
    return str(found) if found is not None else value


def unit_label(unit: str) -> str:
    """A unit in the UI's language ("GB" -> "ГБ"); an unknown one as it is."""
    return _label(UNIT_LABELS, unit)


def resource_type_label(value: str) -> str:
    """The provider's resource type in words; an unknown one with its underscores turned into spaces."""
    if value in RESOURCE_TYPE_LABELS:
        return str(RESOURCE_TYPE_LABELS[value])
    return (value or "").replace("_", " ")


def service_name_label(value: str) -> str:
    """A plugin's generic service word in the UI's language; product names ("Compute Cloud") stay."""
    return _label(SERVICE_NAME_LABELS, value)


def provider_status_label(value: str) -> str:
    return _label(PROVIDER_STATUS_LABELS, value, fold=True)


def pricing_model_label(value: str) -> str:
    return _label(PRICING_MODEL_LABELS, value, fold=True)


def spec_value_label(key: str, value: str) -> str:
    return _label(SPEC_VALUE_LABELS.get(key, {}), value, fold=True)
