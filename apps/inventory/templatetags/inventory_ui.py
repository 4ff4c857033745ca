"""Labels of the resources page: statuses and resource types in words, icons per service."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

STATUS_LABELS = {
    "running": _("Running"),
    "stopped": _("Stopped"),
    "pending": _("Pending"),
    "suspended": _("Suspended"),
    "inactive": _("Inactive"),
    "error": _("Error"),
    "deleted": _("Deleted"),
    "unknown": _("Unknown"),
}
STATUS_TONES = {"running": "success", "stopped": "muted", "pending": "info", "suspended": "warning",
                "inactive": "muted", "error": "error", "deleted": "error"}

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
    return str(STATUS_LABELS.get(value or "unknown", value or STATUS_LABELS["unknown"]))


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


PROVIDER_BADGES = {"beget": "BG", "yandex": "YC", "selectel": "SEL", "aws": "AWS", "vkcloud": "VK", "cloudru": "CR",
                   "timeweb": "TW", "azure": "AZ", "gcp": "GCP"}


@register.filter
def provider_badge(key: str) -> str:
    """The short mark on a provider's logo tile (YC, SEL...), as in the product description."""
    return PROVIDER_BADGES.get(key or "", (key or "?")[:2].upper())
