"""How audit actions and the keys of their details read in the UI. The codes are those the apps pass to
``audit_event_record``; an unknown code is shown as it is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from apps.common.secrets import strip_secrets

ACTION_LABELS = {
    "organization.created": _("Organization created"),
    "organization.updated": _("Organization profile changed"),
    "membership.added": _("Member added"),
    "membership.role_changed": _("Member role changed"),
    "membership.removed": _("Member removed"),
    "invitation.created": _("Invitation sent"),
    "invitation.revoked": _("Invitation revoked"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "connection.created": _("Cloud connection added"),
    "connection.updated": _("Cloud connection changed"),
    "connection.deleted": _("Cloud connection deleted"),
    "connection.tested": _("Cloud connection checked"),
    "connection.sync_started": _("Sync started"),
    "costs.import": _("Billing file imported"),
    "costs.provider_import": _("Provider costs loaded"),
    "currency.rate_set": _("Exchange rate entered"),
    "notification_channel.created": _("Notification channel added"),
    "notification_channel.updated": _("Notification channel changed"),
    "notification_channel.deleted": _("Notification channel deleted"),
    "notification_channel.tested": _("Notification channel tested"),
    "notification_channel.linked": _("Telegram chat linked"),
    "budget.created": _("Budget created"),
    "budget.updated": _("Budget changed"),
    "budget.deleted": _("Budget deleted"),
    "business_metric.created": _("Business metric created"),
    "business_metric.updated": _("Business metric changed"),
    "business_metric.deleted": _("Business metric deleted"),
    "business_metric.values_imported": _("Business metric values imported from a file"),
    "business_metric.values_saved": _("Business metric values saved"),
    "allocation.split_created": _("Shared cost split created"),
    "allocation.split_updated": _("Shared cost split changed"),
    "allocation.split_deleted": _("Shared cost split deleted"),
    "allocation.dimension_created": _("Allocation dimension added"),
    "allocation.dimension_updated": _("Allocation dimension changed"),
    "allocation.dimension_deleted": _("Allocation dimension deleted"),
    "allocation.rule_created": _("Allocation rule added"),
    "allocation.rule_updated": _("Allocation rule changed"),
    "allocation.rule_deleted": _("Allocation rule deleted"),
    "allocation.rule_moved": _("Allocation rule moved"),
    "allocation.override_set": _("Manual allocation set"),
    "allocation.override_updated": _("Manual allocation changed"),
    "allocation.override_deleted": _("Manual allocation removed"),
    "allocation.applied": _("Allocation recalculation started"),
    "allocation.suggestion_accepted": _("Allocation suggestion accepted"),
}

DETAIL_LABELS = {
    "role": _("role"),
    "from": _("from"),
    "to": _("to"),
    "name": _("name"),
    "partner": _("partner"),
    "provider": _("provider"),
    "changed": _("changed"),
    "ok": _("result"),
    "code": _("code"),
    "sync_run": _("sync run"),
    "trigger": _("trigger"),
    "file": _("file"),
    "status": _("status"),
    "rows_imported": _("rows imported"),
    "rows_skipped": _("rows skipped"),
    "start": _("period start"),
    "end": _("period end"),
    "rows": _("rows"),
    "replaced": _("rows replaced"),
    "currency": _("currency"),
    "timezone": _("time zone"),
    "prefix": _("prefix"),
    "expires": _("expires"),
    "date": _("date"),
    "rate": _("rate"),
    "nominal": _("nominal"),
    "previous_rate": _("previous rate"),
    "endpoint": _("API base URL"),
    "order": _("order"),
    "enabled": _("enabled"),
    "conditions": _("conditions"),
    "actions": _("actions"),
    "values": _("values"),
    "note": _("note"),
    "required": _("required"),
    "direction": _("direction"),
    "version": _("version"),
    "connection": _("connection"),
}


_KEY_ORDER = {key: index for index, key in enumerate(DETAIL_LABELS)}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def detail_label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key))


# Codes that appear as values in the details (sync triggers, import statuses, changed connection fields).
VALUE_LABELS = {
    "manual": _("Manual"),
    "scheduled": _("Scheduled"),
    "success": _("Imported"),
    "error": _("Failed"),
    "name": _("name"),
    "credentials": _("credentials"),
    "endpoint": _("API base URL"),
    "sync_interval_minutes": _("sync interval"),
    "auto_sync": _("automatic sync"),
}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _value_text(value: Any, labels: Mapping[str, Any]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list | tuple):
        parts = [_value_text(item, labels) for item in value]
        return " → ".join(parts) if len(parts) == 2 else ", ".join(parts)
    if isinstance(value, Mapping):
        return "; ".join(f"{detail_label(k)}: {_value_text(v, labels)}" for k, v in value.items())
    if isinstance(value, str) and value in labels:
        return str(labels[value])
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
    return str(value)


def audit_details(data: Mapping[str, Any] | None, *, value_labels: Mapping[str, Any] | None = None
                  ) -> list[tuple[str, str, str, Any]]:
    """``(key, label, text, raw value)`` for each key of an event's details, never a secret (keys that name one are
    dropped, as everywhere: ``apps.common.secrets``). ``value_labels`` adds labels for codes of higher
    apps (roles) to the ones above."""
    labels = {**VALUE_LABELS, **(value_labels or {})}
    # jsonb keeps its own key order: show the known keys in the order above ("from" before "to").
    items = sorted(strip_secrets(data or {}).items(), key=lambda item: _KEY_ORDER.get(item[0], len(_KEY_ORDER)))
    return [(key, detail_label(key), _value_text(value, labels), value) for key, value in items]


TARGET_LABELS = {
    "connection": _("Connection"),
    "billing_import": _("Billing file"),
}


def target_label(target: str) -> str:
    """``connection:12`` -> «Connection #12»; emails and organization slugs stay as they are."""
    kind, sep, ident = (target or "").partition(":")
    if sep and kind in TARGET_LABELS:
        return f"{TARGET_LABELS[kind]} #{ident}"
    return target or "—"
