"""Allocation inside the rollup refresh (``services.rollups``) and its recalculation (``services.allocation_apply``).

The rollup rows carry the *signature* of their costs (``alloc_sig``); the signature's allocation lives in
``AllocationSignature`` and is joined at query time, so a change of the definitions re-evaluates the signatures
(``signatures_reevaluate``) and never rewrites the rollups, except the split rows of shared costs.

1. ``signatures_assign``: every stage signature new or evaluated for an older version of the definitions is read
   with what the inventory knows of its resource (name, kind, provider, cloud/folder/project, tags), evaluated by
   ``apps.allocation.engine`` (overrides, then the first matching rule per dimension; the first matching shared
   cost) and stored with its columns (signature -> ``AllocationSet`` id, shared cost id).
2. ``source_sql``: the stage as the rollups read it: the unshared rows with their signature, and the shared rows
   (kept as they are in ``CostSharedDaily``) multiplied out by ``SHARE``: one row per target value and day, its
   share, a *split signature* (``split_sig_sql``: the source's signature and the value) whose ``AllocationSet``
   keeps the source's values with the split dimension set, and ``AllocatedMethodId`` = ``split:<id>``; so a
   split is allocated cost and the ledger keeps the original.
3. ``split_shares_fill`` (after the unshared daily rows are in): the share of each target value per day: even,
   fixed percentages, in proportion to the values' own cost that day (``CostDaily``, organization currency),
   or to a business metric's figures per value (that day, or that month for a monthly metric); a day without
   any basis (no cost, no figure) is split evenly. ``split_signatures_assign`` then gives each split signature
   its allocation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Coalesce

from apps.allocation.engine import evaluate
from apps.allocation.models import AllocationSet, AllocationSignature, BusinessMetricValue
from apps.allocation.selectors import dimension_keys, overrides_map, rules_compiled, shared_costs_by_id, splits_compiled
from apps.allocation.services import AllocationSets, allocation_state_get
from apps.allocation.vocabulary import MetricGranularity, SplitMethod

from ..models import CostDaily, CostSharedDaily
from ..selectors.allocation_signatures import SIGNATURE_COLUMNS, signature_attrs_build

SHARE = "_alloc_split_share"
SIGNATURES = AllocationSignature._meta.db_table
SHARED = CostSharedDaily._meta.db_table
SPLIT_METHOD_PREFIX = "split:"
ASSIGN_CHUNK = 20_000
NEW = "_alloc_new_sig"
MOVED = "_alloc_moved_sig"  # signatures that became shared cost (shared) or stopped being so, of the last evaluation
# The stage columns a shared row keeps in ``CostSharedDaily`` (all of them but the signature and the sums).
SHARED_KEYS = tuple(f.column for f in CostSharedDaily._meta.concrete_fields
                    if f.column not in ("id", "billed", "effective", "list", "n", "sig"))


def signature_columns(with_sku: bool) -> tuple[str, ...]:
    """The columns a signature hashes: all of ``SIGNATURE_COLUMNS``, the SKU only while a definition reads it (a
    resource's SKUs then stay in one rollup row)."""
    return SIGNATURE_COLUMNS if with_sku else tuple(c for c in SIGNATURE_COLUMNS if c != "sku_id")


def signature_sql(alias: str, *, with_sku: bool = False) -> str:
    """The 64-bit hash of a stage row's signature columns (NULL and '' alike)."""
    parts = ", ".join(f"COALESCE({alias}.{c}::text, '')" for c in signature_columns(with_sku))
    return f"hashtextextended(concat_ws(chr(31), {parts}), 0)"


def split_sig_sql(source: str, value: str) -> str:
    """The signature of the share of shared signature ``source`` that goes to dimension value ``value``."""
    return f"hashtextextended({source}::text || chr(31) || {value}, 1)"


def source_sql(stage: str, dimensions: tuple[str, ...], *, plain: bool = True, split: bool = True) -> str:
    """The stage with allocation, as a subquery of the columns ``dimensions``, tags, sig, billed, effective, list,
    n. Unshared rows (``plain``) come with their signature (the money is never dropped, even of a signature not
    evaluated); shared rows (``split``) once per target value and day of ``%(start)s..%(end)s``, from
    ``CostSharedDaily``, multiplied by its share."""
    parts = []
    if plain:
        cols = ", ".join(f"s.{d}" for d in dimensions)
        parts.append(f"""
        SELECT {cols}, s.tags, s.sig, s.billed, s.effective, s.list, s.n
        FROM {stage} s
        WHERE NOT EXISTS (SELECT 1 FROM {SIGNATURES} a WHERE a.sig = s.sig AND a.split_id IS NOT NULL)""")  # noqa: S608
        # (an anti-join: estimated as most of the stage, so the rollups' GROUP BY hashes instead of sorting)
    if split:
        cols = ", ".join("sh.method_id AS allocated_method_id" if d == "allocated_method_id" else f"s.{d}"
                         for d in dimensions)
        parts.append(f"""
        SELECT {cols}, s.tags, {split_sig_sql("s.sig", "sh.value")} AS sig, s.billed * sh.share AS billed,
               s.effective * sh.share AS effective, s.list * sh.share AS list, s.n
        FROM {SHARED} s JOIN {SIGNATURES} a ON a.sig = s.sig
        JOIN {SHARE} sh ON sh.split_id = a.split_id AND sh.charge_date = s.charge_date
        WHERE s.charge_date BETWEEN %(start)s AND %(end)s""")  # noqa: S608 -- identifiers of this module
    return "(" + " UNION ALL ".join(parts) + ")"


def shares_table_create(cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {SHARE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {SHARE} (split_id bigint, charge_date date, value text, share numeric, "
                   "method_id text) ON COMMIT DROP")


def shared_rows_keep(cursor, stage: str, *, start: date, end: date) -> None:
    """Replace ``CostSharedDaily``'s days ``start..end`` by the stage's shared rows."""
    cursor.execute(f"DELETE FROM {SHARED} WHERE charge_date BETWEEN %(start)s AND %(end)s",  # noqa: S608
                   {"start": start, "end": end})
    cols = ", ".join((*SHARED_KEYS, "billed", "effective", "list", "n", "sig"))
    s_cols = ", ".join(f"s.{c}" for c in (*SHARED_KEYS, "billed", "effective", "list", "n", "sig"))
    cursor.execute(f"INSERT INTO {SHARED} ({cols}) SELECT {s_cols} FROM {stage} s "  # noqa: S608
                   f"JOIN {SIGNATURES} a ON a.sig = s.sig WHERE a.split_id IS NOT NULL")


@dataclass
class Assigned:
    shared: bool  # some stage row is shared cost
    split_changed: bool  # a signature evaluated before became shared or stopped being so


def signatures_assign(cursor, stage: str, *, with_sku: bool) -> Assigned:
    """Evaluate every stage signature that is new or stale (evaluated for an older version of the definitions, or
    before the inventory changed)."""
    version = allocation_state_get().version
    cursor.execute(f"UPDATE {stage} s SET sig = {signature_sql('s', with_sku=with_sku)} "  # noqa: S608
                   "WHERE s.sig IS NULL")
    columns = ", ".join(f"s.{c}" if c in signature_columns(with_sku) else "''" for c in SIGNATURE_COLUMNS)
    cursor.execute(f"""
        SELECT DISTINCT ON (s.sig) s.sig, {columns}
        FROM {stage} s LEFT JOIN {SIGNATURES} a ON a.sig = s.sig
        WHERE a.sig IS NULL OR a.version <> %(version)s
        ORDER BY s.sig
    """, {"version": version})  # noqa: S608 -- identifiers of this module
    split_changed = _evaluate_into(cursor, version)
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {stage} s JOIN {SIGNATURES} a ON a.sig = s.sig "  # noqa: S608
                   "WHERE a.split_id IS NOT NULL)")
    return Assigned(shared=bool(cursor.fetchone()[0]), split_changed=split_changed)


def signatures_reevaluate(cursor) -> bool:
    """Evaluate every signature of the rollups again with the current definitions (from the columns kept with
    each; the ledger is not read); True when one became shared cost or stopped being so (listed in ``MOVED``:
    ``shared_rows_move`` moves their rows)."""
    version = allocation_state_get().version
    cols = ", ".join(SIGNATURE_COLUMNS)
    cursor.execute(f"SELECT sig, {cols} FROM {SIGNATURES} WHERE source_sig IS NULL ORDER BY sig")  # noqa: S608
    return _evaluate_into(cursor, version)


def _evaluate_into(cursor, version: int) -> bool:
    """Evaluate the rows of (sig, *SIGNATURE_COLUMNS) that ``cursor`` holds, in chunks (a signature's allocation
    depends on it alone: the memory stays that of one chunk), and store them; True when the shared cost of a
    signature stored before changed."""
    rules, overrides, splits, dimensions = rules_compiled(), overrides_map(), splits_compiled(), dimension_keys()
    changed = False
    with connection.cursor() as write:  # the writes go through a second cursor
        write.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {NEW} (sig bigint, allocation_id bigint, "
                      f"split_id bigint, {', '.join(f'{c} text' for c in SIGNATURE_COLUMNS)}) ON COMMIT DROP")
        write.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {MOVED} (sig bigint PRIMARY KEY, shared boolean) "
                      "ON COMMIT DROP")
        write.execute(f"TRUNCATE {MOVED}")
        while rows := cursor.fetchmany(ASSIGN_CHUNK):
            changed |= _assign(write, rows, version=version, rules=rules, overrides=overrides, splits=splits,
                               dimensions=dimensions)
            del rows
    return changed


def _assign(cursor, rows: list[tuple], *, version: int, rules, overrides, splits, dimensions) -> bool:
    result = evaluate(signature_attrs_build([row[1:] for row in rows]), rules=rules, overrides=overrides,
                      splits=splits, dimensions=dimensions)
    sets = AllocationSets()
    cursor.execute(f"TRUNCATE {NEW}")
    sets.ensure(result.values)  # the new combinations in one insert: no query while COPY holds the line
    with cursor.cursor.copy(f"COPY {NEW} FROM STDIN") as copy:
        for row, values, split_id in zip(rows, result.values, result.split_of, strict=True):
            copy.write_row((row[0], sets.id_for(values), split_id, *row[1:]))
    # The signatures stored before whose rows move: into the shared costs' rows or out of them.
    cursor.execute(f"INSERT INTO {MOVED} SELECT n.sig, n.split_id IS NOT NULL FROM {NEW} n "  # noqa: S608
                   f"JOIN {SIGNATURES} a ON a.sig = n.sig WHERE (a.split_id IS NULL) <> (n.split_id IS NULL) "
                   "ON CONFLICT (sig) DO UPDATE SET shared = EXCLUDED.shared")
    changed = cursor.rowcount > 0
    cols = ", ".join(SIGNATURE_COLUMNS)
    casts = ", ".join("n.connection_id::bigint" if c == "connection_id" else f"COALESCE(n.{c}, '')"
                      for c in SIGNATURE_COLUMNS)
    cursor.execute(f"""
        INSERT INTO {SIGNATURES} (sig, allocation_id, split_id, version, {cols}, split_value)
        SELECT n.sig, n.allocation_id, n.split_id, %(version)s, {casts}, '' FROM {NEW} n
        ON CONFLICT (sig) DO UPDATE SET allocation_id = EXCLUDED.allocation_id, split_id = EXCLUDED.split_id,
            version = EXCLUDED.version
        WHERE {SIGNATURES}.allocation_id IS DISTINCT FROM EXCLUDED.allocation_id
           OR {SIGNATURES}.split_id IS DISTINCT FROM EXCLUDED.split_id
           OR {SIGNATURES}.version IS DISTINCT FROM EXCLUDED.version
    """, {"version": version})  # noqa: S608 -- identifiers of this module
    return changed


def split_shares_fill(cursor, *, start: date, end: date) -> None:
    """Fill ``SHARE`` for the shared rows of ``start..end`` (after the unshared daily rows are in), then give each
    split signature its allocation."""
    cursor.execute(f"SELECT DISTINCT a.split_id, s.charge_date FROM {SHARED} s "  # noqa: S608
                   f"JOIN {SIGNATURES} a ON a.sig = s.sig WHERE s.charge_date BETWEEN %(start)s AND %(end)s",
                   {"start": start, "end": end})
    needed = cursor.fetchall()
    if not needed:
        return
    splits = shared_costs_by_id()
    basis = split_basis(splits, {r[0] for r in needed}, start=start, end=end)
    out = []
    for split_id, day in needed:
        split = splits.get(split_id)
        targets = [t.get("value") for t in (split.targets if split else []) if isinstance(t, dict) and t.get("value")]
        if not split or not targets:
            continue
        shares = split_shares(split, targets, basis.get((split_id, split_basis_day(split, day)), {}))
        out.extend((split_id, day, value, share, f"{SPLIT_METHOD_PREFIX}{split_id}") for value, share in shares.items())
    with cursor.cursor.copy(f"COPY {SHARE} (split_id, charge_date, value, share, method_id) FROM STDIN") as copy:
        for row in out:
            copy.write_row(row)
    split_signatures_assign(cursor, splits, start=start, end=end)


def split_signatures_assign(cursor, splits: dict, *, start: date, end: date) -> None:
    """Store the allocation of every split signature of ``start..end``: its source's values with the split
    dimension set to its value."""
    cursor.execute(f"""
        SELECT DISTINCT {split_sig_sql("a.sig", "sh.value")}, a.sig, a.split_id, a.allocation_id, sh.value
        FROM {SHARED} s JOIN {SIGNATURES} a ON a.sig = s.sig
        JOIN {SHARE} sh ON sh.split_id = a.split_id AND sh.charge_date = s.charge_date
        WHERE s.charge_date BETWEEN %(start)s AND %(end)s
    """, {"start": start, "end": end})  # noqa: S608 -- identifiers of this module
    pairs = cursor.fetchall()
    if not pairs:
        return
    set_values = dict(AllocationSet.objects.filter(id__in={p[3] for p in pairs}).values_list("id", "values"))
    sets = AllocationSets()
    wanted = [({**(set_values.get(source_set) or {}), splits[split_id].dimension.key: value}, split_id)
              for _sig, _source, split_id, source_set, value in pairs]
    for split_id in {w[1] for w in wanted}:
        sets.ensure([values for values, s in wanted if s == split_id], split_id)
    cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS _alloc_split_sig (sig bigint, allocation_id bigint, "
                   "source_sig bigint, via_split_id bigint, split_value text) ON COMMIT DROP")
    cursor.execute("TRUNCATE _alloc_split_sig")
    with cursor.cursor.copy("COPY _alloc_split_sig FROM STDIN") as copy:
        for (sig, source, split_id, _set, value), (values, _s) in zip(pairs, wanted, strict=True):
            copy.write_row((sig, sets.id_for(values, split_id), source, split_id, value))
    cursor.execute(f"""
        INSERT INTO {SIGNATURES} (sig, allocation_id, source_sig, via_split_id, split_value, version,
                                  provider_name, billing_account_id, sub_account_id, service_name, region_id,
                                  resource_type, resource_id, sku_id, resource_name, tags)
        SELECT sig, allocation_id, source_sig, via_split_id, split_value, 0, '', '', '', '', '', '', '', '', '', ''
        FROM _alloc_split_sig
        ON CONFLICT (sig) DO UPDATE SET allocation_id = EXCLUDED.allocation_id
        WHERE {SIGNATURES}.allocation_id IS DISTINCT FROM EXCLUDED.allocation_id
    """)  # noqa: S608 -- identifiers of this module


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
                daily = list(CostDaily.objects.filter(charge_date__range=(start, end),
                                                      signature__allocation__isnull=False)
                             .order_by().values_list("charge_date", "signature__allocation_id")
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
