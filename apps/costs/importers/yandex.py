"""The Yandex Cloud billing detail CSV ("расширенная детализация") mapped to FOCUS columns.

Columns and semantics: docs/providers/yandex_billing_export.md. One row is one SKU's consumption per
day (a Moscow day) per folder (and resource). ``cost`` is gross; ``credit`` is the (negative) total of
discounts, so BilledCost = EffectiveCost = cost + credit, and ListCost = ContractedCost = cost.
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation

import pyarrow as pa

FORMAT = "yandex_csv"
CONNECTION_PROVIDERS = ("yandex",)
SOURCE_PREFIX = "yandex"  # source keys "yandex:<billing account>:<day>"
NOTE = "yandex"  # the import report's note
SOURCE_BY_DAY = True  # one file per day, rewritten through the day: a re-import replaces its days
REQUIRED = ("billing_account_id", "service_name", "sku_id", "date", "cost", "currency")
LABEL_PREFIX = "label.user_labels."
PROVIDER = "Yandex Cloud"
KEEP = {  # native column -> x_ extra
    "folder_id": "x_FolderId", "folder_name": "x_FolderName", "sku_name": "x_SkuName",
    "credit": "x_Credit", "monetary_grant_credit": "x_MonetaryGrantCredit",
    "volume_incentive_credit": "x_VolumeIncentiveCredit", "cud_credit": "x_CudCredit",
    "misc_credit": "x_MiscCredit", "service_id": "x_ServiceId", "locale": "x_Locale",
    "updated_at": "x_UpdatedAt", "exported_at": "x_ExportedAt",
}
MAPPED = {  # native column -> the FOCUS columns it lands in (the import report)
    "billing_account_id": "BillingAccountId", "billing_account_name": "BillingAccountName",
    "cloud_id": "SubAccountId", "cloud_name": "SubAccountName", "resource_id": "ResourceId",
    "service_name": "ServiceName, ServiceCategory", "sku_id": "SkuId", "sku_name": "ChargeDescription",
    "date": "ChargePeriodStart, ChargePeriodEnd, BillingPeriodStart, BillingPeriodEnd",
    "currency": "BillingCurrency", "pricing_quantity": "PricingQuantity, ConsumedQuantity",
    "pricing_unit": "PricingUnit, ConsumedUnit",
    "cost": "BilledCost, EffectiveCost, ListCost, ContractedCost", "credit": "BilledCost, EffectiveCost",
}
MAPPED_PREFIXES = {LABEL_PREFIX: "Tags"}
CATEGORIES = [  # service name fragment -> FOCUS ServiceCategory
    ("compute", "Compute"), ("serverless", "Compute"), ("functions", "Compute"), ("kubernetes", "Compute"),
    ("container", "Compute"), ("storage", "Storage"), ("backup", "Storage"), ("postgresql", "Databases"),
    ("mysql", "Databases"), ("clickhouse", "Databases"), ("mongodb", "Databases"), ("redis", "Databases"),
    ("valkey", "Databases"), ("ydb", "Databases"), ("opensearch", "Analytics"), ("kafka", "Integration"),
    ("data", "Analytics"), ("network", "Networking"), ("vpc", "Networking"), ("cdn", "Networking"),
    ("dns", "Networking"), ("load balancer", "Networking"), ("monitoring", "Management and Governance"),
    ("logging", "Management and Governance"), ("audit", "Management and Governance"),
    ("lockbox", "Security"), ("kms", "Security"), ("certificate", "Security"), ("smartcaptcha", "Security"),
    ("speech", "AI and Machine Learning"), ("vision", "AI and Machine Learning"),
    ("translate", "AI and Machine Learning"), ("gpt", "AI and Machine Learning"),
    ("ml", "AI and Machine Learning"), ("datasphere", "AI and Machine Learning"),
    ("iam", "Identity"), ("organization", "Identity"), ("message queue", "Integration"),
    ("api gateway", "Integration"), ("marketplace", "Other"),
]
FOCUS_COLUMNS = [
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency", "BillingAccountId",
    "BillingAccountName", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
    "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ProviderName", "PublisherName",
    "InvoiceIssuerName", "SubAccountId", "SubAccountName", "ResourceId", "ServiceName", "ServiceCategory",
    "SkuId", "PricingCategory", "PricingQuantity", "PricingUnit", "ConsumedQuantity", "ConsumedUnit", "Tags",
]


def detect(columns: list[str]) -> bool:
    names = set(columns)
    return all(c in names for c in REQUIRED) and "BilledCost" not in names


is_yandex = detect


def service_category(name: str) -> str:
    lowered = (name or "").lower()
    for fragment, category in CATEGORIES:
        if fragment in lowered:
            return category
    return "Other"


def _number(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+,\d+", text):
        text = text.replace(",", ".")
    return text or None


def _sum(a: str | None, b: str | None) -> str | None:
    try:
        total = Decimal(a or "0") + Decimal(b or "0")
    except InvalidOperation:
        return a  # left invalid: the FOCUS validation reports it on BilledCost
    return format(total, "f") if a is not None else None


def _period(day_text: str | None) -> tuple[str | None, ...]:
    try:
        day = date.fromisoformat((day_text or "").strip()[:10])
    except ValueError:
        return day_text, day_text, day_text, day_text
    month_start = day.replace(day=1)
    days = calendar.monthrange(day.year, day.month)[1]
    month_end = date.fromordinal(month_start.toordinal() + days)
    next_day = date.fromordinal(day.toordinal() + 1)
    return (f"{month_start}T00:00:00Z", f"{month_end}T00:00:00Z", f"{day}T00:00:00Z", f"{next_day}T00:00:00Z")


def to_focus(batch: pa.RecordBatch, *, cost_type: str = "actual") -> pa.RecordBatch:
    data = batch.to_pydict()
    n = batch.num_rows

    def col(name):
        values = data.get(name)
        return values if values is not None else [None] * n

    labels = [c for c in batch.schema.names if c.startswith(LABEL_PREFIX)]
    out: dict[str, list] = {c: [] for c in FOCUS_COLUMNS}
    extras = {x: [] for native, x in KEEP.items() if native in data}
    for i in range(n):
        cost = _number(col("cost")[i])
        credit = _number(col("credit")[i])
        billed = _sum(cost, credit)
        bps, bpe, cps, cpe = _period(col("date")[i])
        tags = {c[len(LABEL_PREFIX):]: data[c][i] for c in labels if data[c][i] not in (None, "")}
        service = col("service_name")[i] or ""
        quantity = _number(col("pricing_quantity")[i])
        row = {
            "BilledCost": billed, "EffectiveCost": billed, "ListCost": cost, "ContractedCost": cost,
            "BillingCurrency": col("currency")[i], "BillingAccountId": col("billing_account_id")[i],
            "BillingAccountName": col("billing_account_name")[i], "BillingPeriodStart": bps,
            "BillingPeriodEnd": bpe, "ChargePeriodStart": cps, "ChargePeriodEnd": cpe, "ChargeCategory": "Usage",
            "ChargeClass": None, "ChargeDescription": col("sku_name")[i], "ChargeFrequency": "Usage-Based",
            "ProviderName": PROVIDER, "PublisherName": PROVIDER, "InvoiceIssuerName": PROVIDER,
            "SubAccountId": col("cloud_id")[i], "SubAccountName": col("cloud_name")[i],
            "ResourceId": col("resource_id")[i], "ServiceName": service,
            "ServiceCategory": service_category(service), "SkuId": col("sku_id")[i],
            "PricingCategory": "Standard", "PricingQuantity": quantity, "PricingUnit": col("pricing_unit")[i],
            "ConsumedQuantity": quantity, "ConsumedUnit": col("pricing_unit")[i],
            "Tags": json.dumps(tags, ensure_ascii=False) if tags else None,
        }
        for name in FOCUS_COLUMNS:
            out[name].append(row[name])
        for native, x in KEEP.items():
            if native in data:
                extras[x].append(data[native][i])
    arrays = {name: pa.array(values, pa.string()) for name, values in out.items()}
    arrays.update({x: pa.array(values, pa.string()) for x, values in extras.items()})
    return pa.RecordBatch.from_pydict(arrays)


def output_columns(native_columns: list[str], *, cost_type: str = "actual") -> list[str]:
    return FOCUS_COLUMNS + [x for native, x in KEEP.items() if native in native_columns]
