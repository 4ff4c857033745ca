"""Cost explorer reads: totals, time series and comparison over the rollups (apps.costs.services.rollups).

Every view reads a rollup, never the raw ledger: ``CostDaily`` by day; ``CostMonthly`` for the
whole months of a range when the view needs no finer buckets (totals, month buckets), with the
partial months at the edges from ``CostDaily``; ``CostDailyTag`` for one tag filter and/or grouping by
a tag (rows without the key = the daily total minus the tagged rows). Only a combination a per-tag
rollup cannot answer (several tag filters, or a tag filter with grouping by another tag key) reads
the ledger (the rows of the ``TagSet`` ids that hold every tag filter), converted with the same rates. Amounts are exact
``Decimal`` sums; rounding is for display only.

- metric ``billed`` = invoiced view (Σ BilledCost); ``effective`` = amortized view (Σ EffectiveCost
  without commitment purchases: see services/rollups.py).
- currency ``org`` (default) = the organization's currency at each charge date's rate; ``billing`` =
  unconverted, one group per key and billing currency.
- ``start`` and ``end`` are inclusive charge dates (the UTC date of ChargePeriodStart).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection as db_connection
from django.db.models import Case, CharField, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Left, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.allocation.models import AllocationSignature, DimensionValue
from apps.allocation.selectors import allocation_sets_matching, dimension_keys
from apps.allocation.vocabulary import UNALLOCATED_LABEL
from apps.common.cache import organization_cached
from apps.common.errors import ApplicationError
from apps.currency.exceptions import CurrencyErrorCode, RateMissing, human_date
from apps.currency.selectors import rate_for, rates_first_dates

from ..models import TAG_INDEX_PREFIX, CostDaily, CostDailyTag, CostMonthly, CostRecord, TagSet
from ..periods import month_end, month_start
from ..vocabulary import focus_value_label
from .comparison import PeriodHistory, group_histories, period_history
from .ledger import organization_currency

# group-by / filter name -> column (same name on CostDaily and CostRecord)
DIMENSIONS: dict[str, str] = {
    "provider": "provider_name",
    "connection": "connection_id",
    "billing_account": "billing_account_id",
    "sub_account": "sub_account_id",
    "service": "service_name",
    "service_category": "service_category",
    "region": "region_id",
    "resource_type": "resource_type",
    "resource": "resource_id",
    "charge_category": "charge_category",
    # FOCUS 1.3 split cost allocation; offered by the page only when the data has it (ALLOCATION).
    "allocation_method": "allocated_method_id",
    "allocated_resource": "allocated_resource_id",
}
ALLOCATION = ("allocation_method", "allocated_resource")
METRICS = ("billed", "effective")
CURRENCY_MODES = ("org", "billing")
GRANULARITIES = ("day", "week", "month")
PERIOD_PRESETS = ("7d", "30d", "90d", "365d", "this_month", "last_month")
TAG_PREFIX = "tag:"
# Allocation dimensions (apps.allocation): group-by and filter names ``alloc:<dimension key>``; the value of
# unallocated costs is "" («Не распределено»).
ALLOC_PREFIX = "alloc:"
MAX_RANGE_DAYS = 3 * 366
MONEY = DecimalField(max_digits=30, decimal_places=10)


@dataclass(frozen=True)
class CostQuery:
    start: date
    end: date
    group_by: str = "service"
    metric: str = "billed"
    currency: str = "org"
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tags: tuple[tuple[str, str | None], ...] = ()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> CostQuery:
        """The period of the same length just before this one."""
        return CostQuery(start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1),
                         group_by=self.group_by, metric=self.metric, currency=self.currency,
                         filters=self.filters, tags=self.tags)


def _invalid(message: str, field_name: str) -> ApplicationError:
    return ApplicationError(message, extra={field_name: [message]})


def period_resolve(*, preset: str | None = None, start: date | None = None, end: date | None = None,
                   today: date | None = None) -> tuple[date, date]:
    """A preset (7d/30d/90d/365d/this_month/last_month) or a custom inclusive range; default 30 days."""
    today = today or timezone.now().date()
    if start or end:
        start, end = start or end, end or start
        if end < start:
            raise _invalid(_("The end date is before the start date."), "end")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise _invalid(_("The period is too long (at most three years)."), "start")
        return start, end
    preset = preset or "30d"
    if preset.endswith("d") and preset[:-1].isdigit() and preset in PERIOD_PRESETS:
        return today - timedelta(days=int(preset[:-1]) - 1), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last_end = today.replace(day=1) - timedelta(days=1)
        return last_end.replace(day=1), last_end
    raise _invalid(_("Unknown period."), "period")


def alloc_key(name: str) -> str | None:
    """The dimension key of ``alloc:<key>``, or None for any other name."""
    if name.startswith(ALLOC_PREFIX) and len(name) > len(ALLOC_PREFIX):
        return name[len(ALLOC_PREFIX):]
    return None


def _check_query(q: CostQuery) -> None:
    keys = None
    group_alloc = alloc_key(q.group_by)
    if group_alloc is not None:
        keys = dimension_keys()
        if group_alloc not in keys:
            raise _invalid(_("Unknown allocation dimension."), "group_by")
    elif q.group_by not in DIMENSIONS and not (
            q.group_by.startswith(TAG_PREFIX) and len(q.group_by) > len(TAG_PREFIX)):
        raise _invalid(_("Unknown grouping."), "group_by")
    if q.metric not in METRICS:
        raise _invalid(_("Unknown metric."), "metric")
    if q.currency not in CURRENCY_MODES:
        raise _invalid(_("Unknown currency mode."), "currency")
    for name in q.filters:
        key = alloc_key(name)
        if key is not None:
            keys = keys if keys is not None else dimension_keys()
            if key not in keys:
                raise _invalid(_("Unknown allocation dimension."), name)
        elif name not in DIMENSIONS:
            raise _invalid(_("Unknown filter."), name)
    uses_alloc = group_alloc is not None or any(alloc_key(name) for name in q.filters)
    if uses_alloc and _source(q) == "ledger":
        raise _invalid(_("Allocation dimensions cannot be combined with several tag filters or with grouping by "
                         "another tag."), "group_by")


def _uses_ledger(q: CostQuery) -> bool:
    return bool(q.tags) or q.group_by.startswith(TAG_PREFIX)


def _ledger_filtered(q: CostQuery, start: date, end: date) -> QuerySet:
    qs = _dimension_filtered(CostRecord.objects.filter(charge_date__range=(start, end)), q)
    if q.tags:
        # The tag sets that hold every filter (``TagSet``, a small table with its GIN index), then the range's rows
        # of those sets: their ids are checked in the charge-date index (``costs_rec_date_import_tags``).
        sets = TagSet.objects.all()
        for key, value in q.tags:
            sets = sets.filter(tags__contains={key: value}) if value is not None else sets.filter(tags__has_key=key)
        qs = qs.filter(tag_set_id__in=list(sets.values_list("id", flat=True)))
    return qs


def _key_expression(q: CostQuery):
    if q.group_by.startswith(TAG_PREFIX):
        return Coalesce(KeyTextTransform(q.group_by[len(TAG_PREFIX):], "tag_set__tags"), Value(""),
                        output_field=CharField())
    key = alloc_key(q.group_by)
    if key is not None:
        return Coalesce(KeyTextTransform(key, "signature__allocation__values"), Value(""), output_field=CharField())
    column = DIMENSIONS[q.group_by]
    return F(column)


def _ledger_amount(q: CostQuery):
    """One ledger row's amount in ``q``'s metric (the amortized one as the rollups compute it)."""
    if q.metric == "billed":
        return F("billed_cost")
    return Case(When(Q(charge_category="Purchase") & ~Q(commitment_discount_id=""), then=Value(Decimal(0))),
                default=F("effective_cost"), output_field=MONEY)


def _bucket(day: date, granularity: str | None) -> date | None:
    if granularity is None:
        return None
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def _source(q: CostQuery) -> str:
    """Which table answers ``q``: "rollup" (CostDaily/CostMonthly), "tag" (CostDailyTag) or "ledger"."""
    if not _uses_ledger(q):
        return "rollup"
    group_key = q.group_by[len(TAG_PREFIX):] if q.group_by.startswith(TAG_PREFIX) else None
    if not q.tags or (len(q.tags) == 1 and group_key in (None, q.tags[0][0])):
        return "tag"
    return "ledger"  # each row must carry every tag asked for: only the ledger still knows that


def _spans(start: date, end: date, granularity: str | None) -> list[tuple[type, date, date]]:
    """``[(model, first day, last day)]``: whole months from ``CostMonthly`` when no bucket is finer than a
    month, the partial months at the edges (or everything else) from ``CostDaily``."""
    if granularity not in (None, "month"):
        return [(CostDaily, start, end)]
    first_full = start if start.day == 1 else month_end(start) + timedelta(days=1)
    last_full = end if end == month_end(end) else month_start(end) - timedelta(days=1)
    if first_full > last_full:
        return [(CostDaily, start, end)]
    spans: list[tuple[type, date, date]] = [(CostMonthly, first_full, last_full)]
    if start < first_full:
        spans.append((CostDaily, start, first_full - timedelta(days=1)))
    if last_full < end:
        spans.append((CostDaily, last_full + timedelta(days=1), end))
    return spans


def _in_range(model: type, start: date, end: date) -> QuerySet:
    if model is CostMonthly:
        return model.objects.filter(month__range=(month_start(start), month_start(end)))
    return model.objects.filter(charge_date__range=(start, end))


def _dimension_filtered(qs: QuerySet, q: CostQuery) -> QuerySet:
    for name, values in q.filters.items():
        key = alloc_key(name)
        if key is not None:
            wanted = [str(v) for v in values]
            ids = allocation_sets_matching(key, wanted)
            condition = Q(signature__allocation_id__in=ids)
            if "" in wanted:
                condition |= Q(signature__allocation_id__isnull=True)
            qs = qs.filter(condition)
            continue
        column = DIMENSIONS[name]
        if column == "connection_id":
            qs = qs.filter(connection_id__in=[int(v) for v in values if str(v).isdigit()])
        else:
            qs = qs.filter(**{f"{column}__in": list(values)})
    return qs


def _tag_filtered(qs: QuerySet, key: str, value: str | None) -> QuerySet:
    """Rows of ``CostDailyTag`` for ``key`` (``tags ? key``) or ``key: value`` (``tags @> {key: value}``)."""
    # The prefixes are what the indexes hold. A text shorter than the prefix equals its prefix, so the full
    # comparison is added only for long ones (a redundant condition would mislead the planner's estimate).
    qs = _prefix_equal(qs, "tag_key", key)
    if value is None:
        return qs
    return _prefix_equal(qs, "tag_value", value).filter(value_is_string=True)


def _prefix_equal(qs: QuerySet, column: str, text: str) -> QuerySet:
    qs = qs.alias(**{f"{column}_prefix": Left(column, TAG_INDEX_PREFIX)}).filter(
        **{f"{column}_prefix": text[:TAG_INDEX_PREFIX]})
    return qs.filter(**{column: text}) if len(text) >= TAG_INDEX_PREFIX else qs


def _bucket_expression(model: type, granularity: str | None):
    if granularity is None:
        return None
    if model is CostMonthly:
        return F("month")  # only asked with month buckets (see _spans)
    if granularity == "week":
        return TruncWeek("charge_date")
    if granularity == "month":
        return TruncMonth("charge_date")
    return F("charge_date")


Missing = set[tuple[str, date]]  # (billing currency, charge date) pairs whose amounts could not be converted


def _rows(q: CostQuery, start: date, end: date, granularity: str | None) -> tuple[str, list[tuple], Missing]:
    """``(currency, [(key, currency, bucket, amount)], missing)`` for the period, from the rollups.

    In the organization's currency, an amount without an exchange rate (``*_org`` NULL) is never guessed nor
    fatal: it stays in its billing currency, as a group of its own (same key, that currency), and its
    ``(currency, charge date)`` is in ``missing`` for the warnings (``rate_warnings``)."""
    source = _source(q)
    if source == "ledger":
        return _ledger_rows(q, start, end, granularity)
    org = organization_currency()
    convert = q.currency == "org"
    metric_col = "billed_cost" if q.metric == "billed" else "effective_cost"
    amount_col = metric_col + ("_org" if convert else "")
    unconvertible = (Q(**{f"{amount_col}__isnull": True}) | ~Q(org_currency=org)) if convert else None
    any_missing = False

    def grouped(qs: QuerySet, key, bucket) -> list[dict[str, Any]]:
        nonlocal any_missing
        fields: dict[str, Any] = {"k": key, "cur": F("billing_currency")}
        if bucket is not None:
            fields["bucket"] = bucket
        if unconvertible is None:
            annotations = {"total": Sum(amount_col, output_field=MONEY), "n": Sum("row_count")}
            return list(_dimension_filtered(qs, q).order_by().values(**fields).annotate(**annotations))
        # One scan: the converted part in the organization's currency, the rest in its billing currency.
        annotations = {"total": Sum(amount_col, filter=~unconvertible, output_field=MONEY),
                       "raw": Sum(metric_col, filter=unconvertible, output_field=MONEY),
                       "n": Sum("row_count"), "n_raw": Sum("row_count", filter=unconvertible)}
        out = []
        for item in _dimension_filtered(qs, q).order_by().values(**fields).annotate(**annotations):
            n_raw = item["n_raw"] or 0
            if (item["n"] or 0) > n_raw:
                out.append({**item, "cur": org, "n": item["n"] - n_raw})
            if n_raw:
                any_missing = True
                out.append({**item, "total": item["raw"], "n": n_raw})
        return out

    def span(model: type, lo: date, hi: date, key) -> list[dict[str, Any]]:
        """A month total cannot say which of its days lacked a rate: such a span is read by day instead."""
        items = grouped(_in_range(model, lo, hi), key, _bucket_expression(model, granularity))
        if model is CostMonthly and unconvertible is not None and any(i["cur"] != org for i in items):
            items = grouped(_in_range(CostDaily, lo, hi), key, _bucket_expression(CostDaily, granularity))
        return items

    items: list[dict[str, Any]] = []
    if source == "rollup":
        key = _key_expression(q)
        for model, lo, hi in _spans(start, end, granularity):
            items += span(model, lo, hi, key)
    else:
        group_key = q.group_by[len(TAG_PREFIX):] if q.group_by.startswith(TAG_PREFIX) else None
        tag_key, tag_value = q.tags[0] if q.tags else (group_key, None)
        tagged = _tag_filtered(_in_range(CostDailyTag, start, end), tag_key, tag_value)
        key = F("tag_value") if group_key else _key_expression(q)
        items = grouped(tagged, key, _bucket_expression(CostDailyTag, granularity))
        if not q.tags:
            everything = [span(model, lo, hi, Value("")) for model, lo, hi in _spans(start, end, granularity)]
            items += _untagged(items, everything)
    out = []
    for item in items:
        bucket = item.get("bucket")
        if isinstance(bucket, datetime):
            bucket = bucket.date()
        bucket = _bucket(bucket, granularity) if bucket is not None else None
        out.append((str(item["k"]) if item["k"] is not None else "", item.get("cur", org), bucket,
                    item["total"] or Decimal(0)))
    missing = _missing_days(q, start, end, source, unconvertible) if any_missing else set()
    return org, out, missing


def _untagged(tagged: list[dict[str, Any]], everything: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The rows without the grouping tag key: every row of the rollup minus the rows carrying the key,
    per currency and bucket; a group exists only where such rows do (``row_count``)."""
    rest: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0])
    for item in (i for items in everything for i in items):
        ident = (item.get("cur"), _bucket(_as_date(item.get("bucket")), "day"))
        rest[ident][0] += item["total"] or Decimal(0)
        rest[ident][1] += item["n"] or 0
    for item in tagged:
        ident = (item.get("cur"), _bucket(_as_date(item.get("bucket")), "day"))
        rest[ident][0] -= item["total"] or Decimal(0)
        rest[ident][1] -= item["n"] or 0
    out = []
    for (currency, bucket), (total, count) in rest.items():
        if count > 0:
            item = {"k": "", "total": total, "bucket": bucket}
            if currency is not None:
                item["cur"] = currency
            out.append(item)
    return out


def _as_date(value):
    return value.date() if isinstance(value, datetime) else value


def _missing_days(q: CostQuery, start: date, end: date, source: str, unconvertible: Q) -> Missing:
    """Every ``(billing currency, charge date)`` of the view whose amount could not be converted."""
    if source == "tag" and q.tags:
        qs = _tag_filtered(_in_range(CostDailyTag, start, end), *q.tags[0])
    else:
        qs = _in_range(CostDaily, start, end)
    return set(_dimension_filtered(qs, q).filter(unconvertible).order_by()
               .values_list("billing_currency", "charge_date").distinct())


def rate_warnings(*, missing: Missing, org: str) -> list[dict[str, Any]]:
    """One warning per currency without a rate: ``{"code", "currency", "date" (the first such day), "dates",
    "message"}``. The currency named is the one whose rate is missing: the billing currency, or the
    organization's own when that is the one the Bank never quoted for those days."""
    if not missing:
        return []
    first_rates = rates_first_dates(currencies=sorted({cur for cur, _day in missing} | {org}))

    def lacks(code: str, day: date) -> bool:
        return code.upper() not in ("RUB", "RUR") and (code not in first_rates or day < first_rates[code])

    per_currency: dict[str, set[date]] = defaultdict(set)
    for cur, day in missing:
        if cur == org:
            continue  # summed as it is: nothing to convert (a rollup built for another currency)
        named = [code for code in (cur, org) if lacks(code, day)] or [cur]  # none: rates came, refresh pending
        for code in named:
            per_currency[code].add(day)
    warnings = []
    for code, days in sorted(per_currency.items()):
        ordered = sorted(days)
        first, last = ordered[0], ordered[-1]
        if len(ordered) == 1:
            message = _("No exchange rate for %(currency)s on %(date)s: these amounts are shown in their "
                        "billing currency.") % {"currency": code, "date": human_date(first)}
        else:
            message = ngettext(
                "No exchange rate for %(currency)s on %(count)d day from %(start)s to %(end)s: these amounts "
                "are shown in their billing currency.",
                "No exchange rate for %(currency)s on %(count)d days from %(start)s to %(end)s: these amounts "
                "are shown in their billing currency.",
                len(ordered)) % {"currency": code, "count": len(ordered), "start": human_date(first),
                                 "end": human_date(last)}
        warnings.append({"code": CurrencyErrorCode.RATE_MISSING.value, "currency": code, "date": first,
                         "dates": ordered, "message": message})
    return warnings


def _ledger_rows(q: CostQuery, start: date, end: date, granularity: str | None) -> tuple[str, list[tuple], Missing]:
    """``(currency, [(key, currency, bucket, amount)], missing)`` from the raw ledger (several tag conditions),
    converted per charge date with the rates the rollups use; without a rate, kept in the billing currency."""
    org = organization_currency()
    convert = q.currency == "org"
    fields: dict[str, Any] = {"k": _key_expression(q), "cur": F("billing_currency")}
    if granularity == "week":
        fields["bucket"] = TruncWeek("charge_date")
    elif granularity == "month":
        fields["bucket"] = TruncMonth("charge_date")
    elif granularity == "day" or convert:
        fields["bucket"] = F("charge_date")
    if convert:
        fields["day"] = F("charge_date")
    grouped = list(_ledger_filtered(q, start, end).order_by().values(**fields)
                   .annotate(total=Sum(_ledger_amount(q), output_field=MONEY)))
    out = []
    missing: Missing = set()
    cache: dict[tuple[str, date], Decimal | None] = {}

    def rate(code: str, day: date) -> Decimal | None:
        if (code, day) not in cache:
            try:
                cache[(code, day)] = rate_for(currency=code, day=day)
            except RateMissing:
                cache[(code, day)] = None
        return cache[(code, day)]

    for item in grouped:
        total = item["total"] or Decimal(0)
        currency = item["cur"]
        if convert and currency != org:
            day = item["day"]
            from_rate, to_rate = rate(currency, day), rate(org, day)
            if from_rate is None or to_rate is None:
                missing.add((currency, day))
            else:
                total, currency = total * from_rate / to_rate, org
        bucket = _as_date(item.get("bucket"))
        bucket = _bucket(bucket, granularity) if bucket is not None else None
        out.append((str(item["k"]) if item["k"] is not None else "", currency, bucket, total))
    return org, out, missing


def _totals(rows: list[tuple]) -> dict[tuple[str, str], Decimal]:
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for key, currency, _day, amount in rows:
        totals[(key, currency)] += amount
    return totals


def _sorted_groups(totals: dict[tuple[str, str], Decimal]) -> list[dict[str, Any]]:
    groups = [{"key": key, "currency": currency, "total": total} for (key, currency), total in totals.items()]
    groups.sort(key=lambda g: (-g["total"], g["key"], g["currency"]))
    return groups


def _grand_total(groups: list[dict[str, Any]], org: str, mode: str) -> tuple[str | None, Decimal | None,
                                                                              list[dict[str, Any]]]:
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for group in groups:
        per_currency[group["currency"]] += group["total"]
    totals = [{"currency": c, "total": t} for c, t in sorted(per_currency.items())]
    if mode == "org":
        return org, per_currency.get(org, Decimal(0)), totals
    if len(per_currency) == 1:
        ((currency, total),) = per_currency.items()
        return currency, total, totals
    if not per_currency:
        return org, Decimal(0), totals
    return None, None, totals  # several billing currencies cannot be added up


def cost_summary(*, start: date, end: date, group_by: str = "service", metric: str = "billed",
                 currency: str | None = None, filters: dict[str, Any] | None = None,
                 tags: list[tuple[str, str | None]] | None = None) -> dict[str, Any]:
    """``{"currency", "total", "groups": [{"key", "currency", "total"}], "totals": [...], "warnings": [...]}``
    (Decimals). In the organization's currency, ``total`` sums the converted groups; a group without an exchange
    rate stays in its billing currency (in ``totals`` apart) and ``warnings`` names the currency and days."""
    q = cost_query(start=start, end=end, group_by=group_by, metric=metric, currency=currency, filters=filters,
                   tags=tags)
    org, rows, missing = _rows(q, q.start, q.end, None)
    groups = _sorted_groups(_totals(rows))
    total_currency, total, totals = _grand_total(groups, org, q.currency)
    return {"currency": total_currency, "total": total, "groups": groups, "totals": totals,
            "warnings": rate_warnings(missing=missing, org=org)}


def cost_query(*, start: date, end: date, group_by: str = "service", metric: str = "billed",
               currency: str | None = None, filters: dict[str, Any] | None = None,
               tags: list[tuple[str, str | None]] | None = None) -> CostQuery:
    clean_filters = {name: tuple(str(v) for v in (values if isinstance(values, list | tuple) else [values]))
                     for name, values in (filters or {}).items() if values not in (None, "", [], ())}
    q = CostQuery(start=start, end=end, group_by=group_by or "service", metric=metric or "billed",
                  currency=currency or "org", filters=clean_filters, tags=tuple(tags or ()))
    _check_query(q)
    if q.end < q.start:
        raise _invalid(_("The end date is before the start date."), "end")
    return q


def period_buckets(*, start: date, end: date, granularity: str) -> list[date]:
    buckets, day = [], _bucket(start, granularity)
    while day <= end:
        buckets.append(day)
        if granularity == "day":
            day += timedelta(days=1)
        elif granularity == "week":
            day += timedelta(days=7)
        else:
            day = day.replace(day=calendar.monthrange(day.year, day.month)[1]) + timedelta(days=1)
    return buckets


def _pct(current: Decimal, previous: Decimal) -> Decimal | None:
    if not previous:
        return None
    return (current - previous) * 100 / abs(previous)


def cost_timeseries(*, q: CostQuery, granularity: str = "day", compare: bool = True,
                    series_limit: int = 10) -> dict[str, Any]:
    """The explorer's view: buckets, one series per group (top ``series_limit`` + the rest as "other"),
    the table rows with totals and, with ``compare``, the previous period of the same length."""
    if granularity not in GRANULARITIES:
        raise _invalid(_("Unknown granularity."), "granularity")
    org, rows, missing = _rows(q, q.start, q.end, granularity)
    buckets = period_buckets(start=q.start, end=q.end, granularity=granularity)
    index = {b: i for i, b in enumerate(buckets)}
    totals = _totals(rows)
    groups = _sorted_groups(totals)
    values: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(buckets))
    for key, currency, bucket, amount in rows:
        values[(key, currency)][index[bucket]] += amount
    total_currency, total, currency_totals = _grand_total(groups, org, q.currency)
    previous_totals: dict[tuple[str, str], Decimal] = {}
    previous_total = None
    comparable = False
    if compare:
        prev_q = q.previous()
        _org, prev_rows, prev_missing = _rows(prev_q, prev_q.start, prev_q.end, None)
        missing = missing | prev_missing
        previous_totals = _totals(prev_rows)
        _c, previous_total, _t = _grand_total(_sorted_groups(previous_totals), org, q.currency)
        history = _history(q)
        comparable = history.comparable
        per_group = _group_history(q, org) if comparable else {}
    labels = group_labels(group_by=q.group_by, keys=[g["key"] for g in groups])
    for group in groups:
        ident = (group["key"], group["currency"])
        group["label"] = labels.get(group["key"]) or group["key"]
        group["values"] = values[ident]
        if compare:
            prev = previous_totals.get(ident, Decimal(0))
            # The same rule per row: a service that started a few days before this period is not "+4 900 %".
            group_comparable = comparable and per_group.get(ident, history).comparable
            group.update(previous=prev, comparable=group_comparable,
                         delta=group["total"] - prev if group_comparable else None,
                         delta_pct=_pct(group["total"], prev) if group_comparable else None)
    series = []
    for group in groups[:series_limit]:
        series.append({"key": group["key"], "label": group["label"], "currency": group["currency"],
                       "values": values[(group["key"], group["currency"])], "total": group["total"]})
    rest = groups[series_limit:]
    if rest:
        other: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(buckets))
        for group in rest:
            row = values[(group["key"], group["currency"])]
            other[group["currency"]] = [a + b for a, b in zip(other[group["currency"]], row, strict=True)]
        for currency, row in other.items():
            series.append({"key": "__other__", "label": _("Other"), "currency": currency, "values": row,
                           "total": sum(row, Decimal(0))})
    result = {
        "start": q.start, "end": q.end, "granularity": granularity, "group_by": q.group_by, "metric": q.metric,
        "currency": total_currency, "total": total, "totals": currency_totals, "periods": buckets,
        "series": series, "groups": groups, "warnings": rate_warnings(missing=missing, org=org),
    }
    if compare:
        prev_q = q.previous()
        both = comparable and total is not None and previous_total is not None
        result["previous"] = {"start": prev_q.start, "end": prev_q.end, "total": previous_total,
                              "delta": (total - previous_total) if both else None,
                              "delta_pct": _pct(total, previous_total) if both else None,
                              "comparable": comparable, "days": history.days,
                              "days_with_data": history.previous_days,
                              "current_days_with_data": history.current_days}
    return result


def _group_history(q: CostQuery, org: str) -> dict[tuple[str, str], PeriodHistory]:
    """``_history`` per group of ``q`` (by key and currency, as the groups are), in one grouped query. Rows
    without the grouping tag key are not counted apart (they are a difference of two rollups): that group
    follows the whole view's history."""
    source = _source(q)
    group_key = q.group_by[len(TAG_PREFIX):] if q.group_by.startswith(TAG_PREFIX) else None
    key = _key_expression(q)
    if source == "ledger":
        daily = _ledger_filtered(q, q.previous().start, q.end)
    elif source == "tag":
        tag_key, tag_value = q.tags[0] if q.tags else (group_key, None)
        daily = _dimension_filtered(_tag_filtered(CostDailyTag.objects.all(), tag_key, tag_value), q)
        if group_key:
            key = F("tag_value")
    else:
        daily = _dimension_filtered(CostDaily.objects.all(), q)
    fields: dict[str, Any] = {"key": key}
    if q.currency == "billing":
        fields["currency"] = "billing_currency"
    histories = group_histories(start=q.start, end=q.end, daily=daily, fields=fields)
    return {("" if ident[0] is None else str(ident[0]), ident[1] if len(ident) > 1 else org): history
            for ident, history in histories.items()}


def _history(q: CostQuery) -> PeriodHistory:
    """Days with costs in ``q``'s period and the one before it, counted in the table that answers ``q`` with
    ``q``'s filters: the comparison rule (``selectors.comparison``) the dashboard applies too."""
    source = _source(q)
    if source == "ledger":
        daily = _ledger_filtered(q, q.previous().start, q.end)
    elif source == "tag" and q.tags:
        daily = _dimension_filtered(_tag_filtered(CostDailyTag.objects.all(), *q.tags[0]), q)
    else:
        daily = _dimension_filtered(CostDaily.objects.all(), q)
    return period_history(start=q.start, end=q.end, daily=daily)


def cost_explorer_view(*, params: dict[str, Any], with_utilization: bool = True) -> dict[str, Any]:
    """The explorer's time series view for validated parameters (``apps.costs.forms.explorer_params``), shared by
    the page, the API and the export; grouped by resource, each group carries its utilization too."""
    q = cost_query(start=params["start"], end=params["end"], group_by=params["group_by"],
                   metric=params["metric"], currency=params["currency"], filters=params["filters"],
                   tags=params["tags"])
    view = cost_timeseries(q=q, granularity=params["granularity"], compare=params["compare"])
    if with_utilization and q.group_by == "resource":
        utilization = resource_utilization(keys=[g["key"] for g in view["groups"][:500]])
        for g in view["groups"]:
            if g["key"] in utilization:
                g["utilization"] = utilization[g["key"]]
    return view


def group_labels(*, group_by: str, keys: list[str]) -> dict[str, str]:
    """Human names for ids: connection names, resource names; empty keys read "(not set)"."""
    labels = {"": _("(not set)")}
    if alloc_key(group_by) is not None:
        labels[""] = str(UNALLOCATED_LABEL)
        # A value with a description reads as both («shop · Интернет-магазин»).
        labels.update({value: f"{value} · {description}" for value, description in DimensionValue.objects.filter(
            dimension__key=alloc_key(group_by), value__in=[k for k in keys if k]).exclude(description="")
            .values_list("value", "description")})
    elif group_by == "connection":
        from apps.providers.models import ProviderConnection

        ids = [int(k) for k in keys if k.isdigit()]
        labels.update({str(pk): name for pk, name in
                       ProviderConnection.objects.filter(pk__in=ids).values_list("pk", "name")})
    elif group_by == "resource":
        from apps.inventory.models import Resource

        for rid, name in Resource.objects.filter(resource_id__in=keys).values_list("resource_id", "resource_name"):
            if name:
                labels[rid] = name
        labels.update(_rollup_resource_names([k for k in keys if k and k not in labels]))
    elif group_by == "allocated_resource":
        labels.update(_ledger_names("allocated_resource_id", "allocated_resource_name", [k for k in keys if k]))
    elif group_by == "allocation_method":
        labels.update({k: focus_value_label(group_by, k) for k in keys if k})
        labels.update(_split_labels(keys))
    else:  # FOCUS values and resource types: the ledger keeps the canonical code, the page shows words
        labels.update({k: focus_value_label(group_by, k) for k in keys if k})
    return labels


SPLIT_METHOD_PREFIX = "split:"  # services.allocation_rollup gives split rows this allocation method


def _split_labels(keys: list[str]) -> dict[str, str]:
    """``split:<id>`` (rows split from a shared cost) as «Разделение: <its name>»."""
    from apps.allocation.models import SharedCost

    ids = {k: k[len(SPLIT_METHOD_PREFIX):] for k in keys if k.startswith(SPLIT_METHOD_PREFIX)}
    names = dict(SharedCost.objects.filter(pk__in=[int(v) for v in ids.values() if v.isdigit()])
                 .values_list("pk", "name"))
    return {key: _("Split: %(name)s") % {"name": names.get(int(pk), f"#{pk}") if pk.isdigit() else pk}
            for key, pk in ids.items()}


def _rollup_resource_names(keys: list[str], *, limit: int = 500) -> dict[str, str]:
    """A name the ledger gives each resource id, from the rollups: each daily row's signature keeps the resource
    name its ledger rows carried (``AllocationSignature``). One probe of the daily rollup's resource index per id
    (``LIMIT 1``); the ledger needs no index of its own for it (each costs a large import a scan and a sort)."""
    daily, signatures = CostDaily._meta.db_table, AllocationSignature._meta.db_table
    return _first_names(f"SELECT a.resource_name FROM {daily} d JOIN {signatures} a ON a.sig = d.alloc_sig "  # noqa: S608
                        "WHERE d.resource_id = k AND a.resource_name <> '' LIMIT 1", keys[:limit])


def _ledger_names(id_column: str, name_column: str, keys: list[str], *, limit: int = 500) -> dict[str, str]:
    """A name the ledger gives each id: one index probe per id (``LIMIT 1``), never a scan of the ledger."""
    table = CostRecord._meta.db_table
    probe = f"hashtextextended(r.{id_column}, 0) = hashtextextended(k, 0)"  # the indexed expression (id_hash)
    # ``<> ''`` as the allocated index's condition says: the planner then knows that partial index applies.
    return _first_names(f"SELECT r.{name_column} FROM {table} r WHERE {probe} AND r.{id_column} = k "  # noqa: S608
                        f"AND r.{id_column} <> '' AND r.{name_column} <> '' LIMIT 1", keys[:limit])


def _first_names(name_sql: str, keys: list[str]) -> dict[str, str]:
    """Each key's name by ``name_sql`` (a one-row SELECT of a name for the key ``k``), run once per key in one
    statement; keys without a name are left out."""
    if not keys:
        return {}
    with db_connection.cursor() as cursor:
        cursor.execute(f"SELECT k, ({name_sql}) FROM unnest(%s::text[]) AS k", [keys])  # noqa: S608 -- our SQL
        return {key: name for key, name in cursor.fetchall() if name}


def resource_utilization(*, keys: list[str]) -> dict[str, list[Any]]:
    """Utilization next to cost: the inventory's display values (CPU, memory, disk, network) of the resources
    on the page, by resource id."""
    from apps.inventory.selectors import utilization_by_resource_id

    return utilization_by_resource_id(resource_ids=keys)


def allocation_present() -> bool:
    """Whether the ledger holds FOCUS 1.3 split cost allocation (its partial index answers at once)."""
    return CostRecord.objects.exclude(allocated_resource_id="").exists()


def cost_filter_options(*, limit: int = 200) -> dict[str, list[tuple[str, str]]]:
    """Values seen in the monthly rollup (a fraction of the daily one, same dimensions) for each filterable
    dimension: ``{name: [(value, label)]}``; the allocation dimensions only when the data has allocation."""
    options: dict[str, list[tuple[str, str]]] = {}
    allocation = allocation_present()
    for name, column in DIMENSIONS.items():
        if name == "resource":
            continue  # too many to list; filtered by typing an id
        if name in ALLOCATION and not allocation:
            continue
        values = [str(v) for v in CostMonthly.objects.order_by(column).values_list(column, flat=True)
                  .distinct()[:limit] if v not in (None, "")]
        labels = group_labels(group_by=name, keys=values)
        options[name] = [(v, labels.get(v) or v) for v in values]
    return options


def cost_summary_cached(*, start: date, end: date, group_by: str = "service", metric: str = "billed",
                        currency: str | None = None, filters: dict[str, Any] | None = None,
                        tags: list[tuple[str, str | None]] | None = None) -> dict[str, Any]:
    """``cost_summary()`` for the organization's current data version (``apps.common.cache``): the summary API
    answers a repeated question without reading the rollups again until a sync or an import finishes."""
    params = {"start": start, "end": end, "group_by": group_by, "metric": metric, "currency": currency,
              "filters": {name: tuple(values) for name, values in (filters or {}).items()}, "tags": tuple(tags or ())}
    key = (start.isoformat(), end.isoformat(), group_by, metric, currency,
           tuple(sorted(params["filters"].items())), params["tags"])
    return organization_cached("costs.summary", key, lambda: cost_summary(**params))
