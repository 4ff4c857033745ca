"""Labels of the resources page: statuses, kinds, metrics and resource types in words, icons per service."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from apps.inventory.vocabulary import MetricName, MetricUnit, ResourceKind, ResourceStatus, metric_unit

register = template.Library()

KIND_LABELS = dict(ResourceKind.choices)
METRIC_LABELS = dict(MetricName.choices)
UNIT_LABELS = dict(MetricUnit.choices)

STATUS_LABELS = dict(ResourceStatus.choices)
STATUS_TONES = {ResourceStatus.RUNNING: "success", ResourceStatus.STOPPED: "muted", ResourceStatus.PENDING: "info",
                ResourceStatus.SUSPENDED: "warning", ResourceStatus.INACTIVE: "muted", ResourceStatus.ERROR: "error",
                ResourceStatus.DELETED: "error"}

TYPE_LABELS = {
    "vps": _("Virtual server"),
    "vm": _("Virtual machine"),
    "instance": _("Virtual machine"),
    "server": _("Server"),
    "disk": _("Disk"),
    "volume": _("Volume"),
    "snapshot": _("Snapshot"),
    "address": _("IP address"),
    "domain": _("Domain"),
    "hosting_plan": _("Hosting plan"),
    "hosting_mysql": _("Hosting MySQL database"),
    "ftp_account": _("FTP account"),
    "mailbox": _("Mailbox"),
    "mysql": _("Cloud MySQL"),
    "postgresql": _("Cloud PostgreSQL"),
    "s3": _("S3 storage"),
    "bucket": _("Bucket"),
}

SERVICE_ICONS = {"Compute": "server", "Database": "layers", "Storage": "file", "Network": "cloud",
                 "Hosting": "building", "Mail": "mail"}


@register.filter
def status_label(value: str) -> str:
    return str(STATUS_LABELS.get(value or ResourceStatus.UNKNOWN, value))


@register.filter
def kind_label(value: str) -> str:
    """A provider-neutral kind in words (``compute`` -> "Compute instance")."""
    return str(KIND_LABELS.get(value or ResourceKind.OTHER, value))


@register.filter
def metric_label(value: str) -> str:
    """A metric's name with its unit ("CPU, %"); a metric outside the vocabulary as it is stored."""
    if value not in METRIC_LABELS:
        return value or ""
    unit = metric_unit(value)
    return f"{METRIC_LABELS[value]}, {UNIT_LABELS.get(unit, unit)}" if unit else str(METRIC_LABELS[value])


@register.filter
def status_tone(value: str) -> str:
    return STATUS_TONES.get(value or "", "muted")


@register.filter
def type_label(value: str) -> str:
    if value in TYPE_LABELS:
        return str(TYPE_LABELS[value])
    return (value or "").replace("_", " ").capitalize()


@register.filter
def service_icon(value: str) -> str:
    return SERVICE_ICONS.get(value or "", "server")
