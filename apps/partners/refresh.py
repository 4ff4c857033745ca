"""The console's figures of one client organization, computed INSIDE the client's schema and written to the public
tables (``ClientSnapshot``, ``ClientMonthCost``): the console page and API only read those, never a tenant schema.

``client_figures_refresh()`` runs in the active schema (a worker enters it with ``apps.common.tasks.run_in_tenant``;
``partner_clients_refresh_now`` enters each client's schema in turn). Public tables are reachable from a tenant
connection (django-tenants' search_path ends with ``public``).

Figures (the organization's currency, billed cost — FOCUS BilledCost converted at the charge date's rate — from the
daily rollup, month to date in the organization's time zone):
- spend_month: the 1st of the month .. today; spend_prev_month: the whole previous month;
- forecast_month: the month-end forecast of the whole organization (apps.budgets), the spend so far without one;
- potential_savings: the monthly savings of the open and accepted recommendations;
- budget_status: over (a budget's spend is at or past its amount), at risk (a forecast past it), ok, none;
- runway_days: the smallest balance runway over the connections that report a balance (whole days, rounded down);
- sync_health / last_sync_at: the latest run of every connection; open_alerts: open anomalies;
- ClientMonthCost for the last 13 months (this one included) by provider and service, then the current month's
  bill (``billing.bill_for_month``): billed_month without VAT and vat_month.
On failure the last figures stay and ``error`` says what went wrong.
"""

from __future__ import annotations

import logging
import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.anomalies.selectors import anomaly_list
from apps.anomalies.vocabulary import Status as AnomalyStatus
from apps.budgets.forecasting import add_months
from apps.budgets.selectors import budget_forecast, budget_status_list, runway_list
from apps.costs.models import CostDaily
from apps.costs.selectors.spend import Period, spend_total
from apps.providers.models import SyncStatus
from apps.providers.selectors import connection_list, sync_run_latest
from apps.recommendations.selectors import findings_summary
from apps.tenants.models import Organization

from .billing import bill_for_month
from .models import ClientMonthCost, ClientSnapshot
from .vocabulary import BudgetState, SyncHealth

logger = logging.getLogger(__name__)

MONTHS_KEPT = 13
STALE_AFTER = timedelta(days=1)
ZERO = Decimal("0.00")


# The first key of the advisory lock that serializes refreshes of one organization (the second is its id).
CONSOLE_REFRESH_LOCK = 0x1A2B


def current_organization() -> Organization | None:
    return Organization.objects.filter(schema_name=connection.schema_name).select_related("partner").first()


def _period(start: date, end: date) -> Period:
    return Period(days=(end - start).days + 1, start=start, end=end)


def _budget_state(today: date) -> str:
    statuses = budget_status_list(today=today)
    if not statuses:
        return BudgetState.NONE
    if any(s.percent_used >= 100 for s in statuses):
        return BudgetState.OVER
    if any((s.forecast_percent or 0) > 100 for s in statuses):
        return BudgetState.AT_RISK
    return BudgetState.OK


def _runway_days(today: date) -> int | None:
    days = [r.days_left for r in runway_list(today=today) if r.days_left is not None]
    return math.floor(min(days)) if days else None


def _sync_health(now: datetime) -> tuple[str, datetime | None]:
    connections = list(connection_list())
    if not connections:
        return SyncHealth.NONE, None
    statuses = []
    for item in connections:
        run = sync_run_latest(connection=item)
        if run is not None:
            statuses.append(run.status)
    synced = [c.last_sync_at for c in connections if c.last_sync_at]
    last = max(synced) if synced else None
    failed = sum(1 for s in statuses if s == SyncStatus.ERROR)
    if failed and failed == len(connections):
        return SyncHealth.ERROR, last
    if failed or SyncStatus.PARTIAL in statuses:
        return SyncHealth.PARTIAL, last
    if len(synced) < len(connections) or now - min(synced) > STALE_AFTER:
        return SyncHealth.STALE, last
    return SyncHealth.OK, last


def _month_costs_write(organization: Organization, first_month: date, today: date) -> None:
    """The client's billed cost by month, provider (FOCUS ProviderName) and service (ServiceName), from the daily
    rollup in the organization's currency (days without an exchange rate are left out, as on the dashboard)."""
    rows = (CostDaily.objects.filter(charge_date__range=(first_month, today), billed_cost_org__isnull=False)
            .order_by().annotate(month=TruncMonth("charge_date"))
            .values("month", "provider_name", "service_name").annotate(cost=Sum("billed_cost_org")))
    ClientMonthCost.objects.filter(organization=organization).delete()
    ClientMonthCost.objects.bulk_create([
        ClientMonthCost(organization=organization, partner_id=organization.partner_id, month=row["month"],
                        provider=row["provider_name"][:100], service=row["service_name"][:200],
                        currency=organization.currency, cost=row["cost"])
        for row in rows
    ])


def _figures(organization: Organization, now: datetime) -> dict:
    today = now.astimezone(ZoneInfo(organization.timezone)).date()
    month = today.replace(day=1)
    prev_start = add_months(month, -1)
    spend, _rows, _unconverted = spend_total(period=_period(month, today))
    prev, _rows, _unconverted = spend_total(period=_period(prev_start, month - timedelta(days=1)))
    _currency, forecast = budget_forecast(scope={}, period="month", today=today)
    health, last_sync = _sync_health(now)
    _month_costs_write(organization, add_months(month, -(MONTHS_KEPT - 1)), today)
    bill = bill_for_month(organization=organization, month=month)
    return {
        "partner_id": organization.partner_id,
        "currency": organization.currency,
        "month": month,
        "spend_month": spend,
        "spend_prev_month": prev,
        "forecast_month": forecast.forecast if forecast.forecast is not None else spend,
        "potential_savings": findings_summary()["potential_monthly_savings"] or ZERO,
        "billed_month": bill.subtotal,
        "vat_month": bill.vat,
        "budget_status": _budget_state(today),
        "runway_days": _runway_days(today),
        "sync_health": health,
        "last_sync_at": last_sync,
        "open_alerts": anomaly_list(status=[AnomalyStatus.OPEN]).count(),
        "refreshed_at": now,
        "error": "",
    }


def client_figures_refresh(*, now: datetime | None = None) -> ClientSnapshot | None:
    """Recompute the console row of the organization whose schema is active; None when it has no partner."""
    organization = current_organization()
    if organization is None or organization.partner_id is None:
        return None
    now = now or timezone.now()
    try:
        with transaction.atomic(), timezone.override(ZoneInfo(organization.timezone)):
            # One refresh of an organization at a time (a sync's step and a nightly or manual refresh may meet):
            # the second waits for the first's commit, then rewrites the month costs itself.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CONSOLE_REFRESH_LOCK, organization.pk])
            figures = _figures(organization, now)
            snapshot, _created = ClientSnapshot.objects.update_or_create(organization=organization,
                                                                         defaults=figures)
        return snapshot
    except Exception as exc:  # keep the last figures; the console shows the error
        logger.exception("console figures of %s could not be refreshed", organization.slug)
        snapshot, _created = ClientSnapshot.objects.get_or_create(
            organization=organization,
            defaults={"partner_id": organization.partner_id, "currency": organization.currency,
                      "month": now.date().replace(day=1)})
        snapshot.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        snapshot.save(update_fields=["error"])
        return snapshot
