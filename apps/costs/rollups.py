"""Daily rollups of the cost ledger (``CostRecord`` -> ``CostDaily``).

``cost_rollups_refresh(start=, end=)`` rebuilds the charge dates ``[start, end]`` (inclusive) in one
transaction: delete the range, then ONE ``INSERT ... SELECT ... GROUP BY``. Conversion to the
organization's currency happens in the same statement, joining the public exchange-rate table on
the charge date: the nearest rate on or before that date, a manual rate first on the same date,
RUB -> RUB = 1. Amounts without a known rate get NULL ``*_org`` columns, which the explorer reports as
``exchange_rate_missing`` instead of guessing; once rates arrive, a refresh fills them.

Amortized vs invoiced (FOCUS 1.2 columns.md 4.1 and 4.6):
- invoiced view = Σ BilledCost over every row (purchases of commitments included, when paid);
- amortized view = Σ EffectiveCost over every row EXCEPT commitment purchases
  (``ChargeCategory = 'Purchase'`` with a ``CommitmentDiscountId``). The spec says such a row's
  EffectiveCost MUST be 0 because the purchase reappears, amortized, in the EffectiveCost of the
  covered usage (Used) and of the Unused rows. Exports that break the rule and copy BilledCost into
  EffectiveCost would count the commitment twice; leaving the row out makes the amortized view
  right for both, and it changes nothing for conforming data.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name

from apps.common.tasks import enqueue_in_tenant

from .models import CostDaily, CostRecord

BASE_CURRENCY = "RUB"

# The amortized amount of one ledger row, as SQL over ``costs_costrecord`` aliased ``r``.
AMORTIZED_SQL = (
    "CASE WHEN r.charge_category = 'Purchase' AND r.commitment_discount_id <> '' "
    "THEN 0 ELSE r.effective_cost END"
)

DIMENSIONS = ("charge_date", "connection_id", "provider_name", "billing_account_id", "sub_account_id",
              "service_name", "service_category", "region_id", "resource_type", "resource_id",
              "charge_category", "billing_currency")


def rate_lateral_sql(*, currency_sql: str, date_sql: str, alias: str) -> str:
    """A LATERAL subquery giving ``<alias>.rate_rub``: roubles per unit of ``currency_sql`` on ``date_sql``."""
    public = connection.ops.quote_name(get_public_schema_name())
    # Only identifiers and SQL fragments of this module are interpolated; values are always parameters.
    return (
        f"LEFT JOIN LATERAL (SELECT e.rate_rub FROM {public}.currency_exchangerate e "  # noqa: S608
        f"WHERE e.currency = {currency_sql} AND e.date <= {date_sql} "
        f"ORDER BY e.date DESC, (e.source = 'manual') DESC LIMIT 1) {alias} ON TRUE"
    )


def rate_sql(*, currency_sql: str, alias: str) -> str:
    return f"(CASE WHEN {currency_sql} IN ('RUB', 'RUR') THEN 1 ELSE {alias}.rate_rub END)"


def organization_currency() -> str:
    """The currency of the organization whose schema is active."""
    from apps.tenants.models import Organization

    currency = (Organization.objects.filter(schema_name=connection.schema_name)
                .values_list("currency", flat=True).first())
    return currency or BASE_CURRENCY


@transaction.atomic
def cost_rollups_refresh(*, start: date, end: date, fetch_missing_rates: bool = True) -> int:
    """Rebuild the daily rollup for charge dates ``start..end`` (inclusive); returns the rows written.

    When some amounts could not be converted (no rate yet), a background task fetches the missing
    Central Bank days and refreshes the range again (``CURRENCY_FETCH_MISSING``).
    """
    if end < start:
        start, end = end, start
    org_currency = organization_currency()
    daily, ledger = CostDaily._meta.db_table, CostRecord._meta.db_table
    dims = ", ".join(DIMENSIONS)
    r_dims = ", ".join(f"r.{d}" for d in DIMENSIONS)
    g_dims = ", ".join(f"g.{d}" for d in DIMENSIONS)
    from_rate = rate_sql(currency_sql="g.billing_currency", alias="rf")
    to_rate = rate_sql(currency_sql="%(org)s", alias="rt")
    sql = f"""
        INSERT INTO {daily} ({dims}, billed_cost, effective_cost, list_cost, billed_cost_org, effective_cost_org,
                             org_currency, row_count)
        SELECT {g_dims}, g.billed, g.effective, g.list,
               CASE WHEN g.billing_currency = %(org)s THEN g.billed ELSE g.billed * {from_rate} / {to_rate} END,
               CASE WHEN g.billing_currency = %(org)s THEN g.effective
                    ELSE g.effective * {from_rate} / {to_rate} END,
               %(org)s, g.n
        FROM (
            SELECT {r_dims}, SUM(r.billed_cost) AS billed, SUM({AMORTIZED_SQL}) AS effective,
                   SUM(r.list_cost) AS list, COUNT(*) AS n
            FROM {ledger} r
            WHERE r.charge_date BETWEEN %(start)s AND %(end)s
            GROUP BY {r_dims}
        ) g
        {rate_lateral_sql(currency_sql="g.billing_currency", date_sql="g.charge_date", alias="rf")}
        {rate_lateral_sql(currency_sql="%(org)s", date_sql="g.charge_date", alias="rt")}
    """  # noqa: S608 -- identifiers from the models, values bound
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {daily} WHERE charge_date BETWEEN %(start)s AND %(end)s",  # noqa: S608
                       {"start": start, "end": end})
        cursor.execute(sql, {"start": start, "end": end, "org": org_currency})
        written = cursor.rowcount
    if fetch_missing_rates and settings.CURRENCY_FETCH_MISSING and CostDaily.objects.filter(
            charge_date__range=(start, end), billed_cost_org__isnull=True).exists():
        enqueue_in_tenant(connection.schema_name, "apps.costs.rollups.cost_rollups_fetch_rates_and_refresh",
                          start.isoformat(), end.isoformat(), task_name="costs.rates_backfill")
    return written


def cost_rollups_fetch_rates_and_refresh(start_iso: str, end_iso: str) -> int:
    """Task: fetch the Bank's rates missing for the range (and the week before it), then refresh once."""
    from apps.currency.services import rates_fetch_cbr_range

    start, end = date.fromisoformat(start_iso), date.fromisoformat(end_iso)
    rates_fetch_cbr_range(start=start - timedelta(days=7), end=min(end, date.today()))
    return cost_rollups_refresh(start=start, end=end, fetch_missing_rates=False)


def cost_rollups_refresh_all() -> int:
    """Rebuild the rollup for the whole ledger (after an organization changes its currency, new rates...)."""
    bounds = CostRecord.objects.order_by().values_list("charge_date", flat=True)
    first, last = bounds.order_by("charge_date").first(), bounds.order_by("-charge_date").first()
    with transaction.atomic():
        CostDaily.objects.exclude(charge_date__range=(first, last)).delete() if first else \
            CostDaily.objects.all().delete()
        return cost_rollups_refresh(start=first, end=last) if first else 0
