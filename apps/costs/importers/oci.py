"""Oracle Cloud Infrastructure cost report (the legacy CSV: ``lineItem/intervalUsageStart``, ``product/service``,
``cost/myCost``, ``tags/<namespace>.<key>``...) mapped to FOCUS.

The mapping is the FinOps Foundation converter's (``focus_converters`` ``conversion_rules_export/csv/oci.csv``)
with one exception the issue asks for: BilledCost and EffectiveCost are ``cost/myCost``, which includes the
overage (the converter reads BilledCost from ``cost/myCostOverage``, the overage part alone). The report has
neither list prices nor charge categories: every row is usage (ChargeClass "Correction" where
``lineItem/isCorrection`` is true), ListCost = ContractedCost = ``cost/myCost``; the ``tags/*`` columns become the
Tags object. See docs/providers/focus_native.md.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc

from .native_common import (
    CORE_FOCUS_COLUMNS,
    STRING,
    billing_months,
    blank_to_null,
    constant,
    extra_columns,
    header_keys,
    key,
    map_distinct,
    nulls,
    times,
)

FORMAT = "oci_cost"
PROVIDER = "Oracle"
CONNECTION_PROVIDERS = ("oci",)
SOURCE_PREFIX = "oci"  # "oci:<subscription>:<YYYY-MM>"
NOTE = "native"
SOURCE_BY_DAY = False
REQUIRED = (
    "lineItem/intervalUsageStart",
    "lineItem/intervalUsageEnd",
    "product/service",
    "cost/myCost",
    "cost/currencyCode",
)
TAG_PREFIX = "tags/"
MAPPED: dict[str, str] = {
    "cost/myCost": "BilledCost/EffectiveCost/ListCost/ContractedCost",
    "cost/currencyCode": "BillingCurrency",
    "cost/subscriptionId": "BillingAccountId",
    "lineItem/tenantId": "SubAccountId",
    "lineItem/intervalUsageStart": "ChargePeriodStart/BillingPeriodStart",
    "lineItem/intervalUsageEnd": "ChargePeriodEnd",
    "lineItem/isCorrection": "ChargeClass",
    "product/Description": "ChargeDescription",
    "usage/billedQuantity": "ConsumedQuantity/PricingQuantity",
    "cost/skuUnitDescription": "ConsumedUnit/PricingUnit",
    "cost/unitPrice": "ContractedUnitPrice",
    "product/region": "RegionId",
    "product/availabilityDomain": "AvailabilityZone",
    "product/resourceId": "ResourceId",
    "product/service": "ServiceName/ServiceCategory",
    "cost/productSku": "SkuId",
}
MAPPED_PREFIXES = {TAG_PREFIX: "Tags"}
FOCUS_COLUMNS = [
    *CORE_FOCUS_COLUMNS,
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedUnitPrice",
    "InvoiceIssuerName",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "AvailabilityZone",
    "ResourceId",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SubAccountId",
    "Tags",
    "x_CostOverage",
]
# OCI service names (product/service) by FOCUS ServiceCategory; InfraZen's own table (the converter has none).
CATEGORIES = [
    ("COMPUTE", "Compute"),
    ("FUNCTIONS", "Compute"),
    ("CONTAINER", "Compute"),
    ("OKE", "Compute"),
    ("BLOCK_STORAGE", "Storage"),
    ("OBJECT_STORAGE", "Storage"),
    ("FILE_STORAGE", "Storage"),
    ("BACKUP", "Storage"),
    ("DATABASE", "Databases"),
    ("MYSQL", "Databases"),
    ("NOSQL", "Databases"),
    ("AUTONOMOUS", "Databases"),
    ("NETWORK", "Networking"),
    ("VCN", "Networking"),
    ("LOAD_BALANCER", "Networking"),
    ("DNS", "Networking"),
    ("FASTCONNECT", "Networking"),
    ("VPN", "Networking"),
    ("CDN", "Networking"),
    ("EGRESS", "Networking"),
    ("MONITORING", "Management and Governance"),
    ("LOGGING", "Management and Governance"),
    ("TELEMETRY", "Management and Governance"),
    ("VAULT", "Security"),
    ("KMS", "Security"),
    ("WAF", "Security"),
    ("IDENTITY", "Identity"),
    ("IAM", "Identity"),
    ("STREAMING", "Integration"),
    ("INTEGRATION", "Integration"),
    ("ANALYTICS", "Analytics"),
    ("DATA_SCIENCE", "AI and Machine Learning"),
    ("AI_SERVICE", "AI and Machine Learning"),
    ("GENERATIVE_AI", "AI and Machine Learning"),
]
TRUE = {"true", "1", "yes", "y"}


def detect(columns: list[str]) -> bool:
    keys = header_keys(columns)
    return all(key(c) in keys for c in REQUIRED) and "billedcost" not in keys


def _tag_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if c.lower().startswith(TAG_PREFIX)]


def _used_keys() -> set[str]:
    return {key(c) for c in MAPPED} | {key("cost/myCostOverage")}  # the overage: x_CostOverage


def output_columns(native_columns: list[str], *, cost_type: str = "actual") -> list[str]:
    tags = set(_tag_columns(native_columns))
    return FOCUS_COLUMNS + [x for _n, x in extra_columns(native_columns, _used_keys(), {}, lambda c: c in tags)]


def column_map(native_columns: list[str], *, cost_type: str = "actual") -> tuple[dict[str, str], dict[str, str]]:
    """For the import report: ({native column: FOCUS column(s)}, {native column: x_ extra})."""
    table = {key(name): focus for name, focus in MAPPED.items()}
    tags = set(_tag_columns(native_columns))
    mapped = {c: ("Tags" if c in tags else table[key(c)]) for c in native_columns if c in tags or key(c) in table}
    extras = {c: "x_CostOverage" for c in native_columns if key(c) == key("cost/myCostOverage")}
    extras.update(dict(extra_columns(native_columns, _used_keys(), {}, lambda c: c in tags)))
    return mapped, extras


def service_category(service: str) -> str:
    upper = service.upper().replace(" ", "_")
    for fragment, category in CATEGORIES:
        if fragment in upper:
            return category
    return "Other"


def _tags_object(batch: pa.RecordBatch, columns: list[str]) -> pa.Array:
    """The ``tags/<namespace>.<key>`` columns as one JSON object per row, built once per distinct combination."""
    n = batch.num_rows
    if not columns:
        return nulls(n)
    names = [c[len(TAG_PREFIX) :] for c in columns]
    values = [pc.fill_null(batch.column(c).cast(STRING), "") for c in columns]
    joined = values[0] if len(values) == 1 else pc.binary_join_element_wise(*values, "\x1f")

    def decide(text: str) -> str | None:
        tags = {name: value for name, value in zip(names, text.split("\x1f"), strict=True) if value}
        return json.dumps(tags, ensure_ascii=False) if tags else None

    return map_distinct(joined, decide)


def to_focus(batch: pa.RecordBatch, *, cost_type: str = "actual") -> pa.RecordBatch:
    n = batch.num_rows
    names = batch.schema.names
    keys = header_keys(names)

    def get(native: str) -> pa.Array:
        k = key(native)
        return blank_to_null(batch.column(keys[k])) if k in keys else nulls(n)

    cost = get("cost/myCost")
    start = times(get("lineItem/intervalUsageStart"))
    month_start, month_end = billing_months(start)
    correction = pc.fill_null(
        pc.is_in(
            pc.ascii_lower(pc.utf8_trim_whitespace(get("lineItem/isCorrection"))),
            value_set=pa.array(sorted(TRUE), STRING),
        ),
        False,
    )
    quantity = get("usage/billedQuantity")
    unit = get("cost/skuUnitDescription")
    service = get("product/service")
    tag_columns = _tag_columns(names)
    columns = {
        "BilledCost": cost,
        "EffectiveCost": cost,
        "ListCost": cost,
        "ContractedCost": cost,
        "BillingCurrency": get("cost/currencyCode"),
        "BillingAccountId": get("cost/subscriptionId"),
        "BillingAccountName": nulls(n),
        "BillingPeriodStart": month_start,
        "BillingPeriodEnd": month_end,
        "ChargePeriodStart": start,
        "ChargePeriodEnd": times(get("lineItem/intervalUsageEnd")),
        "ChargeCategory": constant("Usage", n),
        "ChargeClass": pc.if_else(correction, pa.scalar("Correction", STRING), pa.scalar(None, STRING)),
        "ChargeDescription": get("product/Description"),
        "ConsumedQuantity": quantity,
        "ConsumedUnit": unit,
        "ContractedUnitPrice": get("cost/unitPrice"),
        "InvoiceIssuerName": constant(PROVIDER, n),
        "PricingQuantity": quantity,
        "PricingUnit": unit,
        "ProviderName": constant(PROVIDER, n),
        "PublisherName": constant(PROVIDER, n),
        "RegionId": get("product/region"),
        "AvailabilityZone": get("product/availabilityDomain"),
        "ResourceId": get("product/resourceId"),
        "ServiceCategory": pc.coalesce(map_distinct(service, service_category), pa.scalar("Other", STRING)),
        "ServiceName": service,
        "SkuId": get("cost/productSku"),
        "SubAccountId": get("lineItem/tenantId"),
        "Tags": _tags_object(batch, tag_columns),
        # The overage part of BilledCost, 0 when none (so every row has an extra: pyarrow's element-wise join in
        # the normalizer drops a row whose extras are all empty).
        "x_CostOverage": pc.fill_null(get("cost/myCostOverage"), "0"),
    }
    tags = set(tag_columns)
    for native, x in extra_columns(names, _used_keys(), {}, lambda c: c in tags):
        columns[x] = batch.column(native)
    return pa.RecordBatch.from_pydict({name: array.cast(STRING) for name, array in columns.items()})
