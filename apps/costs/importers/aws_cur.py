"""The AWS Cost and Usage Report, legacy layout (``lineItem/UnblendedCost`` headers; CSV or gzip CSV), mapped to FOCUS.

The mapping follows the FinOps Foundation's converter (focus_converters ``conversion_rules_export/csv/aws-cur.csv``
and ``aws.csv`` for CUR 2.0, see ``aws_cur2``); where FOCUS 1.0+ differs from that FOCUS 1.0-preview era table,
the spec wins (Credit is a ChargeCategory of its own, a Refund is a Correction). Sources and every deviation:
docs/providers/focus_native.md. ``to_focus`` is vectorized with Arrow compute; Python runs only per distinct
value (ARNs, tag objects) or for the few commitment-fee rows whose effective cost is a sum.

One native row is one ledger row. The costs keep their sign and meaning:

- BilledCost: ``lineItem/NetUnblendedCost`` when the report has net columns, else ``lineItem/UnblendedCost``
  (taxes, credits and refunds included as they are: the ledger's total is the file's total);
- EffectiveCost: the commitment-aware cost of the converter (RI / Savings Plan effective cost on covered usage,
  the unused part on the recurring fees, 0 on upfront fees and Savings Plan negation), the net variant of each
  when the report has one; every other row its BilledCost;
- ListCost: ``pricing/publicOnDemandCost`` (the BilledCost of rows with no list price: tax, credit, refund,
  discounts); ContractedCost: ``lineItem/UnblendedCost`` (the list cost on commitment-covered usage).

The report's cost type needs no choice (it carries actual and amortized costs side by side): ``cost_type`` is
accepted and ignored.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

import pyarrow as pa
import pyarrow.compute as pc

from apps.common.pgbinary import repeated

from .aws_cur_categories import CATEGORIES
from .normalize import _json_string, join_present

FORMAT = "aws_cur"
PROVIDER = "AWS"  # FOCUS ProviderName, as the converter assigns it
CONNECTION_PROVIDERS = ("aws",)
SOURCE_PREFIX = "aws_cur"  # shared with CUR 2.0: a re-export in the other layout replaces the same payer-months
NOTE = "native"
SOURCE_BY_DAY = False  # a report covers billing periods: a re-import replaces its payer's months

# Logical name -> the legacy header (a tuple: alternatives, the first present wins).
NAMES: dict[str, tuple[str, ...]] = {
    "payer": ("bill/PayerAccountId",),
    "payer_name": ("bill/PayerAccountName",),
    "bp_start": ("bill/BillingPeriodStartDate",),
    "bp_end": ("bill/BillingPeriodEndDate",),
    "invoice_id": ("bill/InvoiceId",),
    "invoicing_entity": ("bill/InvoicingEntity",),
    "usage_account": ("lineItem/UsageAccountId",),
    "usage_account_name": ("lineItem/UsageAccountName",),
    "type": ("lineItem/LineItemType",),
    "start": ("lineItem/UsageStartDate",),
    "end": ("lineItem/UsageEndDate",),
    "product_code": ("lineItem/ProductCode",),
    "usage_amount": ("lineItem/UsageAmount",),
    "currency": ("lineItem/CurrencyCode",),
    "unblended": ("lineItem/UnblendedCost",),
    "net_unblended": ("lineItem/NetUnblendedCost",),
    "description": ("lineItem/LineItemDescription",),
    "legal_entity": ("lineItem/LegalEntity",),
    "resource_id": ("lineItem/ResourceId",),
    "az": ("lineItem/AvailabilityZone",),
    "usage_type": ("lineItem/UsageType",),
    "region": ("product/region",),
    "region_code": ("product/regionCode",),
    "sku": ("product/sku",),
    "pricing_unit": ("pricing/unit",),
    "od_cost": ("pricing/publicOnDemandCost",),
    "od_rate": ("pricing/publicOnDemandRate",),
    "rate_code": ("pricing/RateCode",),
    "rate_id": ("pricing/RateId",),
    "term": ("pricing/term",),
    "ri_arn": ("reservation/ReservationARN",),
    "ri_effective": ("reservation/EffectiveCost",),
    "ri_net_effective": ("reservation/NetEffectiveCost",),
    "ri_unused_upfront": ("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",),
    "ri_net_unused_upfront": ("reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod",),
    "ri_unused_recurring": ("reservation/UnusedRecurringFee",),
    "ri_net_unused_recurring": ("reservation/NetUnusedRecurringFee",),
    "ri_total_units": ("reservation/TotalReservedUnits",),
    "sp_arn": ("savingsPlan/SavingsPlanARN",),
    "sp_effective": ("savingsPlan/SavingsPlanEffectiveCost",),
    "sp_net_effective": ("savingsPlan/NetSavingsPlanEffectiveCost",),
    "sp_total": ("savingsPlan/TotalCommitmentToDate",),
    "sp_used": ("savingsPlan/UsedCommitment",),
}
REQUIRED = ("lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/UnblendedCost",
            "lineItem/CurrencyCode", "bill/PayerAccountId", "bill/BillingPeriodStartDate")
TAG_PREFIX = "resourceTags/"  # one column per tag key: resourceTags/user:<key> (cost allocation), resourceTags/aws:...
USER_TAG = "user:"
# Native columns kept under a FOCUS-style extra name (the names of AWS's own "FOCUS with AWS columns" export);
# every other column the mapping does not use is kept as ``x_<its header>``.
KEEP_AS = {"lineItem/UsageType": "x_UsageType", "lineItem/Operation": "x_Operation",
           "product/servicecode": "x_ServiceCode"}
LINE_ITEM_TYPE_EXTRA = "x_LineItemType"  # the raw line item type, beside the FOCUS categories derived from it

# The FOCUS column(s) each logical input lands in (the import report's "mapped" list).
TARGETS: dict[str, str] = {
    "payer": "BillingAccountId", "payer_name": "BillingAccountName", "bp_start": "BillingPeriodStart",
    "bp_end": "BillingPeriodEnd", "invoice_id": "InvoiceId", "invoicing_entity": "InvoiceIssuerName",
    "usage_account": "SubAccountId", "usage_account_name": "SubAccountName",
    "type": "ChargeCategory, ChargeClass, ChargeFrequency, PricingCategory, CommitmentDiscountStatus, "
            "EffectiveCost, x_LineItemType",
    "start": "ChargePeriodStart", "end": "ChargePeriodEnd", "product_code": "ServiceName, ServiceCategory",
    "usage_amount": "ConsumedQuantity, PricingQuantity", "currency": "BillingCurrency",
    "unblended": "BilledCost, ContractedCost, EffectiveCost", "net_unblended": "BilledCost, EffectiveCost",
    "description": "ChargeDescription", "legal_entity": "PublisherName", "resource_id": "ResourceId, ResourceType",
    "az": "AvailabilityZone", "usage_type": "PricingCategory, x_UsageType", "region": "RegionId",
    "region_code": "RegionId", "sku": "SkuId",
    "pricing_unit": "PricingUnit, ConsumedUnit", "od_cost": "ListCost, ContractedCost", "od_rate": "ListUnitPrice",
    "rate_code": "SkuPriceId", "rate_id": "SkuPriceId", "term": "PricingCategory",
    "ri_arn": "CommitmentDiscountId, CommitmentDiscountCategory, CommitmentDiscountType",
    "ri_effective": "EffectiveCost", "ri_net_effective": "EffectiveCost", "ri_unused_upfront": "EffectiveCost",
    "ri_net_unused_upfront": "EffectiveCost", "ri_unused_recurring": "EffectiveCost",
    "ri_net_unused_recurring": "EffectiveCost", "ri_total_units": "PricingQuantity",
    "sp_arn": "CommitmentDiscountId, CommitmentDiscountCategory, CommitmentDiscountType",
    "sp_effective": "EffectiveCost", "sp_net_effective": "EffectiveCost", "sp_total": "EffectiveCost",
    "sp_used": "EffectiveCost",
}

# lineItem/LineItemType -> FOCUS ChargeCategory (converter's 1_charge_category_S001; Credit -> Credit since
# FOCUS 1.0, Refund -> Adjustment with ChargeClass Correction). A type AWS adds later is an Adjustment ("fits
# none of the above") and keeps its raw value in x_LineItemType.
USAGE_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "BundledDiscount",
               "Discount", "PrivateRateDiscount", "EdpDiscount")
CHARGE_CATEGORY = {
    **{t: "Usage" for t in USAGE_TYPES},
    "Fee": "Purchase", "RIFee": "Purchase", "SavingsPlanUpfrontFee": "Purchase",
    "SavingsPlanRecurringFee": "Purchase", "Tax": "Tax", "Credit": "Credit", "Refund": "Adjustment",
}
CHARGE_FREQUENCY = {
    **{t: "Usage-Based" for t in USAGE_TYPES},
    "RIFee": "Recurring", "SavingsPlanRecurringFee": "Recurring", "Fee": "One-Time",
    "SavingsPlanUpfrontFee": "One-Time", "Tax": "One-Time", "Credit": "One-Time", "Refund": "One-Time",
}
COVERED = ("DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation")  # usage a commitment paid for
# Rows with no list price of their own: their list and contracted costs are their billed cost (FOCUS ListCost
# and ContractedCost: "standalone rows equal BilledCost").
STANDALONE = ("Tax", "Credit", "Refund", "BundledDiscount", "Discount", "PrivateRateDiscount", "EdpDiscount")
PURCHASES_AT_LIST = ("Fee", "RIFee", "SavingsPlanUpfrontFee", "SavingsPlanRecurringFee")

FOCUS_COLUMNS = [
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "BillingCurrency",
    "BillingAccountId", "BillingAccountName", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
    "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ProviderName",
    "PublisherName", "InvoiceIssuerName", "InvoiceId", "SubAccountId", "SubAccountName", "ResourceId",
    "ResourceType", "RegionId", "AvailabilityZone", "ServiceName", "ServiceCategory", "SkuId", "SkuPriceId",
    "PricingCategory", "PricingQuantity", "PricingUnit", "ConsumedQuantity", "ConsumedUnit",
    "CommitmentDiscountId", "CommitmentDiscountCategory", "CommitmentDiscountType", "CommitmentDiscountStatus",
    "Tags",
]


def detect(columns: list[str]) -> bool:
    names = set(columns)
    return all(c in names for c in REQUIRED)


# --- the mapping, shared with CUR 2.0 --------------------------------------------------------------


class Layout:
    """One CUR layout: its header per logical input, its tag columns and how a tag key is read."""

    def __init__(self, names: dict[str, tuple[str, ...]], *, keep_as: dict[str, str], tag_prefix: str,
                 user_tag: str, tag_map_column: str | None = None):
        self.names = names
        self.keep_as = keep_as
        self.tag_prefix = tag_prefix
        self.user_tag = user_tag
        self.tag_map_column = tag_map_column

    def resolve(self, columns: list[str]) -> dict[str, str]:
        """Logical input -> the header present in this file."""
        present = set(columns)
        found = {}
        for key, alternatives in self.names.items():
            name = next((a for a in alternatives if a in present), None)
            if name is not None:
                found[key] = name
        return found

    def tag_columns(self, columns: list[str]) -> list[str]:
        return [c for c in columns if c.startswith(self.tag_prefix) and c != self.tag_map_column]

    def tag_key(self, column: str) -> str:
        key = column[len(self.tag_prefix):]
        return key[len(self.user_tag):] if key.startswith(self.user_tag) else key

    def extras(self, columns: list[str]) -> dict[str, str]:
        """Native column -> extra key, for every column the mapping does not use."""
        used = set(self.resolve(columns).values()) | set(self.tag_columns(columns))
        if self.tag_map_column:
            used.add(self.tag_map_column)
        out = {}
        for column in columns:
            if column in self.keep_as:
                out[column] = self.keep_as[column]
            elif column not in used:
                out[column] = column if column.lower().startswith("x_") else f"x_{column}"
        return out

    def column_map(self, columns: list[str]) -> tuple[dict[str, str], dict[str, str]]:
        """(native column -> FOCUS column(s) it lands in, native column -> the extra it is kept as)."""
        mapped = {name: TARGETS[key] for key, name in self.resolve(columns).items()}
        for column in self.tag_columns(columns):
            mapped[column] = "Tags"
        if self.tag_map_column and self.tag_map_column in columns:
            mapped[self.tag_map_column] = "Tags"
        extras = self.extras(columns)
        kind = self.resolve(columns).get("type")
        if kind is not None:
            extras[kind] = LINE_ITEM_TYPE_EXTRA
        return ({c: mapped[c] for c in columns if c in mapped},
                {c: extras[c] for c in columns if c in extras})

    def output_columns(self, columns: list[str]) -> list[str]:
        extras = [x for x in self.extras(columns).values() if x != LINE_ITEM_TYPE_EXTRA]
        return [*FOCUS_COLUMNS, LINE_ITEM_TYPE_EXTRA, *extras]


LEGACY = Layout(NAMES, keep_as=KEEP_AS, tag_prefix=TAG_PREFIX, user_tag=USER_TAG)

_NULL = pa.scalar(None, pa.string())


def _blank_to_null(array: pa.Array) -> pa.Array:
    if array.null_count == len(array):
        return array
    empty = pc.equal(pc.binary_length(array), 0)
    if not pc.any(empty).as_py():
        return array
    return pc.if_else(empty, _NULL, array)


def _lookup(array: pa.Array, mapping: dict[str, str], default: str | None = None) -> pa.Array:
    keys = pa.array(list(mapping), pa.string())
    values = pa.array(list(mapping.values()), pa.string())
    out = pc.take(values, pc.index_in(array, value_set=keys))
    return pc.fill_null(out, default) if default is not None else out


def _constant(value: str | None, n: int) -> pa.Array:
    return pa.nulls(n, pa.string()) if value is None else repeated(value, n)


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text not in (None, "") else None
    except InvalidOperation:
        return None


def _combine(mask: pa.Array, base: pa.Array, parts: list[tuple[pa.Array, int]]) -> pa.Array:
    """Σ sign × part per row where ``mask``, exact in Decimal (the commitment fees are a few rows a month);
    ``base`` elsewhere and where no part has a value."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return base
    columns = [(pc.filter(part, mask).to_pylist(), sign) for part, sign in parts]
    originals = pc.filter(base, mask).to_pylist()
    values = []
    for i, original in enumerate(originals):
        terms = [(_decimal(values_[i]), sign) for values_, sign in columns]
        if all(term is None for term, _sign in terms):
            values.append(original)
            continue
        total = sum(((term or Decimal(0)) * sign for term, sign in terms), Decimal(0))
        values.append(format(total, "f"))
    return pc.replace_with_mask(base, mask, pa.array(values, pa.string()))


def _resource_type(resource_id: pa.Array) -> pa.Array:
    """The resource type of an ARN (``arn:aws:ec2:region:account:instance/i-1`` -> ``instance``; the converter's
    split on ':' at index 5, then 6), per distinct id; bare ids (``i-1``, a bucket name) have none."""
    encoded = pc.dictionary_encode(resource_id)
    kinds = []
    for value in encoded.dictionary.to_pylist():
        parts = value.split(":") if value and value.startswith("arn:") else []
        kind = None
        if len(parts) >= 6:
            if "/" in parts[5]:
                kind = parts[5].split("/", 1)[0]
            elif len(parts) >= 7:
                kind = parts[5]
        kinds.append(kind or None)
    return pc.take(pa.array(kinds, pa.string()), encoded.indices)


def _tags_from_columns(columns: dict[str, pa.Array], layout: Layout, n: int) -> pa.Array:
    pieces = []
    for name, array in columns.items():
        key = json.dumps(layout.tag_key(name), ensure_ascii=False)[1:-1]
        value = _blank_to_null(array)
        if value.null_count == len(value):
            continue
        pieces.append(pc.binary_join_element_wise(f'"{key}":"', _json_string(value), '"', ""))
    if not pieces:
        return pa.nulls(n, pa.string())
    return pc.binary_join_element_wise("{", join_present(pieces, ","), "}", "")


def _tags_from_map(array: pa.Array, layout: Layout) -> pa.Array:
    """A tag map column (CUR 2.0 ``resource_tags``: a map in Parquet, JSON text in CSV) as a Tags object with the
    ``user_`` prefix of cost allocation tags dropped, per distinct value."""
    encoded = pc.dictionary_encode(_blank_to_null(array))
    out = []
    for text in encoded.dictionary.to_pylist():
        try:
            value = json.loads(text)
        except ValueError:
            out.append(text)  # left as it is: the FOCUS validation reports it on Tags
            continue
        if isinstance(value, list):  # a map read as a list of [key, value] pairs
            value = dict(value)
        if not isinstance(value, dict):
            out.append(text)
            continue
        tags = {(k[len(layout.user_tag):] if k.startswith(layout.user_tag) else k): v
                for k, v in value.items() if v not in (None, "")}
        out.append(json.dumps(tags, ensure_ascii=False) if tags else None)
    return pc.take(pa.array(out, pa.string()), encoded.indices)


def convert(batch: pa.RecordBatch, layout: Layout) -> pa.RecordBatch:
    n = batch.num_rows
    names = batch.schema.names
    found = layout.resolve(names)
    raw = dict(zip(names, batch.columns, strict=True))
    nulls = pa.nulls(n, pa.string())

    def get(key: str) -> pa.Array:
        name = found.get(key)
        return _blank_to_null(raw[name]) if name is not None else nulls

    kind = get("type")

    def is_type(*types: str) -> pa.Array:
        return pc.fill_null(pc.is_in(kind, value_set=pa.array(types, pa.string())), False)

    unblended = get("unblended")
    billed = pc.coalesce(get("net_unblended"), unblended)
    net = "net_unblended" in found

    def cost(gross: str, net_key: str) -> pa.Array:
        return pc.coalesce(get(net_key), get(gross)) if net else get(gross)

    effective = billed
    effective = pc.if_else(is_type("SavingsPlanCoveredUsage"),
                           pc.coalesce(cost("sp_effective", "sp_net_effective"), billed), effective)
    effective = pc.if_else(is_type("DiscountedUsage"),
                           pc.coalesce(cost("ri_effective", "ri_net_effective"), billed), effective)
    zero = pc.or_(is_type("SavingsPlanNegation", "SavingsPlanUpfrontFee"),
                  pc.and_(is_type("Fee"), pc.is_valid(get("ri_arn"))))
    effective = pc.if_else(zero, pa.scalar("0"), effective)
    effective = _combine(is_type("SavingsPlanRecurringFee"), effective,
                         [(get("sp_total"), 1), (get("sp_used"), -1)])
    effective = _combine(is_type("RIFee"), effective,
                         [(cost("ri_unused_upfront", "ri_net_unused_upfront"), 1),
                          (cost("ri_unused_recurring", "ri_net_unused_recurring"), 1)])

    standalone = pc.or_(is_type(*STANDALONE), pc.invert(pc.is_in(kind, value_set=pa.array(list(CHARGE_CATEGORY)))))
    standalone = pc.fill_null(standalone, True)
    listed = pc.if_else(standalone, billed, pc.coalesce(get("od_cost"), billed))
    contracted = pc.if_else(is_type(*COVERED), listed, pc.coalesce(unblended, billed))
    contracted = pc.if_else(standalone, billed, contracted)

    category = _lookup(kind, CHARGE_CATEGORY, "Adjustment")
    charge_class = pc.if_else(is_type("Refund"), pa.scalar("Correction"), nulls)
    frequency = _lookup(kind, CHARGE_FREQUENCY)

    spot = pc.or_(pc.fill_null(pc.match_substring(get("term"), "Spot", ignore_case=True), False),
                  pc.fill_null(pc.match_substring(get("usage_type"), "SpotUsage"), False))
    pricing = pc.if_else(pc.or_(is_type("Usage", "BundledDiscount", "Discount", "PrivateRateDiscount",
                                        "EdpDiscount"), is_type(*PURCHASES_AT_LIST)), pa.scalar("Standard"), nulls)
    pricing = pc.if_else(pc.and_(is_type("Usage"), spot), pa.scalar("Dynamic"), pricing)
    pricing = pc.if_else(is_type(*COVERED), pa.scalar("Committed"), pricing)

    sp_arn, ri_arn = get("sp_arn"), get("ri_arn")
    commitment = pc.coalesce(sp_arn, ri_arn)
    commitment_category = pc.if_else(pc.is_valid(sp_arn), pa.scalar("Spend"),
                                     pc.if_else(pc.is_valid(ri_arn), pa.scalar("Usage"), nulls))
    commitment_type = pc.if_else(pc.is_valid(sp_arn), pa.scalar("Savings Plan"),
                                 pc.if_else(pc.is_valid(ri_arn), pa.scalar("Reserved Instances (RI)"), nulls))
    status = pc.if_else(pc.and_(is_type(*COVERED), pc.is_valid(commitment)), pa.scalar("Used"), nulls)

    usage_amount = get("usage_amount")
    product_code = get("product_code")
    resource_id = get("resource_id")
    if layout.tag_map_column and layout.tag_map_column in raw:
        tags = _tags_from_map(raw[layout.tag_map_column], layout)
    else:
        tags = _tags_from_columns({c: raw[c] for c in layout.tag_columns(names)}, layout, n)

    out = {
        "BilledCost": billed, "EffectiveCost": effective, "ListCost": listed, "ContractedCost": contracted,
        "ListUnitPrice": get("od_rate"), "BillingCurrency": get("currency"), "BillingAccountId": get("payer"),
        "BillingAccountName": get("payer_name"), "BillingPeriodStart": get("bp_start"),
        "BillingPeriodEnd": get("bp_end"), "ChargePeriodStart": get("start"), "ChargePeriodEnd": get("end"),
        "ChargeCategory": category, "ChargeClass": charge_class, "ChargeDescription": get("description"),
        "ChargeFrequency": frequency, "ProviderName": _constant(PROVIDER, n), "PublisherName": get("legal_entity"),
        "InvoiceIssuerName": get("invoicing_entity"), "InvoiceId": get("invoice_id"),
        "SubAccountId": get("usage_account"), "SubAccountName": get("usage_account_name"),
        "ResourceId": resource_id, "ResourceType": _resource_type(resource_id),
        "RegionId": pc.coalesce(get("region"), get("region_code")), "AvailabilityZone": get("az"),
        "ServiceName": product_code, "ServiceCategory": _lookup(product_code, CATEGORIES, "Other"),
        "SkuId": get("sku"), "SkuPriceId": pc.coalesce(get("rate_code"), get("rate_id")),
        "PricingCategory": pricing, "PricingQuantity": pc.coalesce(get("ri_total_units"), usage_amount),
        "PricingUnit": get("pricing_unit"), "ConsumedQuantity": usage_amount, "ConsumedUnit": get("pricing_unit"),
        "CommitmentDiscountId": commitment, "CommitmentDiscountCategory": commitment_category,
        "CommitmentDiscountType": commitment_type, "CommitmentDiscountStatus": status, "Tags": tags,
        LINE_ITEM_TYPE_EXTRA: kind,
    }
    arrays = [out[c] for c in (*FOCUS_COLUMNS, LINE_ITEM_TYPE_EXTRA)]
    extras = [(native, x) for native, x in layout.extras(names).items() if x != LINE_ITEM_TYPE_EXTRA]
    arrays += [raw[native] for native, _x in extras]
    return pa.RecordBatch.from_arrays(
        [a if a.type == pa.string() else a.cast(pa.string()) for a in arrays],
        names=[*FOCUS_COLUMNS, LINE_ITEM_TYPE_EXTRA, *(x for _native, x in extras)])


def to_focus(batch: pa.RecordBatch, *, cost_type: str = "actual") -> pa.RecordBatch:
    return convert(batch, LEGACY)


def output_columns(native_columns: list[str], *, cost_type: str = "actual") -> list[str]:
    return LEGACY.output_columns(native_columns)


def column_map(native_columns: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    return LEGACY.column_map(native_columns)
