"""Labels of the resources page: statuses, kinds, metrics and resource types in words, icons per service."""

from __future__ import annotations

from django import template

from apps.inventory import vocabulary
from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus, metric_unit

register = template.Library()

KIND_LABELS = dict(ResourceKind.choices)
METRIC_LABELS = dict(MetricName.choices)

STATUS_LABELS = dict(ResourceStatus.choices)
STATUS_TONES = {ResourceStatus.RUNNING: "success", ResourceStatus.STOPPED: "muted", ResourceStatus.PENDING: "info",
                ResourceStatus.SUSPENDED: "warning", ResourceStatus.INACTIVE: "muted", ResourceStatus.ERROR: "error",
                ResourceStatus.DELETED: "error"}

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
    return f"{METRIC_LABELS[value]}, {vocabulary.unit_label(unit)}" if unit else str(METRIC_LABELS[value])


@register.filter
def status_tone(value: str) -> str:
    return STATUS_TONES.get(value or "", "muted")


@register.filter
def type_label(value: str) -> str:
    return vocabulary.resource_type_label(value)


@register.filter
def service_label(value: str) -> str:
    """A plugin's generic service word ("Compute") in the UI's language."""
    return vocabulary.service_name_label(value)


@register.filter
def provider_status_label(value: str) -> str:
    """A status as the provider reports it ("ACTIVE") in words."""
    return vocabulary.provider_status_label(value)


@register.filter
def pricing_label(value: str) -> str:
    return vocabulary.pricing_model_label(value)


@register.filter
def unit_label(value: str) -> str:
    return vocabulary.unit_label(value)


@register.filter
def service_icon(value: str) -> str:
    return SERVICE_ICONS.get(value or "", "server")
