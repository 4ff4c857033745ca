"""Allocation inside the rollup refresh (``services.rollups``): the stage's signatures get their dimension values,
and shared costs are split across the values of their dimension.

1. ``signatures_assign``: every stage signature not yet in ``AllocationSignature`` is read once with what the
   inventory knows of its resource (name, kind, provider, cloud/folder/project, tags), evaluated by
   ``apps.allocation.engine`` (overrides, then the first matching rule per dimension; the first matching shared
   cost) and cached as (signature -> ``AllocationSet`` id, shared cost id).
2. ``SOURCE_SQL``: the stage as the rollups read it: unshared rows with their allocation, and the shared rows
   multiplied out by ``SHARE`` (one row per target value and day, its share, its own ``AllocationSet`` that
   keeps the source's values with the split dimension set, and ``AllocatedMethodId`` = ``split:<id>``), so a
   split is allocated cost and the ledger keeps the original.
3. ``split_shares_fill`` (after the unshared daily rows are in): the share of each target value per day: even,
   fixed percentages, in proportion to the values' own cost that day (``CostDaily``, organization currency),
   or to a business metric's figures per value (that day, or that month for a monthly metric); a day without
   any basis (no cost, no figure) is split evenly.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, localcontext

from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Coalesce

from apps.allocation.engine import SignatureAttrs, evaluate
from apps.allocation.models import AllocationSet, AllocationSignature, BusinessMetricValue
from apps.allocation.selectors import dimension_keys, overrides_map, rules_compiled, shared_costs_by_id, splits_compiled
from apps.allocation.services import AllocationSets, signatures_cache_check
from apps.allocation.vocabulary import MetricGranularity, SplitMethod

from ..models import CostDaily
from ..selectors.allocation_signatures import SIGNATURE_COLUMNS, signature_attrs_build

SHARE = "_alloc_split_share"
SIGNATURES = AllocationSignature._meta.db_table
SPLIT_METHOD_PREFIX = "split:"
ASSIGN_CHUNK = 20_000


def signature_sql(alias: str) -> str:
    """The 64-bit hash of a stage row's signature columns (NULL and '' alike)."""
    parts = ", ".join(f"COALESCE({alias}.{c}::text, '')" for c in SIGNATURE_COLUMNS)
    return f"hashtextextended(concat_ws(chr(31), {parts}), 0)"


def source_sql(stage: str, dimensions: tuple[str, ...]) -> str:
    """The stage with allocation, as a subquery of the columns ``dimensions``, tags, allocation_id, billed,
    effective, list, n. Unshared rows come with their allocation (NULL when, unexpectedly, not assigned: the
    money is never dropped); shared rows once per target value and day, multiplied by its share."""
    plain = ", ".join(f"s.{d}" for d in dimensions)
    split = ", ".join("sh.method_id" if d == "allocated_method_id" else f"s.{d}" for d in dimensions)
    return f"""(
        SELECT {plain}, s.tags, a.allocation_id, s.billed, s.effective, s.list, s.n
        FROM {stage} s LEFT JOIN {SIGNATURES} a ON a.sig = s.sig
        WHERE a.split_id IS NULL
        UNION ALL
        SELECT {split}, s.tags, sh.allocation_id, s.billed * sh.share, s.effective * sh.share, s.list * sh.share, s.n
        FROM {stage} s JOIN {SIGNATURES} a ON a.sig = s.sig
        JOIN {SHARE} sh ON sh.split_id = a.split_id AND sh.source_allocation_id = a.allocation_id
                       AND sh.charge_date = s.charge_date
    )"""  # noqa: S608 -- identifiers of this module


def shares_table_create(cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {SHARE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {SHARE} (split_id bigint, source_allocation_id bigint, "
                   "charge_date date, allocation_id bigint, share numeric, method_id text) ON COMMIT DROP")


def signatures_assign(cursor, stage: str) -> bool:
    """Cache the allocation of every stage signature not cached yet; True when some stage row is shared cost."""
    signatures_cache_check()
    cursor.execute(f"UPDATE {stage} s SET sig = {signature_sql('s')} WHERE s.sig IS NULL")  # noqa: S608
    columns = ", ".join(f"s.{c}" for c in SIGNATURE_COLUMNS)
    cursor.execute(f"""
        SELECT DISTINCT ON (s.sig) s.sig, {columns}
        FROM {stage} s WHERE NOT EXISTS (SELECT 1 FROM {SIGNATURES} a WHERE a.sig = s.sig)
        ORDER BY s.sig
    """)  # noqa: S608 -- identifiers of this module
    # In chunks, each evaluated on its own (a signature's allocation depends on it alone): the memory stays that
    # of one chunk whatever the number of new signatures; the writes go through a second cursor.
    with connection.cursor() as write:
        while rows := cursor.fetchmany(ASSIGN_CHUNK):
            _assign(write, rows)
            del rows
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {stage} s JOIN {SIGNATURES} a ON a.sig = s.sig "  # noqa: S608
                   "WHERE a.split_id IS NOT NULL)")
    return bool(cursor.fetchone()[0])


def signature_attrs(rows: list[tuple]) -> list[SignatureAttrs]:
    """Rows of (sig, *SIGNATURE_COLUMNS) as the rules see them, with what the inventory knows of each resource."""
    return signature_attrs_build([row[1:] for row in rows])


def _assign(cursor, rows: list[tuple]) -> None:
    signatures = signature_attrs(rows)
    result = evaluate(signatures, rules=rules_compiled(), overrides=overrides_map(), splits=splits_compiled(),
                      dimensions=dimension_keys())
    sets = AllocationSets()
    cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS _alloc_new_sig (sig bigint, allocation_id bigint, "
                   "split_id bigint) ON COMMIT DROP")
    cursor.execute("TRUNCATE _alloc_new_sig")
    sets.ensure(result.values)  # the new combinations in one insert: no query while COPY holds the line
    assigned = [(row[0], sets.id_for(values), split_id)
                for row, values, split_id in zip(rows, result.values, result.split_of, strict=True)]
    with cursor.cursor.copy("COPY _alloc_new_sig (sig, allocation_id, split_id) FROM STDIN") as copy:
        for item in assigned:
            copy.write_row(item)
    cursor.execute(f"INSERT INTO {SIGNATURES} (sig, allocation_id, split_id) "  # noqa: S608
                   "SELECT sig, allocation_id, split_id FROM _alloc_new_sig ON CONFLICT (sig) DO NOTHING")


def split_shares_fill(cursor, stage: str, *, start: date, end: date) -> None:
    """Fill ``SHARE`` for the shared rows of the stage (after the unshared daily rows of the range are in)."""
    cursor.execute(f"SELECT DISTINCT a.split_id, a.allocation_id, s.charge_date FROM {stage} s "  # noqa: S608
                   f"JOIN {SIGNATURES} a ON a.sig = s.sig WHERE a.split_id IS NOT NULL")
    needed = cursor.fetchall()
    if not needed:
        return
    splits = shared_costs_by_id()
    set_values = dict(AllocationSet.objects.filter(id__in={r[1] for r in needed}).values_list("id", "values"))
    sets = AllocationSets()
    basis = split_basis(splits, {r[0] for r in needed}, start=start, end=end)
    out = []
    for split_id, source_id, day in needed:
        split = splits.get(split_id)
        targets = [t.get("value") for t in (split.targets if split else []) if isinstance(t, dict) and t.get("value")]
        if not split or not targets:
            continue
        shares = split_shares(split, targets, basis.get((split_id, split_basis_day(split, day)), {}))
        source_values = dict(set_values.get(source_id) or {})
        for value, share in shares.items():
            target_id = sets.id_for({**source_values, split.dimension.key: value}, split.id)
            out.append((split_id, source_id, day, target_id, share, f"{SPLIT_METHOD_PREFIX}{split_id}"))
    with cursor.cursor.copy(f"COPY {SHARE} (split_id, source_allocation_id, charge_date, allocation_id, share, "
                            "method_id) FROM STDIN") as copy:
        for row in out:
            copy.write_row(row)


def split_basis_day(split, day: date) -> date:
    if split.method == SplitMethod.METRIC and split.metric and split.metric.granularity == MetricGranularity.MONTH:
        return day.replace(day=1)
    return day


def split_shares(split, targets: list[str], basis: dict[str, Decimal]) -> dict[str, Decimal]:
    """Target value -> share (a fraction) of one day of ``split``: its fixed percentages, or ``basis`` (the values'
    weights that day: their cost or metric figures), or evenly when there is no basis."""
    with localcontext() as ctx:
        ctx.prec = 28
        if split.method == SplitMethod.FIXED:
            percents = {t.get("value"): Decimal(str(t.get("percent") or 0)) for t in split.targets
                        if isinstance(t, dict) and t.get("value")}
            return {v: p / 100 for v, p in percents.items() if p}
        if split.method in (SplitMethod.PROPORTIONAL, SplitMethod.METRIC):
            weights = {v: basis.get(v, Decimal(0)) for v in targets}
            total = sum((w for w in weights.values() if w > 0), Decimal(0))
            if total > 0:
                return {v: w / total for v, w in weights.items() if w > 0}
        return {v: Decimal(1) / len(targets) for v in targets}


def split_basis(splits: dict, split_ids: set[int], *, start: date,
                end: date) -> dict[tuple[int, date], dict[str, Decimal]]:
    """(split id, day) -> target value -> weight, for the proportional and metric splits of ``split_ids``."""
    out: dict[tuple[int, date], dict[str, Decimal]] = defaultdict(dict)
    daily: list[tuple[date, int, Decimal]] | None = None
    unsplit: dict[int, dict[str, str]] = {}
    for split_id in split_ids:
        split = splits.get(split_id)
        if split is None:
            continue
        targets = [t.get("value") for t in split.targets if isinstance(t, dict) and t.get("value")]
        if split.method == SplitMethod.PROPORTIONAL:
            # Summed by (day, combination) and mapped to the target values here: no JSON read per rollup row.
            if daily is None:
                daily = list(CostDaily.objects.filter(charge_date__range=(start, end), allocation__isnull=False)
                             .order_by().values_list("charge_date", "allocation_id")
                             .annotate(total=Sum(Coalesce("billed_cost_org", "billed_cost"))))
                unsplit = {set_id: values or {} for set_id, values in
                           AllocationSet.objects.filter(split__isnull=True).values_list("id", "values")}
            key, wanted = split.dimension.key, set(targets)
            value_of = {set_id: values.get(key) for set_id, values in unsplit.items() if values.get(key) in wanted}
            for day, set_id, total in daily:
                value = value_of.get(set_id)
                if value is not None and total is not None:
                    weights = out[(split_id, day)]
                    weights[value] = weights.get(value, Decimal(0)) + total
        elif split.method == SplitMethod.METRIC and split.metric_id:
            first = start.replace(day=1) if split.metric.granularity == MetricGranularity.MONTH else start
            for day, value, figure in BusinessMetricValue.objects.filter(
                    metric_id=split.metric_id, date__range=(first, end), dimension_value__in=targets).values_list(
                    "date", "dimension_value", "value"):
                out[(split_id, day)][value] = figure
    return out

