"""Reads: the rules' context (a fixed number of queries whatever the number of resources), findings, summaries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.costs.selectors.ledger import organization_currency
from apps.costs.selectors.resource_spend import resource_spend_last_days
from apps.currency.exceptions import RateMissing
from apps.currency.selectors import convert
from apps.inventory.models import Resource, ResourceMetricSummary, ResourceTag
from apps.inventory.vocabulary import MetricName, ResourceKind
from apps.providers.models import ProviderConnection

from . import registry
from .calendar import non_working_days
from .context import Context, MetricSummary, ResourceView, UsageLine
from .models import EvaluationRun, Finding, Policy, RuleSetting
from .vocabulary import POTENTIAL_STATUSES, Category, PolicyKind, Status

COST_DAYS = 30
PROFILE_DAYS = 28  # four whole weeks of hour-of-week slots
PROFILE_METRICS = (MetricName.CPU_PERCENT, MetricName.NETWORK_MBPS)
PROFILE_KINDS = (ResourceKind.COMPUTE, ResourceKind.DATABASE)
PROFILE_WORK_MEM = "64MB"  # the hour profiles' aggregation in memory (about 2 000 resources' slots)
BUSINESS_FIELDS = ("team", "business_unit", "project", "feature_tag", "cost_center", "purpose")
RESOURCE_FIELDS = ("pk", "connection_id", "provider", "resource_id", "resource_name", "resource_type", "kind",
                   "status", "region", "specs", "provider_config", "environment", "owner", "monthly_cost", "currency",
                   "created_at_provider", "first_seen_at", "pricing_model", *BUSINESS_FIELDS)



def context_build(*, connection_id: int | None = None, now: datetime | None = None) -> Context:
    """The rules' ``Context`` for the organization's live resources (or one connection's)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    currency = organization_currency()
    live = {"is_deleted": False} if connection_id is None else {"is_deleted": False, "connection_id": connection_id}
    rows = list(Resource.objects.filter(**live).order_by("pk").values_list(*RESOURCE_FIELDS))
    tags: dict[int, dict[str, str]] = {}
    for resource_pk, key, value in _of_resources(ResourceTag.objects, live).values_list("resource_id", "key", "value"):
        tags.setdefault(resource_pk, {})[key] = value
    spend = resource_spend_last_days([(row[1], row[3]) for row in rows], COST_DAYS)
    rates: dict[str, Decimal | None] = {}
    resources = []
    for (pk, conn, provider, rid, name, rtype, kind, status, region, specs, config, env, owner, monthly, cur,
         created, first_seen, pricing_model, *business) in rows:
        resources.append(ResourceView(
            pk=pk, connection_id=conn, provider=provider, resource_id=rid, name=name, resource_type=rtype, kind=kind,
            status=status, region=region, specs=specs or {}, config=config or {}, tags=tags.get(pk, {}),
            environment=env, owner=owner or tags.get(pk, {}).get("owner", ""),
            monthly_price=_converted(monthly, cur, currency, today, rates), spend=spend.get((conn, rid)),
            created_at=created, first_seen_at=first_seen, pricing_model=pricing_model or "",
            business={"owner": owner, "environment": env, **dict(zip(BUSINESS_FIELDS, business, strict=True))}))
    context = Context(now=now, currency=currency, resources=resources, cost_days=COST_DAYS,
                      summaries=_summaries(live), holidays=non_working_days(today - timedelta(days=60),
                                                                          today + timedelta(days=60)))
    profiled = [r.pk for r in resources if r.kind in PROFILE_KINDS and r.is_non_production]
    context.hour_profiles = hour_profiles(profiled, now=now)
    context.usage = _usage([(r.pk, r.connection_id, r.resource_id) for r in resources], today=today,
                           currency=currency)
    context.accounts = _accounts(connection_id)
    return context


def _of_resources(manager, live: Mapping[str, Any]):
    """Rows of the resources ``live`` selects, through a join (no list of primary keys: a fixed query)."""
    return manager.filter(**{f"resource__{name}": value for name, value in live.items()})


def _converted(amount, from_currency: str, to_currency: str, day, rates: dict) -> Decimal | None:
    if amount is None:
        return None
    if (from_currency or to_currency).upper() == to_currency.upper():
        return Decimal(amount)
    code = from_currency.upper()
    if code not in rates:
        try:
            rates[code] = convert(amount=Decimal(1), from_currency=code, to_currency=to_currency, day=day)
        except RateMissing:
            rates[code] = None
    return Decimal(amount) * rates[code] if rates[code] is not None else None


def _summaries(live: Mapping[str, Any]) -> dict[int, dict[str, MetricSummary]]:
    found: dict[int, dict[str, MetricSummary]] = {}
    rows = _of_resources(ResourceMetricSummary.objects, live).values_list(
        "resource_id", "metric", "avg", "p95", "max", "min", "points", "period_start", "period_end")
    for pk, metric, avg, p95, high, low, points, start, end in rows:
        found.setdefault(pk, {})[metric] = MetricSummary(metric=metric, avg=avg, p95=p95, max=high, min=low,
                                                         points=points, start=start, end=end)
    return found


def hour_profiles(pks: list[int], *, now: datetime, days: int = PROFILE_DAYS,
                  metrics: Iterable[str] = PROFILE_METRICS) -> dict[int, dict[str, list[Decimal | None]]]:
    """Each resource's hour-of-week profile per metric (168 slots from Monday 00:00 Moscow time): the highest
    sample in the slot over the last ``days`` days, None for a slot without samples. One query (the slots of a
    resource's metric come as two arrays: a row per slot would hold every one as a tuple in memory at once)."""
    if not pks:
        return {}
    sql = """
        SELECT resource_id, metric, array_agg(slot), array_agg(peak)
        FROM (
            SELECT resource_id, metric,
                   ((extract(isodow FROM ts AT TIME ZONE 'Europe/Moscow')::int - 1) * 24
                     + extract(hour FROM ts AT TIME ZONE 'Europe/Moscow')::int) AS slot,
                   max(value) AS peak
            FROM inventory_metricpoint
            WHERE resource_id = ANY(%s) AND metric = ANY(%s) AND ts >= %s AND ts <= %s
            GROUP BY 1, 2, 3
        ) slots
        GROUP BY 1, 2
    """
    found: dict[int, dict[str, list[Decimal | None]]] = {}
    with transaction.atomic(), db_connection.cursor() as cursor:
        # One group per resource, metric and slot (168 x 2 per resource): the default work_mem spills the hash to
        # disk from a few hundred resources on; raised for this statement only, then put back.
        cursor.execute("SELECT current_setting('work_mem'), set_config('work_mem', %s, true)", [PROFILE_WORK_MEM])
        previous = cursor.fetchone()[0]
        cursor.execute(sql, [list(pks), [str(m) for m in metrics], now - timedelta(days=days), now])
        rows = cursor.fetchall()
        cursor.execute("SELECT set_config('work_mem', %s, true)", [previous])
    for pk, metric, slots, values in rows:
        profile: list[Decimal | None] = [None] * 168
        for slot, value in zip(slots, values, strict=True):
            profile[slot] = value
        found.setdefault(pk, {})[metric] = profile
    return found


def _usage(resources: list[tuple[int, int, str]], *, today, currency: str) -> dict[int, list[UsageLine]]:
    """What the ledger charged each resource per SKU over the last ``COST_DAYS`` days, converted at today's rate."""
    if not resources:
        return {}
    by_key = {(conn, rid): pk for pk, conn, rid in resources if rid}
    ids = sorted({rid for _conn, rid in by_key})
    sql = """
        SELECT connection_id, resource_id, sku_id, min(charge_description), pricing_unit, billing_currency,
               sum(coalesce(pricing_quantity, 0)), sum(billed_cost), count(DISTINCT charge_date)
        FROM costs_costrecord
        WHERE charge_date BETWEEN %s AND %s AND resource_id = ANY(%s)
        GROUP BY connection_id, resource_id, sku_id, pricing_unit, billing_currency
    """
    single = {}
    for (_conn, rid), pk in by_key.items():
        single.setdefault(rid, []).append(pk)
    rates: dict[str, Decimal | None] = {}
    found: dict[int, list[UsageLine]] = {}
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [today - timedelta(days=COST_DAYS - 1), today, ids])
        for conn, rid, sku, description, unit, cur, quantity, cost, days in cursor.fetchall():
            pk = by_key.get((conn, rid)) if conn is not None else (
                single[rid][0] if len(single.get(rid, ())) == 1 else None)
            cost = _converted(cost, cur, currency, today, rates)
            if pk is None or cost is None:
                continue
            found.setdefault(pk, []).append(UsageLine(sku_id=sku, description=description or "", pricing_unit=unit,
                                                      quantity=quantity, cost=cost, days=days))
    return found


def _accounts(connection_id: int | None) -> dict[int, Mapping[str, Any]]:
    rows = ProviderConnection.objects.all()
    if connection_id is not None:
        rows = rows.filter(pk=connection_id)
    return {pk: dict(info or {}, provider=provider, name=name)
            for pk, info, provider, name in rows.values_list("pk", "account_info", "provider", "name")}


# --- findings ---------------------------------------------------------------------------------------------------

def finding_list(*, filters: Mapping[str, Any] | None = None,
                 queryset: QuerySet[Finding] | None = None) -> QuerySet[Finding]:
    """Findings (of ``queryset`` when given), largest savings first, filtered by ``status`` / ``category`` /
    ``rule`` / ``provider`` / ``confidence`` / ``policy`` (each a list; ``policy`` also one id) and ``resource``
    (a pk) and ``min_savings``."""
    filters = filters or {}
    rows = (queryset if queryset is not None else Finding.objects.all()).select_related("resource", "policy")
    for field in ("status", "category", "rule", "provider", "confidence"):
        values = filters.get(field)
        if values:
            rows = rows.filter(**{f"{field}__in": list(values)})
    if filters.get("policy"):
        policies = filters["policy"]
        rows = rows.filter(policy_id__in=[policies] if isinstance(policies, int) else list(policies))
    if filters.get("resource"):
        rows = rows.filter(Q(resource_id=filters["resource"]) | Q(related_resource_ids__contains=[filters["resource"]]))
    if filters.get("min_savings") is not None:
        rows = rows.filter(estimated_monthly_savings__gte=filters["min_savings"])
    # Findings without savings (policy violations, security) last: PostgreSQL sorts NULL first when descending.
    return rows.order_by(F("estimated_monthly_savings").desc(nulls_last=True), "id")


def finding_get(*, pk: Any) -> Finding:
    return Finding.objects.select_related("resource", "policy").get(pk=pk)


def findings_summary() -> dict[str, Any]:
    """Potential savings (open and accepted findings outside policies), realized savings (measured), and counts by
    category and status. Two queries."""
    totals = Finding.objects.aggregate(
        potential=Sum("estimated_monthly_savings",
                      filter=Q(status__in=POTENTIAL_STATUSES) & ~Q(category=Category.POLICY)),
        realized=Sum("realized_monthly_savings", filter=Q(status=Status.VERIFIED)),
        verified=Count("id", filter=Q(status=Status.VERIFIED)),
    )
    by_category: dict[str, int] = {c: 0 for c in Category.values}
    open_by_category: dict[str, int] = {c: 0 for c in Category.values}
    savings_by_category: dict[str, Decimal] = {c: Decimal(0) for c in Category.values}
    by_status: dict[str, int] = {s: 0 for s in Status.values}
    for row in Finding.objects.order_by().values("category", "status").annotate(
            n=Count("id"), savings=Sum("estimated_monthly_savings")):
        by_category[row["category"]] = by_category.get(row["category"], 0) + row["n"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["status"] in POTENTIAL_STATUSES:
            open_by_category[row["category"]] = open_by_category.get(row["category"], 0) + row["n"]
            if row["category"] != Category.POLICY:
                savings_by_category[row["category"]] += row["savings"] or Decimal(0)
    return {
        "currency": organization_currency(),
        "potential_monthly_savings": totals["potential"] or Decimal("0.00"),
        "realized_monthly_savings": totals["realized"] if totals["verified"] else None,
        "by_category": by_category,
        "open_by_category": open_by_category,
        "potential_by_category": savings_by_category,
        "by_status": by_status,
    }


def evaluation_latest() -> EvaluationRun | None:
    return EvaluationRun.objects.order_by("-created_at", "-id").first()


def evaluation_get(*, pk: Any) -> EvaluationRun:
    return EvaluationRun.objects.get(pk=pk)


def evaluation_active() -> EvaluationRun | None:
    return EvaluationRun.objects.filter(status__in=("queued", "running")).order_by("-created_at").first()


def policy_list() -> QuerySet[Policy]:
    return Policy.objects.all()


def policy_open_violations() -> dict[int, int]:
    """``{policy pk: number of its open violations}`` (policies without any are left out). One query."""
    return dict(Finding.objects.filter(category=Category.POLICY, status=Status.OPEN).exclude(policy=None)
                .order_by().values("policy").annotate(n=Count("id")).values_list("policy", "n"))


def tag_governance_policy() -> Policy | None:
    """The organization's tag governance: its first «required tags» policy that applies to every resource
    (empty scope), whose ``params`` hold the required keys (``tags``) and allowed values (``allowed``)."""
    return (Policy.objects.filter(kind=PolicyKind.REQUIRED_TAGS, scope={}).order_by("id").first())


def policy_get(*, pk: Any) -> Policy:
    return Policy.objects.get(pk=pk)


def violation_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Finding]:
    """Findings of the guardrail policies (category ``policy``), filtered as ``finding_list``."""
    return finding_list(filters={**(filters or {}), "category": [Category.POLICY]})


def rule_settings() -> list[dict[str, Any]]:
    """Every registered rule with the organization's setting: enabled, and each parameter's default, bounds and
    current value (the stored override, else the default). One query."""
    stored = {s.rule: s for s in RuleSetting.objects.all()}
    found = []
    for rule in registry.rules():
        setting = stored.get(rule.key)
        values = registry.effective_params(rule, setting.params if setting is not None else None)
        found.append({
            "key": rule.key, "title": str(rule.title), "description": str(rule.description),
            "category": rule.category, "enabled": setting.enabled if setting is not None else True,
            "params": [{"key": p.key, "label": str(p.label), "default": p.default, "value": values[p.key],
                        "minimum": p.minimum, "maximum": p.maximum, "unit": p.unit, "integer": p.integer}
                       for p in rule.params],
        })
    return found


# --- pages -------------------------------------------------------------------------------------------------------

def finding_history(*, finding: Finding) -> QuerySet:
    """The audit events of ``finding``'s state changes (who did what, when), newest first."""
    return AuditEvent.objects.filter(action__startswith="recommendation.", data__finding=finding.pk).order_by(
        "-created_at", "-id")


def finding_providers() -> list[str]:
    """The providers that have findings (the page's provider filter)."""
    return sorted(p for p in Finding.objects.exclude(provider="").order_by().values_list("provider", flat=True)
                  .distinct())


def findings_top(*, limit: int = 5) -> list[Finding]:
    """The open findings with the largest savings (the dashboard's panel)."""
    return list(Finding.objects.select_related("resource").filter(status=Status.OPEN)
                .exclude(estimated_monthly_savings=None).order_by("-estimated_monthly_savings", "id")[:limit])


def resource_findings(*, resource_pk: int) -> list[Finding]:
    """The findings about one resource (its own and those that cover it), closed ones left out."""
    return list(finding_list(filters={"resource": resource_pk}).exclude(status=Status.CLOSED))
