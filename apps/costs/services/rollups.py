"""Rollups of the cost ledger: ``CostRecord`` -> ``CostDaily`` -> ``CostMonthly``, and ``CostDailyTag``.

``cost_rollups_refresh(start=, end=)`` rebuilds the charge dates ``[start, end]`` (inclusive) of every
rollup in one transaction: the ledger's rows of the range are summed once into a temporary stage (by
every dimension and the tags), then, for each table, delete the range and one ``INSERT ... SELECT``:
- ``CostDaily`` from the stage;
- ``CostDailyTag`` from the stage, one row per tag (``jsonb_each``), same dimensions and conversion,
  so tag filters and tag grouping read it instead of the ledger;
- ``CostMonthly`` from ``CostDaily``, for every month the range touches (whole months, so a month
  is always the sum of its days).
Conversion to the
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

import logging
import time
from contextlib import contextmanager
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.allocation.models import AllocationSignature, AllocationState
from apps.allocation.services import allocation_state_get
from apps.allocation.vocabulary import ApplyStatus
from apps.common.bulk import bulk_load_pays, local_settings, secondary_indexes_drop
from apps.common.cache import organization_data_changed
from apps.common.tasks import enqueue_in_tenant
from apps.currency.exceptions import RateSourceError
from apps.currency.selectors import rates_stored_since, scope_schema
from apps.currency.services import rates_fetch_cbr_range

from ..conversion_sql import rate_lateral_sql, rate_sql
from ..models import CostDaily, CostDailyTag, CostMonthly, CostRecord, CostSharedDaily, TagSet
from ..periods import month_end, month_start
from ..selectors.ledger import organization_currency
from .allocation_rollup import (
    MOVED,
    SHARED,
    SIGNATURES,
    shared_rows_keep,
    shares_table_create,
    signature_sql,
    signatures_assign,
    source_sql,
    split_shares_fill,
)

logger = logging.getLogger(__name__)

# The amortized amount of one ledger row, as SQL over ``costs_costrecord`` aliased ``r``.
AMORTIZED_SQL = (
    "CASE WHEN r.charge_category = 'Purchase' AND r.commitment_discount_id <> '' "
    "THEN 0 ELSE r.effective_cost END"
)

DIMENSIONS = ("charge_date", "connection_id", "provider_name", "billing_account_id", "sub_account_id",
              "service_name", "service_category", "region_id", "resource_type", "resource_id",
              "charge_category", "allocated_method_id", "allocated_resource_id", "billing_currency")
# The stage also keeps what allocation rules read and the rollups sum away (services/allocation_rollup.py), and
# the rows' tag set ids (``TagSet``, written from the stage).
STAGE_KEYS = (*DIMENSIONS, "sku_id", "resource_name", "tag_set_id")
# The rollup tables' dimensions: the ledger's plus the allocation signature (``sig`` in the stage).
ROLLUP_COLUMNS = (*DIMENSIONS, "alloc_sig")


# A refresh whose stage has at least BULK_MIN_ROWS rows and BULK_SHARE of a rollup table's rows (a large import,
# a first load) rebuilds that table's secondary indexes after its insert instead of maintaining them row by row;
# the organization's readers of the rollups wait for the commit meanwhile, as with the ledger's bulk mode.
BULK_MIN_ROWS = 50_000
BULK_SHARE = 0.5

MANY_GROUPS_WORK_MEM = "256MB"  # the stage's GROUP BY of rows that hardly share their groups (one pass, no spill)

STAGE = "_cost_rollup_stage"
STAGE_DAYS = f"SELECT DISTINCT billing_currency, charge_date FROM {STAGE}"  # noqa: S608 -- our table

# Optional phase timing (benchmarks/allocation.py --phases): a list set here receives (phase, seconds) for every
# phase of every refresh; None (the default) records nothing.
PHASE_TIMINGS: list[tuple[str, float]] | None = None


@contextmanager
def phase(name: str):
    """Time the block into ``PHASE_TIMINGS`` when a caller asked for it."""
    if PHASE_TIMINGS is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        PHASE_TIMINGS.append((name, time.perf_counter() - started))


# The tag sets of the range's rows (each row's ``tag_set_id`` with its tags), for the filters by several tags.
TAG_SETS_SQL = f"""
    INSERT INTO {TagSet._meta.db_table} (id, tags)
    SELECT tag_set_id, min(tags)::jsonb FROM {STAGE} WHERE tag_set_id <> 0 GROUP BY tag_set_id
    ON CONFLICT (id) DO NOTHING
"""  # noqa: S608 -- identifiers of this module


def _rates_cte(days_sql: str) -> str:
    """The exchange rates of every (billing currency, day) of ``days_sql``, looked up once each (``x``)."""
    return f"""
        days AS ({days_sql}),
        x AS MATERIALIZED (
            SELECT d.billing_currency, d.charge_date, rf.rate_rub, rt.rate_rub AS to_rub FROM days d
            {rate_lateral_sql(currency_sql="d.billing_currency", date_sql="d.charge_date", alias="rf")}
            {rate_lateral_sql(currency_sql="%(org)s", date_sql="d.charge_date", alias="rt")}
        )"""  # noqa: S608 -- identifiers of this module


def _converted_sql() -> str:
    """The converted amounts of a group ``g`` (billed, effective in the organization's currency) joined to ``x``."""
    from_rate = rate_sql(currency_sql="g.billing_currency", alias="x")
    to_rate = "(CASE WHEN %(org)s IN ('RUB', 'RUR') THEN 1 ELSE x.to_rub END)"
    return (f"CASE WHEN g.billing_currency = %(org)s THEN g.billed ELSE g.billed * {from_rate} / {to_rate} END, "
            f"CASE WHEN g.billing_currency = %(org)s THEN g.effective "
            f"ELSE g.effective * {from_rate} / {to_rate} END")


def daily_insert_sql(source: str, days_sql: str = STAGE_DAYS) -> str:
    """``CostDaily`` rows from ``source`` (a ``source_sql`` subquery), amounts converted at each day's rate."""
    r_dims = ", ".join(f"r.{d}" for d in DIMENSIONS)
    g_dims = ", ".join(f"g.{d}" for d in DIMENSIONS)
    return f"""
        WITH {_rates_cte(days_sql)}
        INSERT INTO {CostDaily._meta.db_table} ({", ".join(ROLLUP_COLUMNS)}, billed_cost, effective_cost, list_cost,
                                               billed_cost_org, effective_cost_org, org_currency, row_count)
        SELECT {g_dims}, g.sig, g.billed, g.effective, g.list, {_converted_sql()}, %(org)s, g.n
        FROM (
            SELECT {r_dims}, r.sig, SUM(r.billed) AS billed, SUM(r.effective) AS effective, SUM(r.list) AS list,
                   SUM(r.n) AS n
            FROM {source} r
            GROUP BY {r_dims}, r.sig
        ) g
        LEFT JOIN x ON x.billing_currency = g.billing_currency AND x.charge_date = g.charge_date
    """  # noqa: S608 -- identifiers from the models, values bound


def tags_insert_sql(source: str, days_sql: str = STAGE_DAYS) -> str:
    """``CostDailyTag`` rows from ``source``: the daily rollup's GROUP BY with the tag key and value added.

    The source holds the rows with the same dimensions and the same tags summed already (most rows of a
    resource carry the same tags); each sum is spread over its tags: the same totals, few rows to explode.
    Values are converted with the same expression as ``CostDaily`` (amount * from / to, per group), the
    rates looked up once per billing currency and day rather than once per group.
    """
    r_dims = ", ".join(f"r.{d}" for d in DIMENSIONS)
    s_dims = ", ".join(f"s.{d}" for d in DIMENSIONS)
    g_dims = ", ".join(f"g.{d}" for d in DIMENSIONS)
    return f"""
        WITH s AS (
            SELECT {r_dims}, r.sig, r.tags::jsonb AS tags, r.billed, r.effective, r.list, r.n
            FROM {source} r
            WHERE r.tags <> '{{}}'
        ), g AS (
            SELECT {s_dims}, s.sig, t.key AS tag_key, COALESCE(s.tags ->> t.key, '') AS tag_value,
                   jsonb_typeof(t.value) = 'string' AS value_is_string,
                   SUM(s.billed) AS billed, SUM(s.effective) AS effective, SUM(s.list) AS list, SUM(s.n) AS n
            FROM s CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(s.tags) = 'object' THEN s.tags END) t
            GROUP BY {s_dims}, s.sig, t.key, COALESCE(s.tags ->> t.key, ''), jsonb_typeof(t.value) = 'string'
        ), {_rates_cte(days_sql)}
        INSERT INTO {CostDailyTag._meta.db_table} ({", ".join(ROLLUP_COLUMNS)}, tag_key, tag_value, value_is_string,
                                                  billed_cost, effective_cost, list_cost, billed_cost_org,
                                                  effective_cost_org, org_currency, row_count)
        SELECT {g_dims}, g.sig, g.tag_key, g.tag_value, g.value_is_string, g.billed, g.effective, g.list,
               {_converted_sql()}, %(org)s, g.n
        FROM g JOIN x ON x.billing_currency = g.billing_currency AND x.charge_date = g.charge_date
    """  # noqa: S608 -- identifiers from the models, values bound


def rollup_with_sku() -> bool:
    """Whether the rollups' signatures keep SKUs apart (``AllocationState.signatures_with_sku``; unknown: no)."""
    return bool(allocation_state_get().signatures_with_sku)


@transaction.atomic
def cost_rollups_refresh(*, start: date, end: date, fetch_missing_rates: bool = True, stage=None,
                         stage_import_id: int | None = None, with_sku: bool | None = None,
                         rebuilding: bool = False, many_groups: bool = False) -> int:
    """Rebuild the daily rollup for charge dates ``start..end`` (inclusive); returns the rows written.

    The ledger is read once: its rows summed by every rollup dimension plus the tags go to a temporary
    stage (most rows of a resource share their tags, so the stage is small), and the daily and tag
    rollups are both built from it. When some amounts could not be converted (no rate yet), a background
    task fetches the missing Central Bank days and refreshes the range again (``CURRENCY_FETCH_MISSING``).

    An import passes ``stage`` (``apps.costs.importers.stage.StageSums``): the stage groups of the rows it
    loaded, summed while they streamed; only the other rows of the range (not of import ``stage_import_id``)
    are then read from the ledger, through its billing-import index, instead of reading back every row.
    ``with_sku``: whether signatures keep SKUs apart (default: as the rollups were built). A signature whose
    shared cost changed has rows in other periods too: they are rebuilt in the background, unless the caller is
    ``rebuilding`` them all. ``many_groups``: the caller knows the range's rows hardly share their groups (an import
    whose own stage gave up): the stage's GROUP BY then gets the memory to hash them in one pass, without parallel
    workers (each would see nearly every group, and their partial sums would be as many as the rows).
    """
    if end < start:
        start, end = end, start
    if with_sku is None:
        with_sku = rollup_with_sku()
    org_currency = organization_currency()
    daily, ledger = CostDaily._meta.db_table, CostRecord._meta.db_table
    r_stage = ", ".join(f"r.{d}" for d in STAGE_KEYS)
    a_stage = ", ".join(f"a.{d}" for d in STAGE_KEYS)
    # Grouped by the tag set's id, then the set's text joined once per group (jsonb's text form is canonical).
    stage_sql = f"""
        CREATE TEMPORARY TABLE {STAGE} ON COMMIT DROP AS
        SELECT g.*, {signature_sql("g", with_sku=with_sku)} AS sig FROM (
            SELECT {a_stage}, COALESCE(t.tags::text, '{{}}') AS tags, a.billed, a.effective, a.list, a.n FROM (
                SELECT {r_stage}, SUM(r.billed_cost) AS billed, SUM({AMORTIZED_SQL}) AS effective,
                       SUM(r.list_cost) AS list, COUNT(*) AS n
                FROM {ledger} r
                WHERE r.charge_date BETWEEN %(start)s AND %(end)s
                GROUP BY {r_stage}
            ) a LEFT JOIN {TagSet._meta.db_table} t ON t.id = a.tag_set_id
        ) g
    """  # noqa: S608 -- identifiers from the models, values bound
    params = {"start": start, "end": end, "org": org_currency, "rate_schema": scope_schema()}
    with connection.cursor() as cursor:
        # Compiling these few-second statements costs more than it saves (seen: 0.2 s of 2 s).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        with phase("stage"):
            if stage is None:
                with local_settings(cursor, **({"work_mem": MANY_GROUPS_WORK_MEM,
                                                   "max_parallel_workers_per_gather": "0"} if many_groups else {})):
                    cursor.execute(stage_sql, {"start": start, "end": end})
            else:
                others = ("r.billing_import_id < %(import)s OR r.billing_import_id > %(import)s "
                          "OR r.billing_import_id IS NULL")  # each arm an index range: no scan of the new rows
                cursor.execute(stage_sql.replace("GROUP BY", "AND FALSE GROUP BY"), {"start": start, "end": end})
                stage.write_to(cursor.cursor, STAGE)
                cursor.execute(stage_sql.replace(f"CREATE TEMPORARY TABLE {STAGE} ON COMMIT DROP AS",
                                                 f"INSERT INTO {STAGE}")
                               .replace("GROUP BY", f"AND ({others}) GROUP BY"),
                               {"start": start, "end": end, "import": stage_import_id})
            cursor.execute(f"ANALYZE {STAGE}")  # the planner's row counts: hash aggregates, not nested loops
        with phase("tag sets"):
            cursor.execute(TAG_SETS_SQL)
        with phase("daily delete"):
            cursor.execute(f"DELETE FROM {daily} WHERE charge_date BETWEEN %(start)s AND %(end)s",  # noqa: S608
                           {"start": start, "end": end})
        cursor.execute("SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", [STAGE])
        bulk = bulk_load_pays(cursor, daily, cursor.fetchone()[0], min_rows=BULK_MIN_ROWS, share=BULK_SHARE)
        with phase("signatures"):
            assigned = signatures_assign(cursor, STAGE, with_sku=with_sku)
            shared_rows_keep(cursor, STAGE, start=start, end=end)
        shares_table_create(cursor)  # empty: the first insert writes the unshared rows only
        deferred = secondary_indexes_drop(cursor, daily) if bulk else []
        with phase("daily insert"):
            cursor.execute(daily_insert_sql(source_sql(STAGE, DIMENSIONS, split=False)), params)
        written = cursor.rowcount
        if assigned.shared:  # the shared rows, split by shares that may weigh the unshared rows just written
            with phase("split shares"):
                split_shares_fill(cursor, start=start, end=end)
            with phase("split rows"):
                cursor.execute(daily_insert_sql(source_sql(STAGE, DIMENSIONS, plain=False)), params)
            written += cursor.rowcount
        with phase("daily indexes"):
            for statement in deferred:
                cursor.execute(statement)
            if bulk:  # the monthly rollup's GROUP BY plans on it (a hash, not a sort of every row)
                cursor.execute(f"ANALYZE {daily}")
        with phase("tags rollup"):
            tags = CostDailyTag._meta.db_table
            cursor.execute(f"DELETE FROM {tags} "  # noqa: S608
                           "WHERE charge_date BETWEEN %(start)s AND %(end)s", {"start": start, "end": end})
            deferred = secondary_indexes_drop(cursor, tags) if bulk else []  # its rows are the daily's, per tag
            # In bulk, hash the groups: the planner takes every stage row for 100 tags (jsonb_each) and sorts.
            with local_settings(cursor, **({"enable_sort": "off"} if bulk else {})):
                cursor.execute(tags_insert_sql(source_sql(STAGE, DIMENSIONS, split=assigned.shared)), params)
            for statement in deferred:
                cursor.execute(statement)
        cursor.execute(f"DROP TABLE {STAGE}")
        with phase("monthly rollup"):
            refresh_monthly(cursor, start=start, end=end)
    if assigned.split_changed and not rebuilding:  # other periods' rows of a signature whose split changed
        allocation_history_rebuild_enqueue()
    organization_data_changed()  # amounts converted anew (an import, a provider's costs, new rates, a currency)
    if fetch_missing_rates and settings.CURRENCY_FETCH_MISSING and CostDaily.objects.filter(
            charge_date__range=(start, end), billed_cost_org__isnull=True).exists():
        enqueue_in_tenant(connection.schema_name, "apps.costs.tasks.cost_rollups_fetch_rates_task",
                          start.isoformat(), end.isoformat(), task_name="costs.rates_backfill")
    return written


def splits_recalculate(cursor, *, start: date, end: date) -> None:
    """Recalculate the split rows of the rollups for ``start..end`` from the shared costs' own rows
    (``CostSharedDaily``), with the signatures as they are now: the rest of the rollups is left alone."""
    split_rows = f"IN (SELECT sig FROM {SIGNATURES} WHERE source_sig IS NOT NULL)"  # noqa: S608 -- our table
    for table in (CostDaily._meta.db_table, CostDailyTag._meta.db_table):
        cursor.execute(f"DELETE FROM {table} WHERE charge_date BETWEEN %(start)s AND %(end)s "  # noqa: S608
                       f"AND alloc_sig {split_rows}", {"start": start, "end": end})
    if CostSharedDaily.objects.filter(charge_date__range=(start, end)).exists():
        params = {"start": start, "end": end, "org": organization_currency(), "rate_schema": scope_schema()}
        days = (f"SELECT DISTINCT billing_currency, charge_date FROM {CostSharedDaily._meta.db_table} "  # noqa: S608
                "WHERE charge_date BETWEEN %(start)s AND %(end)s")
        shares_table_create(cursor)
        split_shares_fill(cursor, start=start, end=end)
        cursor.execute(daily_insert_sql(source_sql("", DIMENSIONS, plain=False), days), params)
        cursor.execute(tags_insert_sql(source_sql("", DIMENSIONS, plain=False), days), params)
    refresh_monthly(cursor, start=start, end=end, only_sql=split_rows)


def shared_rows_move(cursor) -> None:
    """Move the rollup rows of the signatures in ``MOVED``: of one that became shared cost, from the rollups to
    ``CostSharedDaily`` (a daily row is one signature's stage rows summed: its name, tags and SKU are the
    signature's); of one that stopped being so, back (then converted and summed by month like any rollup row).
    The split rows are left to ``splits_recalculate``."""
    daily, tags, monthly = (m._meta.db_table for m in (CostDaily, CostDailyTag, CostMonthly))
    dims = ", ".join(DIMENSIONS)
    d_dims = ", ".join(f"d.{c}" for c in DIMENSIONS)
    cursor.execute(f"""
        INSERT INTO {SHARED} ({dims}, sku_id, resource_name, tags, billed, effective, list, n, sig)
        SELECT {d_dims}, a.sku_id, a.resource_name, a.tags, d.billed_cost, d.effective_cost, d.list_cost,
               d.row_count, d.alloc_sig
        FROM {daily} d JOIN {MOVED} m ON m.sig = d.alloc_sig AND m.shared JOIN {SIGNATURES} a ON a.sig = d.alloc_sig
    """)  # noqa: S608 -- identifiers of this module
    for table in (daily, tags, monthly):
        cursor.execute(f"DELETE FROM {table} r USING {MOVED} m "  # noqa: S608
                       "WHERE m.sig = r.alloc_sig AND m.shared")
    back = f"(SELECT s.* FROM {SHARED} s JOIN {MOVED} m ON m.sig = s.sig AND NOT m.shared)"  # noqa: S608
    cursor.execute(f"SELECT min(charge_date), max(charge_date) FROM {back} b")  # noqa: S608
    first, last = cursor.fetchone()
    if first is None:
        return
    params = {"org": organization_currency(), "rate_schema": scope_schema()}
    days = f"SELECT DISTINCT billing_currency, charge_date FROM {back} b"  # noqa: S608
    cursor.execute(daily_insert_sql(back, days), params)
    cursor.execute(tags_insert_sql(back, days), params)
    moved_back = f"IN (SELECT sig FROM {MOVED} WHERE NOT shared)"  # noqa: S608 -- our table
    refresh_monthly(cursor, start=first, end=last, only_sql=moved_back)
    cursor.execute(f"DELETE FROM {SHARED} s USING {MOVED} m WHERE m.sig = s.sig AND NOT m.shared")  # noqa: S608


def allocation_history_rebuild_enqueue() -> None:
    """Queue a rebuild of every rollup day (the signatures' granularity forgotten, so the apply rebuilds)."""
    state = allocation_state_get()
    AllocationState.objects.filter(pk=state.pk).update(signatures_with_sku=None, status=ApplyStatus.QUEUED)
    enqueue_in_tenant(connection.schema_name, "apps.costs.tasks.allocation_apply_task", state.version,
                      task_name="costs.allocation_apply")


def refresh_monthly(cursor, *, start: date, end: date, only_sql: str = "") -> None:
    """``CostMonthly`` for every month that ``start..end`` touches, summed from ``CostDaily`` (only the rows
    ``only_sql`` selects, a condition on ``alloc_sig``, when given)."""
    table, daily = CostMonthly._meta.db_table, CostDaily._meta.db_table
    month_dims = [d for d in ROLLUP_COLUMNS if d != "charge_date"]
    dims = ", ".join(month_dims)
    first, last = month_start(start), month_end(end)
    only = f"AND alloc_sig {only_sql}" if only_sql else ""
    sql = f"""
        INSERT INTO {table} (month, {dims}, org_currency, billed_cost, effective_cost, list_cost,
                             billed_cost_org, effective_cost_org, row_count)
        SELECT date_trunc('month', charge_date)::date, {dims}, org_currency,
               SUM(billed_cost), SUM(effective_cost), SUM(list_cost),
               CASE WHEN bool_or(billed_cost_org IS NULL) THEN NULL ELSE SUM(billed_cost_org) END,
               CASE WHEN bool_or(effective_cost_org IS NULL) THEN NULL ELSE SUM(effective_cost_org) END,
               SUM(row_count)
        FROM {daily}
        WHERE charge_date BETWEEN %(first)s AND %(last)s {only}
        GROUP BY date_trunc('month', charge_date)::date, {dims}, org_currency
    """  # noqa: S608 -- identifiers from the models, values bound
    cursor.execute(f"DELETE FROM {table} WHERE month BETWEEN %(first)s AND %(last)s {only}",  # noqa: S608
                   {"first": first, "last": last})
    cursor.execute(sql, {"first": first, "last": last})


def cost_rollups_fetch_rates_and_refresh(*, start: date, end: date) -> int:
    """Fetch the Bank's rates missing for the range (and the week before it, for a range that starts on a
    weekend or holiday), then refresh once. An unreachable Bank is expected (offline machine, outage): one
    warning line, nothing refreshed; the explorer keeps those amounts in their billing currency and asks again."""
    started = timezone.now()
    try:
        rates_fetch_cbr_range(start=start - timedelta(days=7), end=min(end, timezone.localdate()))
    except RateSourceError as exc:
        logger.warning("CBR rates for %s..%s not fetched: %s (%s)", start, end, exc.message, exc.code.value)
        if not rates_stored_since(since=started):
            return 0  # nothing new to convert with
    return cost_rollups_refresh(start=start, end=end, fetch_missing_rates=False)


def cost_rollups_refresh_all(*, fetch_missing_rates: bool = True) -> int:
    """Rebuild the rollup for the whole ledger (after an organization changes its currency, new rates...)."""
    bounds = CostRecord.objects.order_by().values_list("charge_date", flat=True)
    first, last = bounds.order_by("charge_date").first(), bounds.order_by("-charge_date").first()
    with transaction.atomic():
        if not first:
            for model in (CostDaily, CostDailyTag, CostMonthly):
                model.objects.all().delete()
            return 0
        CostDaily.objects.exclude(charge_date__range=(first, last)).delete()
        CostDailyTag.objects.exclude(charge_date__range=(first, last)).delete()
        CostMonthly.objects.exclude(month__range=(month_start(first), month_end(last))).delete()
        written = cost_rollups_refresh(start=first, end=last, fetch_missing_rates=fetch_missing_rates)
    rollups_analyze()
    return written


def rollups_analyze() -> None:
    """Fresh planner statistics after the rollups were written wholesale (autovacuum's come later): the next
    statements over them, an apply's among them, would otherwise plan for the tables as they were."""
    tables = (CostDaily, CostDailyTag, CostMonthly, CostSharedDaily, AllocationSignature)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(m._meta.db_table for m in tables)}")  # noqa: S608 -- model tables
