"""The demo's cost allocation, set up the way a user would: dimension values, a few rules (by resource name, by
tag, by the cloud folder or project, by service), one shared cost split in proportion to cost, and the business
metric «Заказы» for the unit-cost page. Then the history is recalculated at once (no worker needed), so the
demo is allocated when ``seed_demo`` returns.

Idempotent: rules, values, shared costs and metrics are found by name (or key) and brought to what is written
here; a second seed adds nothing. Dates are relative to today, as the demo's ledger is (``estate``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.allocation.models import (
    BusinessMetric,
    BusinessMetricValue,
    Dimension,
    DimensionValue,
    Rule,
    SharedCost,
)
from apps.allocation.services import builtin_dimensions_ensure, definitions_changed
from apps.allocation.vocabulary import MetricGranularity, SplitMethod
from apps.business.services_rules import rule_create, rule_update
from apps.business.splits import shared_cost_create, shared_cost_update
from apps.costs.services.allocation_apply import allocation_history_apply

from .estate import SEED, SEL_PROJECT, YC_FOLDER

BU, ENV = "business_unit", "environment"
# "suggestion:..." marks rules accepted from the suggestions (tags the estate already carries).
SUGGESTED = "suggestion:demo"
MANUAL = "demo"

DEMO_VALUES: dict[str, tuple[tuple[str, str], ...]] = {
    BU: (("shop", "Интернет-магазин: витрина, API, база заказов, медиа"),
         ("crm", "CRM и биллинг: клиентская база"),
         ("analytics", "Аналитика: отчёты, ETL, ML-эксперименты"),
         ("platform", "Платформа: резервные копии и общая инфраструктура"),
         ("marketing", "Маркетинг: промо-лендинги")),
    ENV: (("prod", "Продакшн"), ("stage", "Стенд предрелизной проверки"), ("dev", "Разработка и эксперименты")),
}


@dataclass(frozen=True)
class DemoRule:
    name: str
    conditions: list[dict[str, Any]]
    actions: dict[str, str]
    source: str = MANUAL


def _c(field_name: str, op: str, value: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"field": field_name, "op": op}
    if op != "exists":
        out["value"] = value
    return out


# In order: the first matching rule per dimension wins.
DEMO_RULES: tuple[DemoRule, ...] = (
    # Environment
    DemoRule("Окружение: stage по имени ресурса", [_c("name", "regex", r"^stage-")], {ENV: "stage"}),
    DemoRule("Окружение: песочница и dev по тегу env", [_c("tag:env", "in", ["sandbox", "dev"])], {ENV: "dev"},
             SUGGESTED),
    DemoRule("Окружение: prod по тегу env", [_c("tag:env", "equals", "prod")], {ENV: "prod"}, SUGGESTED),
    DemoRule("Окружение: папка prod в Yandex Cloud", [_c("hierarchy", "equals", YC_FOLDER)], {ENV: "prod"}),
    DemoRule("Окружение: проект Selectel «My First Project»", [_c("hierarchy", "equals", SEL_PROJECT)],
             {ENV: "prod"}),
    # Business unit
    DemoRule("Магазин: витрина по тегу project", [_c("tag:project", "equals", "storefront")], {BU: "shop"},
             SUGGESTED),
    DemoRule("Магазин: серверы, база и медиа витрины по имени",
             [_c("name", "regex", r"^(web-prod-|api-prod-|pg-prod|lb-storefront|media-assets|stage-app-)")],
             {BU: "shop"}),
    DemoRule("CRM: база клиентов и биллинга", [_c("name", "regex", r"^db-master-")], {BU: "crm"}),
    DemoRule("Аналитика: серверы отчётов по имени", [_c("name", "regex", r"^analytics-")], {BU: "analytics"}),
    DemoRule("Аналитика: команды данных и ML по тегу team", [_c("tag:team", "in", ["analytics", "data", "ml"])],
             {BU: "analytics"}, SUGGESTED),
    DemoRule("Платформа: резервные копии в Object Storage",
             [_c("provider", "equals", "yandex"), _c("service", "equals", "Object Storage")], {BU: "platform"}),
    DemoRule("Маркетинг: промо-лендинг", [_c("tag:project", "equals", "promo")], {BU: "marketing"}, SUGGESTED),
)


@dataclass(frozen=True)
class DemoSplit:
    name: str
    conditions: list[dict[str, Any]]
    dimension: str
    targets: tuple[str, ...]
    method: str = SplitMethod.PROPORTIONAL


DEMO_SPLITS: tuple[DemoSplit, ...] = (
    # The shared network of Yandex Cloud: public addresses and outgoing traffic of no particular resource.
    DemoSplit("Сеть Yandex Cloud: публичные IP и исходящий трафик",
              [_c("service", "equals", "Virtual Private Cloud"),
               _c("sku", "in", ["dn229q5mnmp58t58tfel", "dn2olvngrkkqfpc6dddu"])],
              BU, ("shop", "crm", "analytics", "platform", "marketing")),
)

ORDERS_KEY = "orders"
ORDERS_DAYS = 90
# Orders a day today (the whole company) and the shop's share; the rest are phone orders taken in the CRM.
ORDERS_TODAY = 420
ORDERS_SHOP_SHARE = Decimal("0.88")


@dataclass
class AllocationPlan:
    values: dict[str, tuple[tuple[str, str], ...]]
    rules: tuple[DemoRule, ...]
    splits: tuple[DemoSplit, ...] = ()
    metric: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _values_ensure(values: dict[str, tuple[tuple[str, str], ...]]) -> dict[str, Dimension]:
    builtin_dimensions_ensure()
    dimensions = {d.key: d for d in Dimension.objects.all()}
    for key, items in values.items():
        for value, description in items:
            DimensionValue.objects.update_or_create(dimension=dimensions[key], value=value,
                                                    defaults={"description": description})
    return dimensions


def _rules_ensure(rules: tuple[DemoRule, ...], owner) -> bool:
    """The rules by name, in this order (after any rule a user added before them), written through the same
    services as the pages and the API (validated, audited); True when one changed."""
    changed = False
    for position, spec in enumerate(rules, start=1):
        wanted = {"order": position * 10, "conditions": spec.conditions, "actions": spec.actions, "enabled": True}
        rule = Rule.objects.filter(name=spec.name).order_by("id").first()
        if rule is None:
            rule_create(actor=owner, name=spec.name, source=spec.source, **wanted)
            changed = True
        elif any(getattr(rule, k) != v for k, v in wanted.items()):
            rule_update(actor=owner, rule=rule, **wanted)
            changed = True
    return changed


def _splits_ensure(splits: tuple[DemoSplit, ...], dimensions: dict[str, Dimension], owner) -> bool:
    changed = False
    for position, spec in enumerate(splits, start=1):
        targets = [{"value": v} for v in spec.targets]
        wanted = {"order": position * 10, "conditions": spec.conditions, "method": spec.method, "targets": targets,
                  "enabled": True}
        split = SharedCost.objects.filter(name=spec.name).order_by("id").first()
        if split is None:
            shared_cost_create(actor=owner, name=spec.name, dimension=spec.dimension, **wanted)
            changed = True
        elif split.dimension_id != dimensions[spec.dimension].pk or any(
                getattr(split, k) != v for k, v in wanted.items()):
            shared_cost_update(split=split, actor=owner, dimension=spec.dimension, **wanted)
            changed = True
    return changed


def demo_orders(*, today: date) -> list[tuple[date, int, int]]:
    """(day, all orders, the shop's) for the ``ORDERS_DAYS`` days ending ``today``: about ``ORDERS_TODAY`` a day
    today, growing about 2 % a month like the ledger, more at weekends, a little noise (pure, deterministic)."""
    out = []
    for back in range(ORDERS_DAYS - 1, -1, -1):
        day = today - timedelta(days=back)
        rng = random.Random(f"{SEED}:orders:{day.isoformat()}")  # noqa: S311 -- demo data
        growth = Decimal("0.98") ** (Decimal(back) / 30)
        weekend = Decimal("1.18") if day.weekday() >= 5 else Decimal("0.93")
        noise = 1 + Decimal(rng.randint(-600, 600)) / 10000
        total = int((ORDERS_TODAY * growth * weekend * noise).to_integral_value())
        shop = int((total * ORDERS_SHOP_SHARE).to_integral_value())
        out.append((day, total, shop))
    return out


def _orders_ensure(dimensions: dict[str, Dimension], today: date) -> BusinessMetric:
    metric, _created = BusinessMetric.objects.update_or_create(key=ORDERS_KEY, defaults={
        "name": "Заказы", "unit": "заказ", "granularity": MetricGranularity.DAY, "dimension": dimensions[BU],
        "description": "Оформленные заказы: интернет-магазин и заказы по телефону (CRM)."})
    first = today - timedelta(days=ORDERS_DAYS - 1)
    BusinessMetricValue.objects.filter(metric=metric).exclude(date__range=(first, today)).delete()
    values = []
    for day, total, shop in demo_orders(today=today):
        values += [BusinessMetricValue(metric=metric, date=day, dimension_value="", value=total),
                   BusinessMetricValue(metric=metric, date=day, dimension_value="shop", value=shop),
                   BusinessMetricValue(metric=metric, date=day, dimension_value="crm", value=total - shop)]
    BusinessMetricValue.objects.bulk_create(values, update_conflicts=True, update_fields=["value"],
                                            unique_fields=["metric", "date", "dimension_value"])
    return metric


def allocation_plan_seed(*, plan: AllocationPlan, owner=None, today: date | None = None) -> dict[str, int]:
    """Write ``plan`` in the CURRENT tenant schema and recalculate the history now (what a change queues for
    the worker); returns the counts."""
    today = today or timezone.now().date()
    dimensions = _values_ensure(plan.values)
    changed = _rules_ensure(plan.rules, owner)
    changed = _splits_ensure(plan.splits, dimensions, owner) or changed
    if plan.metric:
        _orders_ensure(dimensions, today)
    # As ``apps.business.services.allocation_changed`` does, without queueing: the seed applies it itself (the
    # ledger was rewritten anyway, so the history is always recalculated).
    version = definitions_changed()
    days = allocation_history_apply(version=version)
    return {"rules": len(plan.rules), "shared_costs": len(plan.splits), "days_recalculated": days,
            "changed": int(changed)}


DEMO_PLAN = AllocationPlan(values=DEMO_VALUES, rules=DEMO_RULES, splits=DEMO_SPLITS, metric=True)


def demo_allocation_seed(*, owner=None, today: date | None = None) -> dict[str, int]:
    """The demo organization's allocation (business unit and environment for nearly all of its cost)."""
    return allocation_plan_seed(plan=DEMO_PLAN, owner=owner, today=today)


# The clients of «Demo MSP»: what their clouds hold (the fake cloud's demo accounts) by provider and name.
CLIENT_VALUES: dict[str, tuple[tuple[str, str], ...]] = {
    BU: (("sites", "Сайты и лендинги"), ("shop", "Интернет-магазин"), ("platform", "Платформа и общие сервисы")),
    ENV: DEMO_VALUES[ENV],
}
CLIENT_RULES: tuple[DemoRule, ...] = (
    DemoRule("Окружение: stage и test по имени", [_c("name", "regex", r"(?i)(^|[-_.])(stage|staging|test)([-_.]|$)")],
             {ENV: "stage"}),
    DemoRule("Окружение: dev по имени", [_c("name", "regex", r"(?i)(^|[-_.])(dev|sandbox)([-_.]|$)")], {ENV: "dev"}),
    DemoRule("Окружение: всё остальное — prod", [], {ENV: "prod"}),
    DemoRule("Сайты: хостинг Beget", [_c("provider", "equals", "beget")], {BU: "sites"}),
    DemoRule("Магазин: база заказов и медиа по имени", [_c("name", "regex", r"(?i)^(orders-|media-|front-)")],
             {BU: "shop"}),
    DemoRule("Платформа: Kubernetes и сеть", [_c("name", "regex", r"(?i)(k8s|kubernetes|lb|balancer)")],
             {BU: "platform"}),
    DemoRule("Платформа: VK Cloud", [_c("provider", "equals", "vkcloud")], {BU: "platform"}),
    DemoRule("Магазин: прочее в Timeweb Cloud", [_c("provider", "equals", "timeweb")], {BU: "shop"}),
)
CLIENT_PLAN = AllocationPlan(values=CLIENT_VALUES, rules=CLIENT_RULES)


def demo_client_allocation_seed(*, owner=None) -> dict[str, int]:
    """A client organization's allocation: by provider, and the environment from the resource names."""
    return allocation_plan_seed(plan=CLIENT_PLAN, owner=owner)
