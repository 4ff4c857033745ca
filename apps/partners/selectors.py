"""The console's reads: public tables only (``ClientSnapshot`` joined to the partner's client organizations), never
a tenant schema."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, QuerySet, Value, When

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
FILTERS = ("budget_over", "budget_at_risk", "sync_errors", "alerts")


class NotAPartnerMember(Exception):
    """The user operates no partner (or not the one asked for)."""


def partners_for_user(*, user) -> QuerySet[Partner]:
    if not getattr(user, "is_authenticated", False):
        return Partner.objects.none()
    return Partner.objects.filter(memberships__user=user).distinct().order_by("name")


def partner_pick(*, user, slug: str | None = None) -> Partner:
    """The partner whose console the user opens: ``slug`` (``?partner=``) or the first of theirs by name."""
    partners = partners_for_user(user=user)
    if slug:
        partners = partners.filter(slug=slug)
    partner = partners.first()
    if partner is None:
        raise NotAPartnerMember
    return partner


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
                    change_percent=_percent(F("spend_month") - F("spend_prev_month"), "spend_prev_month")))
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
        return margin_percent(self.spend_month - self.spend_prev_month, self.spend_prev_month)


def client_totals(rows) -> list[CurrencyTotals]:
    """Totals across the listed clients, one per currency (amounts in different currencies are never added)."""
    totals: dict[str, CurrencyTotals] = defaultdict(lambda: CurrencyTotals(currency=""))
    for row in rows:
        snapshot = getattr(row, "console_snapshot", None) if _has_snapshot(row) else None
        if snapshot is None:
            continue
        total = totals[snapshot.currency]
        total.currency = snapshot.currency
        total.clients += 1
        for name in ("spend_month", "spend_prev_month", "forecast_month", "potential_savings", "billed_month"):
            setattr(total, name, getattr(total, name) + getattr(snapshot, name))
        total.open_alerts += snapshot.open_alerts
    return [totals[c] for c in sorted(totals)]


def _has_snapshot(organization: Organization) -> bool:
    try:
        organization.console_snapshot  # noqa: B018
    except Organization.console_snapshot.RelatedObjectDoesNotExist:
        return False
    return True


def snapshot_of(organization: Organization):
    return organization.console_snapshot if _has_snapshot(organization) else None


def console_refreshed_at(rows) -> Any:
    """The oldest refresh among the listed clients (what «Updated …» can promise), None before any."""
    stamps = [s.refreshed_at for s in (snapshot_of(r) for r in rows) if s is not None and s.refreshed_at]
    return min(stamps) if stamps else None


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

