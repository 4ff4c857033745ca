"""The console's reads: public tables only (``ClientSnapshot`` joined to the partner's client organizations), never
a tenant schema."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, Min, Q, QuerySet, Sum, Value, When

from apps.tenants.models import Organization, Partner

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=20, decimal_places=2)
PERCENT_FIELD = DecimalField(max_digits=30, decimal_places=6)

# ?sort= keys -> the annotation / field sorted on (``-key`` descending; missing values always last).
SORT_KEYS = {
    "name": "name",
    "spend": "spend_month",
    "prev": "spend_prev_month",
    "change": "change_percent",
    "forecast": "forecast_month",
    "savings": "potential_savings",
    "runway": "runway_days",
    "alerts": "open_alerts",
    "billed": "billed_month",
    "margin": "margin_month",
    "margin_percent": "margin_percent",
}
DEFAULT_SORT = "name"
PAGE_SIZE = 50  # clients per console page: the page costs the same whatever the number of clients
CHART_ROWS = 20  # the margin chart: the clients with the largest margins
FILTERS = ("budget_over", "budget_at_risk", "sync_errors", "alerts")








def _percent(numerator, denominator):
    return Case(
        When(**{f"{denominator}__gt": 0},
             then=ExpressionWrapper(numerator * Value(Decimal(100)) / F(denominator), output_field=PERCENT_FIELD)),
        default=None, output_field=PERCENT_FIELD)


def client_rows(*, partner: Partner, search: str = "", filters: tuple[str, ...] = (),
                sort: str = DEFAULT_SORT) -> QuerySet[Organization]:
    """The partner's active client organizations with their console figures (NULL before the first refresh)."""
    s = "console_snapshot__"
    qs = (Organization.objects.filter(partner=partner, is_active=True).exclude(schema_name="public")
          .select_related("console_snapshot")
          .annotate(spend_month=F(f"{s}spend_month"), spend_prev_month=F(f"{s}spend_prev_month"),
                    forecast_month=F(f"{s}forecast_month"), potential_savings=F(f"{s}potential_savings"),
                    billed_month=F(f"{s}billed_month"), runway_days=F(f"{s}runway_days"),
                    open_alerts=F(f"{s}open_alerts"))
          .annotate(margin_month=ExpressionWrapper(F("billed_month") - F("spend_month"), output_field=MONEY_FIELD))
          .annotate(margin_percent=_percent(F("margin_month"), "billed_month"),
                    change_percent=_percent(F("forecast_month") - F("spend_prev_month"), "spend_prev_month")))
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(slug__icontains=search))
    if "budget_over" in filters:
        qs = qs.filter(console_snapshot__budget_status="over")
    if "budget_at_risk" in filters:
        qs = qs.filter(console_snapshot__budget_status__in=["over", "at_risk"])
    if "sync_errors" in filters:
        qs = qs.filter(console_snapshot__sync_health__in=["error", "partial"])
    if "alerts" in filters:
        qs = qs.filter(console_snapshot__open_alerts__gt=0)
    key = sort_key(sort)
    field = SORT_KEYS[key.lstrip("-")]
    order = F(field).desc(nulls_last=True) if key.startswith("-") else F(field).asc(nulls_last=True)
    return qs.order_by(order, "name", "pk")


def sort_key(raw: str | None) -> str:
    raw = (raw or DEFAULT_SORT).strip()
    return raw if raw.lstrip("-") in SORT_KEYS else DEFAULT_SORT


def margin_percent(margin: Decimal | None, billed: Decimal | None) -> Decimal | None:
    """Margin as a percent of the amount billed, one decimal; None when nothing is billed."""
    if margin is None or not billed:
        return None
    return (margin * 100 / billed).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class CurrencyTotals:
    currency: str
    clients: int = 0
    spend_month: Decimal = ZERO
    spend_prev_month: Decimal = ZERO
    forecast_month: Decimal = ZERO
    potential_savings: Decimal = ZERO
    billed_month: Decimal = ZERO
    open_alerts: int = 0

    @property
    def margin_month(self) -> Decimal:
        return self.billed_month - self.spend_month

    @property
    def margin_percent(self) -> Decimal | None:
        return margin_percent(self.margin_month, self.billed_month)

    @property
    def change_percent(self) -> Decimal | None:
        return margin_percent(self.forecast_month - self.spend_prev_month, self.spend_prev_month)


def _has_snapshot(organization: Organization) -> bool:
    try:
        organization.console_snapshot  # noqa: B018
    except Organization.console_snapshot.RelatedObjectDoesNotExist:
        return False
    return True


def snapshot_of(organization: Organization):
    return organization.console_snapshot if _has_snapshot(organization) else None


def margin_chart_rows(rows) -> list[dict[str, Any]]:
    """The margin chart's bars: clients with something billed this month, largest margin first."""
    found = []
    for row in rows:
        snapshot = snapshot_of(row)
        if snapshot is None or not snapshot.billed_month:
            continue
        found.append({"name": row.name, "slug": row.slug, "currency": snapshot.currency,
                      "margin": snapshot.margin_month,
                      "margin_percent": margin_percent(snapshot.margin_month, snapshot.billed_month)})
    found.sort(key=lambda item: (-item["margin"], item["name"]))
    return found



def client_totals_of(rows: QuerySet[Organization]) -> list[CurrencyTotals]:
    """Totals across every client of ``rows`` (all pages), one per currency: one aggregate query."""
    s = "console_snapshot__"
    found = []
    for item in (rows.order_by().filter(console_snapshot__isnull=False).values(f"{s}currency")
                 .annotate(clients=Count("pk"), spend=Sum(f"{s}spend_month"), prev=Sum(f"{s}spend_prev_month"),
                           forecast=Sum(f"{s}forecast_month"), savings=Sum(f"{s}potential_savings"),
                           billed=Sum(f"{s}billed_month"), alerts=Sum(f"{s}open_alerts"))
                 .order_by(f"{s}currency")):
        found.append(CurrencyTotals(currency=item[f"{s}currency"], clients=item["clients"], spend_month=item["spend"],
                                    spend_prev_month=item["prev"], forecast_month=item["forecast"],
                                    potential_savings=item["savings"], billed_month=item["billed"],
                                    open_alerts=item["alerts"] or 0))
    return found


def refreshed_at_of(rows: QuerySet[Organization]) -> Any:
    """The oldest refresh among the clients of ``rows`` (what «Updated …» can promise), None before any."""
    return rows.order_by().aggregate(at=Min("console_snapshot__refreshed_at"))["at"]


def margin_chart_of(rows: QuerySet[Organization], limit: int = CHART_ROWS) -> list[dict[str, Any]]:
    """The margin chart's bars: the ``limit`` clients with the largest margin among those billed this month."""
    top = rows.filter(console_snapshot__billed_month__gt=0).order_by(F("margin_month").desc(), "name")[:limit]
    return margin_chart_rows(top)
