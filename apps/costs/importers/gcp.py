"""Google Cloud billing export (the BigQuery standard/detailed usage cost layout, flattened to CSV or as Parquet, and
the console's CSV with headers such as ``Billing account ID``, ``Service description``, ``Usage start date``)
mapped to FOCUS.

The mapping is the FinOps Foundation converter's (``focus_converters`` ``conversion_rules_export/csv/gcp.csv``):
BilledCost = ``cost`` (the file's cost column, before credits), EffectiveCost = ``cost`` + the sum of
``credits.amount`` (not below 0 for a charge, as the converter says; a negative cost keeps its sign), ListCost =
``cost_at_list``, ChargeCategory from ``cost_type`` (regular -> Usage, tax -> Tax, adjustment and rounding error ->
Adjustment; credit -> Credit, which FOCUS 1.0 added after the converter's pre-1.0 "Adjustment"). The billing period
is the invoice month in Pacific time (``invoice.month``, converted to UTC as the converter does). Columns are
matched regardless of spelling (``billing_account_id`` = ``Billing account ID``), a nested column (``service``,
``credits`` in a Parquet export) is read as the JSON the reader turns it into. See docs/providers/focus_native.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from .native_common import (
    CORE_FOCUS_COLUMNS,
    STRING,
    arithmetic,
    billing_months,
    blank_to_null,
    constant,
    data_rows,
    decimal,
    extra_columns,
    first_of,
    header_keys,
    iso,
    key,
    map_distinct,
    negative,
    nulls,
    parse_time,
)

FORMAT = "gcp_billing"
PROVIDER = "Google Cloud"
CONNECTION_PROVIDERS = ("gcp",)
SOURCE_PREFIX = "gcp"  # "gcp:<billing account>:<YYYY-MM>": a re-imported invoice month replaces its rows
NOTE = "native"
SOURCE_BY_DAY = False
REQUIRED = ("billing_account_id", "service.description", "sku.id", "cost", "usage_start_time")
PACIFIC = ZoneInfo("America/Los_Angeles")

# FOCUS column -> the native fields it is read from, by key (the first present wins). A dotted BigQuery field
# ``a.b`` is also found inside a nested column ``a`` (Parquet, or JSON text).
FIELDS: dict[str, tuple[str, ...]] = {
    "account": ("billing_account_id",),
    "account_name": ("billing_account_name",),
    "service": ("service.description",),
    "service_id": ("service.id",),
    "sku": ("sku.id",),
    "sku_description": ("sku.description",),
    "cost": ("cost",),
    "currency": ("currency",),
    "credits": ("credits",),
    "credit_type": ("credit_type",),
    "cost_type": ("cost_type",),
    "start": ("usage_start_time", "usage_start_date"),
    "end": ("usage_end_time", "usage_end_date"),
    "project": ("project.id",),
    "project_name": ("project.name",),
    "invoice_month": ("invoice.month",),
    "usage_amount": ("usage.amount",),
    "usage_unit": ("usage.unit",),
    "pricing_amount": ("usage.amount_in_pricing_units", "amount_in_pricing_units"),
    "pricing_unit": ("usage.pricing_unit", "pricing_unit"),
    "region": ("location.region", "region"),
    "location": ("location.location", "location"),
    "zone": ("location.zone", "zone"),
    "resource": ("resource.global_name",),
    "resource_name": ("resource.name",),
    "labels": ("labels",),
    "cost_at_list": ("cost_at_list",),
    "seller": ("seller_name",),
    "price_tier": ("price.tier_start_amount",),
}
# Native field -> FOCUS column, for the import report (BigQuery names; the console CSV's are the same keys).
MAPPED: dict[str, str] = {
    "billing_account_id": "BillingAccountId",
    "Billing account ID": "BillingAccountId",
    "billing_account_name": "BillingAccountName",
    "Billing account name": "BillingAccountName",
    "service.description": "ServiceName/ServiceCategory",
    "Service description": "ServiceName/ServiceCategory",
    "sku.id": "SkuId",
    "SKU ID": "SkuId",
    "sku.description": "ChargeDescription",
    "SKU description": "ChargeDescription",
    "cost": "BilledCost/ContractedCost/EffectiveCost",
    "Cost": "BilledCost/ContractedCost/EffectiveCost",
    "currency": "BillingCurrency",
    "Currency": "BillingCurrency",
    "credits": "EffectiveCost",
    "Credits": "EffectiveCost",
    "cost_type": "ChargeCategory",
    "Cost type": "ChargeCategory",
    "Credit type": "ChargeCategory",
    "usage_start_time": "ChargePeriodStart",
    "Usage start date": "ChargePeriodStart",
    "usage_end_time": "ChargePeriodEnd",
    "Usage end date": "ChargePeriodEnd",
    "project.id": "SubAccountId",
    "Project ID": "SubAccountId",
    "project.name": "SubAccountName",
    "Project name": "SubAccountName",
    "invoice.month": "BillingPeriodStart/BillingPeriodEnd",
    "Invoice month": "BillingPeriodStart/BillingPeriodEnd",
    "usage.amount": "ConsumedQuantity",
    "Usage amount": "ConsumedQuantity",
    "usage.unit": "ConsumedUnit",
    "Usage unit": "ConsumedUnit",
    "usage.amount_in_pricing_units": "PricingQuantity",
    "usage.pricing_unit": "PricingUnit",
    "location.region": "RegionId",
    "location.location": "RegionId",
    "location.zone": "AvailabilityZone",
    "resource.global_name": "ResourceId",
    "resource.name": "ResourceName",
    "labels": "Tags",
    "cost_at_list": "ListCost",
    "seller_name": "PublisherName",
    "price.tier_start_amount": "SkuPriceId",
    "Region": "RegionId",
    "Location": "RegionId",
    "Zone": "AvailabilityZone",
    "Amount in pricing units": "PricingQuantity",
    "Pricing unit": "PricingUnit",
}
FOCUS_COLUMNS = [
    *CORE_FOCUS_COLUMNS,
    "ConsumedQuantity",
    "ConsumedUnit",
    "InvoiceIssuerName",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "AvailabilityZone",
    "ResourceId",
    "ResourceName",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
]
ADDED = ["x_CreditsTotal", "x_ServiceId"]
COST_TYPE = {
    "regular": "Usage",
    "usage": "Usage",
    "tax": "Tax",
    "adjustment": "Adjustment",
    "roundingerror": "Adjustment",
    "credit": "Credit",
}
# Nested BigQuery records whose fields the converter maps (a Parquet export has them as struct columns).
RECORDS = ("service", "sku", "project", "invoice", "usage", "location", "resource", "price")


def _cost_currency(keys: dict[str, str]) -> tuple[str | None, str | None]:
    """The cost column and, for a console header such as ``Cost (EUR)``, the currency it names."""
    if "cost" in keys:
        return keys["cost"], None
    for k, name in keys.items():
        if k.startswith("cost") and len(k) == 7 and k[4:].isalpha():
            return name, k[4:].upper()
    return None, None


def _present(keys: dict[str, str], wanted: str) -> bool:
    return key(wanted) in keys or ("." in wanted and key(wanted.split(".")[0]) in keys)


def detect(columns: list[str]) -> bool:
    keys = header_keys(columns)
    if "billedcost" in keys or _cost_currency(keys)[0] is None:
        return False
    return all(any(_present(keys, w) for w in FIELDS[f]) for f in ("account", "service", "sku", "start"))


def _used_keys(keys: dict[str, str]) -> set[str]:
    used = set()
    for wanted in FIELDS.values():
        for w in wanted:
            if key(w) in keys:
                used.add(key(w))
            # A nested record (``service`` as JSON) stays an extra as well: its other fields are kept.
    cost_column = _cost_currency(keys)[0]
    if cost_column:
        used.add(key(cost_column))
    return used


def output_columns(native_columns: list[str], *, cost_type: str = "actual") -> list[str]:
    keys = header_keys(native_columns)
    kept = ["x_Credits"] if "credits" in keys else []
    return FOCUS_COLUMNS + ADDED + kept + [x for _n, x in extra_columns(native_columns, _used_keys(keys), {})]


def column_map(native_columns: list[str], *, cost_type: str = "actual") -> tuple[dict[str, str], dict[str, str]]:
    """For the import report: ({native column: FOCUS column(s)}, {native column: x_ extra}). A nested record
    (``service`` in a Parquet export) is both: its fields are mapped, the record is kept whole."""
    keys = header_keys(native_columns)
    table = {key(name): focus for name, focus in MAPPED.items()}
    mapped: dict[str, str] = {}
    for column in native_columns:
        k = key(column)
        if k in table:
            mapped[column] = table[k]
        else:
            fields = sorted({focus for name, focus in MAPPED.items() if "." in name and key(name.split(".")[0]) == k})
            if fields:
                mapped[column] = ", ".join(fields)
    cost_column = _cost_currency(keys)[0]
    if cost_column and cost_column not in mapped:
        mapped[cost_column] = MAPPED["cost"]
    extras = {
        c: {"credits": "x_Credits", "serviceid": "x_ServiceId"}[key(c)]
        for c in native_columns
        if key(c) in ("credits", "serviceid")
    }
    extras.update(dict(extra_columns(native_columns, _used_keys(keys), {})))
    return mapped, extras


@cache
def _categories() -> dict[str, str]:
    return {row["ConsumedService"].casefold(): row["ServiceCategory"] for row in data_rows("gcp_category_mapping.csv")}


def _json_field(text: str, field: str) -> str | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    found = value.get(field) if isinstance(value, dict) else None
    return None if found is None else str(found) if not isinstance(found, str) else found


def _credits_total(text: str) -> str | None:
    """The sum of a ``credits`` value: a number (console CSV) or the JSON list of ``{name, amount, ...}``."""
    number = decimal(text)
    if number is not None:
        return format(number, "f")
    try:
        items = json.loads(text)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    total = Decimal(0)
    for item in items:
        amount = decimal(str(item.get("amount"))) if isinstance(item, dict) else None
        total += amount or 0
    return format(total, "f")


def _labels(text: str) -> str | None:
    """``labels`` as a JSON object: BigQuery writes a list of ``{key, value}``."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, list):
        value = {str(i.get("key")): i.get("value") for i in value if isinstance(i, dict) and "key" in i}
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) and value else None


def _invoice_month(text: str) -> str | None:
    """``YYYYMM`` -> the month's bounds in Pacific time, as UTC (the converter's ASSIGN_TIMEZONE
    America/Los_Angeles, then CONVERT_TIMEZONE UTC)."""
    value = text.strip()
    if len(value) != 6 or not value.isdigit():
        return None
    year, month = int(value[:4]), int(value[4:])
    if not 1 <= month <= 12:
        return None
    start = datetime(year, month, 1, tzinfo=PACIFIC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=PACIFIC)
    return iso(start.astimezone(UTC)) + "|" + iso(end.astimezone(UTC))


def _period(joined: str) -> str:
    """``start|end`` as ISO UTC; a date-only end on the start's day (the console's inclusive dates) or a missing
    one becomes the next day."""
    start_text, end_text = joined.split("\x1f")
    start = parse_time(start_text)
    if start is None:
        return start_text + "|" + end_text
    end = parse_time(end_text) if end_text else None
    if end is None or end <= start:
        end = start + timedelta(days=1)
    return iso(start) + "|" + iso(end)


def to_focus(batch: pa.RecordBatch, *, cost_type: str = "actual") -> pa.RecordBatch:
    n = batch.num_rows
    names = batch.schema.names
    keys = header_keys(names)

    def get(field: str) -> pa.Array | None:
        for wanted in FIELDS[field]:
            if key(wanted) in keys:
                return blank_to_null(batch.column(keys[key(wanted)]))
            record, _dot, sub = wanted.partition(".")
            if sub and key(record) in keys:
                column = blank_to_null(batch.column(keys[key(record)]))
                return blank_to_null(map_distinct(column, lambda t, s=sub: _json_field(t, s)))
        return None

    def get_or_null(field: str) -> pa.Array:
        found = get(field)
        return found if found is not None else nulls(n)

    cost_column, header_currency = _cost_currency(keys)
    cost = blank_to_null(batch.column(cost_column))
    # 0 without credits: every row then has an extra (pyarrow's element-wise join in the normalizer drops a row
    # whose extras are all empty).
    credits = pc.fill_null(map_distinct(get_or_null("credits"), _credits_total), "0")
    net = arithmetic("add", cost, credits)
    # The converter's floor: a charge's credits never make it negative; a negative cost (a refund) keeps its sign.
    effective = pc.if_else(
        pc.and_(negative(net), pc.invert(negative(cost))), pa.scalar("0", STRING), pc.coalesce(net, cost)
    )

    credit_type = get("credit_type")
    category = map_distinct(get_or_null("cost_type"), lambda t: COST_TYPE.get(key(t), "Usage"))
    if credit_type is not None:  # the console's cost table lists each credit as a row of its own
        category = pc.if_else(pc.is_valid(credit_type), pa.scalar("Credit", STRING), category)
    category = pc.coalesce(category, pa.scalar("Usage", STRING))

    start = get_or_null("start")
    joined = pc.binary_join_element_wise(start, pc.fill_null(get_or_null("end"), ""), "\x1f")
    period = map_distinct(joined, _period)
    charge_start = pc.utf8_slice_codeunits(period, 0, 20)
    charge_end = pc.utf8_slice_codeunits(period, 21, 41)
    invoice = map_distinct(get_or_null("invoice_month"), _invoice_month)
    month_start, month_end = billing_months(charge_start)
    period_start = first_of(pc.utf8_slice_codeunits(invoice, 0, 20), month_start)
    period_end = first_of(pc.utf8_slice_codeunits(invoice, 21, 41), month_end)

    currency = get("currency")
    if currency is None:
        currency = constant(header_currency, n)
    service = get_or_null("service")
    region = first_of(get("region"), get("location"))
    columns = {
        "BilledCost": cost,
        "EffectiveCost": effective,
        "ListCost": pc.coalesce(get_or_null("cost_at_list"), cost),
        "ContractedCost": cost,
        "BillingCurrency": currency,
        "BillingAccountId": get_or_null("account"),
        "BillingAccountName": get_or_null("account_name"),
        "BillingPeriodStart": period_start,
        "BillingPeriodEnd": period_end,
        "ChargePeriodStart": charge_start,
        "ChargePeriodEnd": charge_end,
        "ChargeCategory": category,
        "ChargeClass": nulls(n),
        "ChargeDescription": get_or_null("sku_description"),
        "ConsumedQuantity": get_or_null("usage_amount"),
        "ConsumedUnit": get_or_null("usage_unit"),
        "InvoiceIssuerName": constant(PROVIDER, n),
        "PricingQuantity": get_or_null("pricing_amount"),
        "PricingUnit": get_or_null("pricing_unit"),
        "ProviderName": constant(PROVIDER, n),
        "PublisherName": pc.coalesce(get_or_null("seller"), pa.scalar(PROVIDER, STRING)),
        "RegionId": region if region is not None else nulls(n),
        "AvailabilityZone": get_or_null("zone"),
        "ResourceId": get_or_null("resource"),
        "ResourceName": get_or_null("resource_name"),
        "ServiceCategory": map_distinct(service, lambda s: _categories().get(s.casefold(), "Other")),
        "ServiceName": service,
        "SkuId": get_or_null("sku"),
        "SkuPriceId": get_or_null("price_tier"),
        "SubAccountId": get_or_null("project"),
        "SubAccountName": get_or_null("project_name"),
        "Tags": map_distinct(get_or_null("labels"), _labels),
        "x_CreditsTotal": credits,
        "x_ServiceId": get_or_null("service_id"),
    }
    columns["ServiceCategory"] = pc.coalesce(columns["ServiceCategory"], pa.scalar("Other", STRING))
    if "credits" in keys:  # the credits themselves (names, types, ids) beside their total
        columns["x_Credits"] = batch.column(keys["credits"])
    for native, x in extra_columns(names, _used_keys(keys), {}):
        columns[x] = batch.column(native)
    return pa.RecordBatch.from_pydict({name: array.cast(STRING) for name, array in columns.items()})
