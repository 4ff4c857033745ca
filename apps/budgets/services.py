"""Writes of budgets: create / update / delete with validation (Russian messages), and ``budgets_evaluate``, the
check step that records crossed thresholds and queues their alerts.

A threshold fires once per budget, period, kind (actual / forecast) and threshold: the ``BudgetEvent`` row is
inserted with ``ON CONFLICT DO NOTHING`` and only a row inserted now queues an alert (whose dedup key is the same
four values, so the outbox would refuse a second one anyway). Re-running the evaluation, or running it in a fresh
process, finds the rows and fires nothing again; the next period starts with none.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.audit.services import audit_event_record
from apps.common.errors import ApplicationError
from apps.common.numbers import format_money, format_percent
from apps.notifications.links import absolute_url
from apps.notifications.models import Channel
from apps.notifications.services import alert_enqueue

from . import selectors
from .models import Budget
from .vocabulary import (
    ALLOCATION_KEYS,
    DEFAULT_FORECAST_THRESHOLDS,
    DEFAULT_THRESHOLDS,
    SCOPE_KEYS,
    BudgetPeriod,
    EventKind,
    alloc_dimension_key,
)

MAX_AMOUNT = Decimal("1e17")
MAX_THRESHOLD = 1000
# BudgetEvent's table (budgets_budgetevent) and its unique constraint budgets_event_once.
INSERT_EVENT = (
    'INSERT INTO "budgets_budgetevent" (budget_id, period_start, kind, threshold, fired_at, actual, forecast) '
    "VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (budget_id, period_start, kind, threshold) DO NOTHING RETURNING id"
)
ALERT_KINDS = {EventKind.ACTUAL: "budget_actual", EventKind.FORECAST: "budget_forecast"}


# --- validation ---------------------------------------------------------------------------------------------------

def _clean_amount(value: Any, errors: dict) -> Decimal | None:
    try:
        amount = Decimal(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        errors["amount"] = _("Enter the budget amount as a number.")
        return None
    if not amount.is_finite():
        errors["amount"] = _("Enter the budget amount as a number.")
    elif amount <= 0:
        errors["amount"] = _("The budget amount must be greater than zero.")
    elif amount >= MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = _("The budget amount has at most two decimal places and 15 digits before them.")
    else:
        return amount
    return None


def _clean_thresholds(value: Any, field: str, errors: dict) -> list[int]:
    if not isinstance(value, (list, tuple)):
        errors[field] = _("Thresholds are a list of percents, e.g. 50, 80, 100.")
        return []
    found = set()
    for item in value:
        if isinstance(item, bool):
            errors[field] = _("Thresholds are a list of percents, e.g. 50, 80, 100.")
            return []
        try:
            number = Decimal(str(item))
        except (InvalidOperation, ValueError):
            errors[field] = _("Thresholds are a list of percents, e.g. 50, 80, 100.")
            return []
        if not number.is_finite() or number != number.to_integral_value() or not 1 <= number <= MAX_THRESHOLD:
            errors[field] = _("A threshold is a whole percent from 1 to %(max)s.") % {"max": MAX_THRESHOLD}
            return []
        found.add(int(number))
    return sorted(found)


def _clean_scope(value: Any, errors: dict) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors["scope"] = _("The scope is an object with the keys provider, connection, service, region, tag, "
                            "alloc:allocation_method, alloc:allocated_resource.")
        return {}
    dimensions = {str(key) for key in value if alloc_dimension_key(str(key)) is not None}
    unknown = sorted(set(value) - set(SCOPE_KEYS) - dimensions)
    if unknown:
        errors["scope"] = _("Unknown scope keys: %(keys)s. Allowed: provider, connection, service, region, "
                            "tag, alloc:allocation_method, alloc:allocated_resource.") % {
            "keys": ", ".join(map(str, unknown))}
        return {}
    scope: dict[str, Any] = {}
    for key in ("provider", "service", "region", *ALLOCATION_KEYS):
        item = value.get(key)
        if item in (None, ""):
            continue
        if not isinstance(item, str) or len(item) > 255:
            errors["scope"] = _("The scope's %(key)s is a text of at most 255 characters.") % {"key": key}
            return {}
        scope[key] = item.strip()
    if dimensions and not _clean_alloc_scope(value, sorted(dimensions), scope, errors):
        return {}
    connection = value.get("connection")
    if connection not in (None, ""):
        try:
            scope["connection"] = int(connection)
        except (TypeError, ValueError):
            errors["scope"] = _("The scope's connection is a connection ID.")
            return {}
        if isinstance(connection, bool) or scope["connection"] < 1:
            errors["scope"] = _("The scope's connection is a connection ID.")
            return {}
    tag = value.get("tag")
    if tag not in (None, "", {}):
        if not isinstance(tag, dict) or not isinstance(tag.get("key"), str) or not tag["key"].strip() \
                or not isinstance(tag.get("value") or "", str):
            errors["scope"] = _("The scope's tag is an object {key, value}.")
            return {}
        scope["tag"] = {"key": tag["key"].strip(), "value": (tag.get("value") or "").strip() or None}
    return scope


def _clean_alloc_scope(value: dict, keys: list[str], scope: dict[str, Any], errors: dict) -> bool:
    """``alloc:<dimension key>: <value>``: a dimension of the organization and one of its values (a text)."""
    from apps.allocation.selectors import dimension_keys

    known = set(dimension_keys())
    missing = [key for key in keys if alloc_dimension_key(key) not in known]
    if missing:
        errors["scope"] = _("Unknown allocation dimensions in the scope: %(keys)s.") % {"keys": ", ".join(missing)}
        return False
    for key in keys:
        item = value[key]
        if item in (None, ""):
            continue
        if not isinstance(item, str) or not item.strip() or len(item) > 255:
            errors["scope"] = _("The scope's %(key)s is a text of at most 255 characters.") % {"key": key}
            return False
        scope[key] = item.strip()
    return True


def _clean_channels(value: Any, errors: dict) -> list[Channel] | None:
    if value is None:
        return None
    try:
        ids = {int(item) for item in value if not isinstance(item, bool)}
    except (TypeError, ValueError):
        errors["channels"] = _("Channels are a list of channel IDs.")
        return None
    channels = list(Channel.objects.filter(pk__in=ids))
    missing = ids - {c.pk for c in channels}
    if missing:
        errors["channels"] = _("No such notification channels: %(ids)s.") % {
            "ids": ", ".join(str(i) for i in sorted(missing))}
        return None
    return channels


def _raise(errors: dict) -> None:
    if errors:
        first = next(iter(errors.values()))
        raise ApplicationError(first, extra={"fields": errors, "field": next(iter(errors))})


def _apply(budget: Budget, values: dict[str, Any]) -> list[Channel] | None:
    errors: dict[str, str] = {}
    if "name" in values:
        name = str(values["name"] or "").strip()
        if not name:
            errors["name"] = _("Give the budget a name.")
        elif len(name) > 200:
            errors["name"] = _("The name is at most 200 characters.")
        budget.name = name
    if "amount" in values:
        budget.amount = _clean_amount(values["amount"], errors)
    if "period" in values:
        if values["period"] not in BudgetPeriod.values:
            errors["period"] = _("The period is month, quarter or year.")
        budget.period = values["period"]
    if "scope" in values:
        budget.scope = _clean_scope(values["scope"], errors)
    if "thresholds" in values:
        budget.thresholds = _clean_thresholds(values["thresholds"], "thresholds", errors)
    if "forecast_thresholds" in values:
        budget.forecast_thresholds = _clean_thresholds(values["forecast_thresholds"], "forecast_thresholds", errors)
    channels = _clean_channels(values.get("channels"), errors) if "channels" in values else None
    _raise(errors)
    return channels


def _audit(action: str, actor, budget: Budget) -> None:
    if actor is None:
        return
    audit_event_record(schema_name=db_connection.schema_name, action=action, actor=actor,
                       target=f"{budget.name} (#{budget.pk})"[:254],
                       data={"amount": str(budget.amount), "period": budget.period, "scope": budget.scope})


# --- CRUD ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def budget_create(*, actor, name: str, amount: Any, period: str = BudgetPeriod.MONTH, scope: dict | None = None,
                  thresholds: list | None = None, forecast_thresholds: list | None = None,
                  channels: list | None = None) -> Budget:
    """A new budget; ``ApplicationError`` (Russian, per field in ``extra["fields"]``) on bad input. An overlapping
    budget of the same period is allowed (``selectors.budget_overlaps`` reports it)."""
    budget = Budget(created_by_id=getattr(actor, "pk", None))
    values = {"name": name, "amount": amount, "period": period, "scope": scope or {},
              "thresholds": DEFAULT_THRESHOLDS if thresholds is None else thresholds,
              "forecast_thresholds": DEFAULT_FORECAST_THRESHOLDS if forecast_thresholds is None
              else forecast_thresholds,
              "channels": channels or []}
    chosen = _apply(budget, values)
    budget.save()
    budget.channels.set(chosen or [])
    _audit("budget.created", actor, budget)
    return budget


@transaction.atomic
def budget_update(*, budget: Budget, actor, **values: Any) -> Budget:
    """Change the given fields (name, amount, period, scope, thresholds, forecast_thresholds, channels). Events
    already recorded stay: a threshold that fired this period does not fire again."""
    chosen = _apply(budget, {k: v for k, v in values.items() if k in (
        "name", "amount", "period", "scope", "thresholds", "forecast_thresholds", "channels")})
    budget.save()
    if chosen is not None:
        budget.channels.set(chosen)
    _audit("budget.updated", actor, budget)
    return budget


def budget_delete(*, budget: Budget, actor) -> None:
    _audit("budget.deleted", actor, budget)
    budget.delete()


# --- evaluation ---------------------------------------------------------------------------------------------------

def _insert_event(*, budget: Budget, period_start, kind: str, threshold: int, now: datetime, actual: Decimal,
                  forecast: Decimal | None) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING: the new row's id, or None when the threshold already fired."""
    with db_connection.cursor() as cursor:
        cursor.execute(INSERT_EVENT, [budget.pk, period_start, kind, threshold, now, actual, forecast])
        row = cursor.fetchone()
    return row[0] if row else None


def _period_label(status: selectors.BudgetStatus) -> str:
    return _("%(start)s – %(end)s") % {"start": date_format(status.period_start, "j E Y"),
                                        "end": date_format(status.period_end, "j E Y")}


def _alert_texts(status: selectors.BudgetStatus, kind: str, threshold: int) -> tuple[str, str]:
    budget, cur, forecast = status.budget, status.currency, status.forecast
    common = {"name": budget.name, "threshold": threshold, "amount": format_money(budget.amount, cur),
              "actual": format_money(status.actual, cur), "percent": format_percent(status.percent_used, places=1),
              "period": _period_label(status), "forecast": format_money(forecast.forecast, cur),
              "lower": format_money(forecast.lower, cur), "upper": format_money(forecast.upper, cur),
              "forecast_percent": format_percent(status.forecast_percent, places=1)}
    if kind == EventKind.ACTUAL:
        title = _("Budget «%(name)s»: %(threshold)s %% spent") % common
        text = _("Spend of «%(name)s» for %(period)s reached %(actual)s, %(percent)s of the budget of "
                 "%(amount)s (threshold %(threshold)s %%).") % common
        if forecast.forecast is not None:
            text += " " + _("Forecast for the end of the period: %(forecast)s.") % common
        return title, text
    title = _("Budget «%(name)s»: the forecast reaches %(threshold)s %%") % common
    text = _("At the current pace, spend of «%(name)s» for %(period)s will be %(forecast)s (80 %% band "
             "%(lower)s – %(upper)s), %(forecast_percent)s of the budget of %(amount)s (threshold %(threshold)s "
             "%%). Spent so far: %(actual)s.") % common
    return title, text


def _evaluate_one(budget: Budget, now: datetime, currency: str, counts: dict[str, int]) -> None:
    status = selectors.budget_status(budget=budget, today=timezone.localdate(now), currency=currency)
    crossed: list[tuple[str, int]] = [(EventKind.ACTUAL, t) for t in budget.thresholds
                                      if status.actual * 100 >= budget.amount * t]
    if status.forecast.forecast is not None:
        crossed += [(EventKind.FORECAST, t) for t in budget.forecast_thresholds
                    if status.forecast.forecast * 100 >= budget.amount * t]
    if not crossed:
        return
    channel_ids = [c.pk for c in budget.channels.all()] or None
    link = absolute_url(reverse("budget_detail", args=[budget.pk]))
    for kind, threshold in crossed:
        with transaction.atomic():
            event_id = _insert_event(budget=budget, period_start=status.period_start, kind=kind, threshold=threshold,
                                     now=now, actual=status.actual, forecast=status.forecast.forecast)
            if event_id is None:
                continue
            counts["events"] += 1
            title, text = _alert_texts(status, kind, threshold)
            alerts = alert_enqueue(kind=ALERT_KINDS[kind], subject_type="budget", subject_id=str(budget.pk),
                                   dedup_key=f"budget:{budget.pk}:{status.period_start.isoformat()}:{kind}:{threshold}",
                                   title=title, text=text, link=link, channel_ids=channel_ids)
            counts["alerts"] += len(alerts)


def budgets_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """The check step: every budget of the current organization against its period holding ``now`` (Moscow);
    returns the counts ``budgets``, ``events`` (thresholds that fired now) and ``alerts`` (rows queued)."""
    now = now or timezone.now()
    counts = {"budgets": 0, "events": 0, "alerts": 0}
    currency = selectors.organization_currency()
    with translation.override(settings.LANGUAGE_CODE):  # alerts are written in the organization's language
        for budget in selectors.budget_list():
            counts["budgets"] += 1
            _evaluate_one(budget, now, currency, counts)
    return counts
