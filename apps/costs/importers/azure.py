"""Azure cost details (Enterprise Agreement and Microsoft Customer Agreement; actual or amortized) mapped to FOCUS.

The mapping follows Microsoft's "Convert Cost Management data to FOCUS" (finops-toolkit
``docs-mslearn/focus/convert.md``) and "Update reports to use FOCUS columns" (``mapping.md``, the ``x_`` names of
the columns FOCUS has no place for); where they are silent, the FinOps Foundation converter
(``focus_converters`` ``conversion_rules_export/csv/azure.csv``). Decisions and the two deviations are written
down in docs/providers/focus_native.md. In short:

- actual and amortized files share one header: the import's cost type says which one it is. Actual:
  BilledCost = CostInBillingCurrency; amortized: EffectiveCost = CostInBillingCurrency. Then, as convert.md says,
  BilledCost is 0 for usage covered by a reservation or savings plan, EffectiveCost is 0 for the purchase (or
  refund) of one, and (FOCUS: BilledCost excludes amortized upfront charges; the spec's commitment examples)
  BilledCost is 0 for the unused reservation / savings plan rows only the amortized file carries;
- EA keys the billing account by BillingAccountId, MCA by the billing profile (its billingAccountId is kept as
  ``x_BillingAccountId``);
- ChargeType -> ChargeCategory (Usage, Purchase, Credit, Tax as they are; Unused* -> Usage; Refund -> Purchase
  with ChargeClass "Correction"; anything else, RoundingAdjustment included, -> Adjustment); amounts keep the
  sign the file gives them.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache

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
    equals_any,
    extra_columns,
    first_of,
    header_keys,
    key,
    map_distinct,
    map_distinct_many,
    nulls,
    times,
    zero_where,
)

FORMAT = "azure_ea"  # the MCA layout is ``azure_mca.py``, which reuses this module's conversion
PROVIDER = "Microsoft"
CONNECTION_PROVIDERS = ("azure",)
SOURCE_PREFIX = "azure"  # source keys "azure:<billing account or profile>:<YYYY-MM>": a month re-imported replaces
NOTE = "native"
SOURCE_BY_DAY = False
REQUIRED = ("Date", "MeterCategory", "SubscriptionId", "ChargeType")
COST_KEYS = ("costinbillingcurrency", "cost")
EA_MARKERS = {key(c) for c in ("AccountOwnerId", "AccountName", "DepartmentName", "PartNumber", "BillingCurrencyCode")}
MCA_MARKERS = {
    key(c)
    for c in (
        "billingProfileId",
        "costInPricingCurrency",
        "exchangeRatePricingToBilling",
        "paygCostInBillingCurrency",
        "ProductId",
        "servicePeriodStartDate",
        "partnerName",
    )
}
COMMITMENT_MODELS = ("Reservation", "SavingsPlan")

# Native column (EA spelling; MCA's camelCase is the same key) -> the FOCUS column it lands in.
_MAPPED_EA = {
    "CostInBillingCurrency": "BilledCost/EffectiveCost",
    "Cost": "BilledCost/EffectiveCost",
    "BillingAccountId": "BillingAccountId",
    "BillingAccountName": "BillingAccountName",
    "BillingCurrencyCode": "BillingCurrency",
    "BillingCurrency": "BillingCurrency",
    "BillingPeriodStartDate": "BillingPeriodStart",
    "BillingPeriodEndDate": "BillingPeriodEnd",
    "Date": "ChargePeriodStart/ChargePeriodEnd",
    "ChargeType": "ChargeCategory/ChargeClass",
    "ProductName": "ChargeDescription",
    "Product": "ChargeDescription",
    "Frequency": "ChargeFrequency",
    "BenefitId": "CommitmentDiscountId",
    "BenefitName": "CommitmentDiscountName",
    "ReservationId": "CommitmentDiscountId",
    "ReservationName": "CommitmentDiscountName",
    "Quantity": "ConsumedQuantity/PricingQuantity",
    "UnitOfMeasure": "ConsumedUnit/PricingUnit",
    "UnitPrice": "ContractedUnitPrice/ContractedCost",
    "PayGPrice": "ListUnitPrice",
    "PaygCostInBillingCurrency": "ListCost",
    "PartnerName": "InvoiceIssuerName",
    "InvoiceId": "InvoiceId",
    "PricingModel": "PricingCategory",
    "PricingCurrency": "PricingCurrency",
    "PricingCurrencyCode": "PricingCurrency",
    "PublisherName": "PublisherName",
    "ResourceLocation": "RegionId/RegionName",
    "ResourceId": "ResourceId",
    "ResourceName": "ResourceName",
    "ConsumedService": "ServiceName/ServiceCategory",
    "ProductId": "SkuId",
    "MeterName": "SkuMeter",
    "SubscriptionId": "SubAccountId",
    "SubscriptionName": "SubAccountName",
    "Tags": "Tags",
    "AvailabilityZone": "AvailabilityZone",
}
_MAPPED_MCA = {"BillingProfileId": "BillingAccountId", "BillingProfileName": "BillingAccountName"}


def _spellings(mapping: dict[str, str]) -> dict[str, str]:
    """Both spellings of each column: EA's as documented and MCA's camelCase."""
    return {**mapping, **{name[0].lower() + name[1:]: focus for name, focus in mapping.items()}}


# Native column -> FOCUS column, for the import report (an EA file; ``azure_mca.MAPPED`` for MCA).
MAPPED: dict[str, str] = _spellings(_MAPPED_EA)
MAPPED_MCA: dict[str, str] = {
    **{
        name: focus
        for name, focus in _spellings(_MAPPED_EA).items()
        if key(name) not in (key("BillingAccountId"), key("BillingAccountName"))
    },
    **_spellings(_MAPPED_MCA),
}
# Columns FOCUS has no place for, under the x_ names of Microsoft's mapping (mapping.md).
EXTRA_NAMES = {
    key(native): x
    for native, x in {
        "AccountName": "x_AccountName",
        "AccountOwnerId": "x_AccountOwnerId",
        "AdditionalInfo": "x_SkuDetails",
        "CostAllocationRuleName": "x_CostAllocationRuleName",
        "CostCenter": "x_CostCenter",
        "CustomerName": "x_CustomerName",
        "CustomerTenantId": "x_CustomerId",
        "DepartmentName": "x_InvoiceSectionName",
        "EffectivePrice": "x_EffectiveUnitPrice",
        "ExchangeRatePricingToBilling": "x_BillingExchangeRate",
        "ExchangeRateDate": "x_BillingExchangeRateDate",
        "InvoiceSectionId": "x_InvoiceSectionId",
        "InvoiceSectionName": "x_InvoiceSectionName",
        "InvoiceSection": "x_InvoiceSectionName",
        "IsAzureCreditEligible": "x_SkuIsCreditEligible",
        "MeterCategory": "x_SkuMeterCategory",
        "MeterId": "x_SkuMeterId",
        "MeterRegion": "x_SkuRegion",
        "MeterSubcategory": "x_SkuMeterSubcategory",
        "OfferId": "x_SkuOfferId",
        "PartnerEarnedCreditApplied": "x_PartnerCreditApplied",
        "PartnerEarnedCreditRate": "x_PartnerCreditRate",
        "PartnerTenantId": "x_InvoiceIssuerId",
        "PartNumber": "x_SkuPartNumber",
        "ProductOrderId": "x_SkuOrderId",
        "ProductOrderName": "x_SkuOrderName",
        "ResellerMpnId": "x_ResellerId",
        "ResellerName": "x_ResellerName",
        "ResourceGroup": "x_ResourceGroupName",
        "ResourceGroupName": "x_ResourceGroupName",
        "ResourceType": "x_ResourceType",
        "ServiceFamily": "x_SkuServiceFamily",
        "ServicePeriodEndDate": "x_ServicePeriodEnd",
        "ServicePeriodStartDate": "x_ServicePeriodStart",
        "Term": "x_SkuTerm",
        "PaygCostInUsd": "x_ListCostInUsd",
    }.items()
}
# Mapped columns whose raw value Microsoft's mapping also keeps as an extra.
ALSO_KEPT = {key("UnitOfMeasure"): "x_PricingUnitDescription", key("PartnerName"): "x_PartnerName"}
FOCUS_COLUMNS = [
    *CORE_FOCUS_COLUMNS,
    "ChargeFrequency",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedUnitPrice",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SubAccountId",
    "SubAccountName",
    "Tags",
    "AvailabilityZone",
]
ADDED = ["x_PricingBlockSize"]
CHARGE_CATEGORY = {
    "usage": "Usage",
    "purchase": "Purchase",
    "credit": "Credit",
    "tax": "Tax",
    "unusedreservation": "Usage",
    "unusedsavingsplan": "Usage",
    "refund": "Purchase",
}
FREQUENCY = {"onetime": "One-Time", "recurring": "Recurring", "usagebased": "Usage-Based"}
PRICING = {
    "ondemand": "Standard",
    "spot": "Dynamic",
    "reservation": "Committed",
    "savingsplan": "Committed",
    "savingsplans": "Committed",
}


def is_azure(columns: list[str]) -> bool:
    """Azure cost details, EA or MCA (the names compared regardless of letter case)."""
    keys = set(header_keys(columns))
    return {key(c) for c in REQUIRED} <= keys and any(k in keys for k in COST_KEYS) and "billedcost" not in keys


def detect(columns: list[str]) -> bool:
    return is_azure(columns) and not is_mca(columns)


def is_mca(columns: list[str]) -> bool:
    keys = set(header_keys(columns))
    return not (keys & EA_MARKERS) and bool(keys & MCA_MARKERS)


def _mapped_keys(mca: bool) -> set[str]:
    keys = {key(c) for c in _MAPPED_EA}
    if mca:
        keys |= {key(c) for c in _MAPPED_MCA}
        keys -= {key("BillingAccountId"), key("BillingAccountName")}
    return keys


def _extra_columns(native_columns: list[str], cost_type: str) -> list[tuple[str, str]]:
    mca = is_mca(native_columns)
    names = dict(EXTRA_NAMES)
    names[key("CostInUsd")] = "x_EffectiveCostInUsd" if cost_type == "amortized" else "x_BilledCostInUsd"
    if mca:
        names[key("BillingAccountId")] = "x_BillingAccountId"
        names[key("BillingAccountName")] = "x_BillingAccountName"
    else:
        names[key("BillingProfileId")] = "x_BillingProfileId"
        names[key("BillingProfileName")] = "x_BillingProfileName"
    return extra_columns(native_columns, _mapped_keys(mca), names)


def output_columns(native_columns: list[str], *, cost_type: str = "actual") -> list[str]:
    keys = header_keys(native_columns)
    kept = [x for k, x in ALSO_KEPT.items() if k in keys]
    return FOCUS_COLUMNS + ADDED + kept + [x for _native, x in _extra_columns(native_columns, cost_type)]


def column_map(native_columns: list[str], *, cost_type: str = "actual") -> tuple[dict[str, str], dict[str, str]]:
    """For the import report: ({native column: FOCUS column(s)}, {native column: x_ extra}), in the file's order
    (a column both mapped and kept, such as UnitOfMeasure, is in both)."""
    mca = is_mca(native_columns)
    table = {key(name): focus for name, focus in (MAPPED_MCA if mca else MAPPED).items()}
    mapped = {c: table[key(c)] for c in native_columns if key(c) in table}
    extras = {c: ALSO_KEPT[key(c)] for c in native_columns if key(c) in ALSO_KEPT}
    extras.update(dict(_extra_columns(native_columns, cost_type)))
    return mapped, extras


# --- look-ups (Microsoft's open data, copied to ./data) ---------------------------------------------------


@cache
def _units() -> dict[str, tuple[str, str]]:
    """UnitOfMeasure -> (PricingBlockSize, DistinctUnits), finops-toolkit PricingUnits.csv."""
    return {
        row["UnitOfMeasure"].strip().casefold(): (row["PricingBlockSize"], row["DistinctUnits"])
        for row in data_rows("azure_pricing_units.csv")
    }


@cache
def _regions() -> dict[str, tuple[str, str]]:
    return {
        row["OriginalValue"].casefold(): (row["RegionId"], row["RegionName"]) for row in data_rows("azure_regions.csv")
    }


@cache
def _services() -> tuple[dict, dict, dict, dict, dict]:
    """finops-toolkit Services.csv by (ConsumedService, ResourceType), by ResourceType, by ConsumedService, by
    ServiceName; and the FinOps converter's ConsumedService -> ServiceCategory."""
    pair, by_type, by_service, by_name = {}, {}, {}, {}
    for row in data_rows("azure_services.csv"):
        value = (row["ServiceName"], row["ServiceCategory"], row["ServiceSubcategory"])
        consumed, rtype = row["ConsumedService"].casefold(), row["ResourceType"].casefold()
        pair.setdefault((consumed, rtype), value)
        if rtype:
            by_type.setdefault(rtype, value)
        if consumed:
            by_service.setdefault(consumed, value)
        by_name.setdefault(row["ServiceName"].casefold(), value)
    category = {
        row["ConsumedService"].casefold(): row["ServiceCategory"] for row in data_rows("azure_category_mapping.csv")
    }
    return pair, by_type, by_service, by_name, category


@lru_cache(maxsize=1 << 17)  # ids repeat across the batches of a file
def resource_type(resource_id: str | None) -> str:
    """``microsoft.compute/virtualmachines`` from an ARM resource id (the last provider segment's types)."""
    parts = (resource_id or "").strip("/").split("/")
    lowered = [p.casefold() for p in parts]
    if "providers" not in lowered:
        return ""
    i = len(lowered) - 1 - lowered[::-1].index("providers")
    namespace, rest = lowered[i + 1 : i + 2], lowered[i + 2 :: 2]
    return "/".join(namespace + rest) if namespace and rest else ""


def _service(joined: str) -> tuple[str, str, str]:
    consumed, rtype, meter_category = joined.split("\x1f")
    pair, by_type, by_service, by_name, category = _services()
    consumed_key = consumed.casefold()
    found = pair.get((consumed_key, rtype)) or by_type.get(rtype) or by_service.get(consumed_key)
    if found:
        return found
    # A row without a resource (a reservation purchase, a tax): the meter category, as a known service name
    # when it is one ("Virtual Machines" -> Compute).
    name = meter_category or consumed
    known = by_name.get(name.casefold())
    return known if known else (name, category.get(consumed_key, "Other"), "")


def _tags(text: str) -> str:
    """Tags as a JSON object: EA writes them without the braces (``"env": "prod","cc": "42"``)."""
    value = text.strip()
    if not value.startswith("{"):
        value = "{" + value + "}"
    try:
        parsed = json.loads(value)
    except ValueError:
        return text  # left as it is: the FOCUS validation keeps the row and reports the Tags value
    return json.dumps(parsed, ensure_ascii=False) if isinstance(parsed, dict) else text


def _commitment_kind(benefit: str) -> tuple[str, str]:
    lowered = benefit.casefold()
    if "/microsoft.capacity/" in lowered:
        return "Usage", "Reservation"
    if "/microsoft.billingbenefits/" in lowered:
        return "Spend", "Savings Plan"
    return "", ""


def to_focus(batch: pa.RecordBatch, *, cost_type: str = "actual") -> pa.RecordBatch:
    n = batch.num_rows
    names = batch.schema.names
    keys = header_keys(names)
    mca = is_mca(names)

    def get(*wanted: str) -> pa.Array | None:
        for k in wanted:
            if k in keys:
                return blank_to_null(batch.column(keys[k]))
        return None

    def get_or_null(*wanted: str) -> pa.Array:
        found = get(*wanted)
        return found if found is not None else nulls(n)

    cost = get_or_null(*COST_KEYS)
    charge_type = get_or_null("chargetype")
    pricing_model = get_or_null("pricingmodel")
    committed = equals_any(pricing_model, COMMITMENT_MODELS)
    usage = equals_any(charge_type, ("Usage",))
    unused = equals_any(charge_type, ("UnusedReservation", "UnusedSavingsPlan"))
    purchase = pc.and_(equals_any(charge_type, ("Purchase", "Refund")), committed)
    refund = equals_any(charge_type, ("Refund",))
    if cost_type == "amortized":
        billed = zero_where(pc.or_(pc.and_(usage, committed), unused), cost)
    else:
        billed = cost
    effective = zero_where(purchase, cost)

    category = map_distinct(charge_type, lambda t: CHARGE_CATEGORY.get(key(t), "Adjustment"))
    category = pc.coalesce(category, pa.scalar("Usage", STRING))  # a row without ChargeType is usage
    charge_class = pc.if_else(refund, pa.scalar("Correction", STRING), pa.scalar(None, STRING))

    day = get_or_null("date")
    charge_start, charge_end = times(day), times(day, shift_days=1)
    month_start, month_end = billing_months(day)
    period_start = first_of(times(get_or_null("billingperiodstartdate")), month_start)
    period_end = first_of(times(get_or_null("billingperiodenddate"), shift_days=1), month_end)

    if mca:
        account = first_of(get("billingprofileid"), get("billingaccountid"))
        account_name = first_of(get("billingprofilename"), get("billingaccountname"))
    else:
        account = get("billingaccountid")
        account_name = get("billingaccountname")
    account = account if account is not None else nulls(n)
    account_name = account_name if account_name is not None else nulls(n)
    currency = get_or_null("billingcurrencycode", "billingcurrency")

    benefit = first_of(get("benefitid"), get("reservationid"))
    benefit = benefit if benefit is not None else nulls(n)
    benefit_name = first_of(get("benefitname"), get("reservationname"))
    discount_category, discount_type = map_distinct_many(benefit, _commitment_kind, 2)
    model_category, model_type = map_distinct_many(
        pricing_model,
        lambda m: {"reservation": ("Usage", "Reservation"), "savingsplan": ("Spend", "Savings Plan")}.get(
            key(m), ("", "")
        ),
        2,
    )
    has_benefit = pc.is_valid(benefit)
    discount_category = pc.if_else(has_benefit, pc.coalesce(discount_category, model_category), discount_category)
    discount_type = pc.if_else(has_benefit, pc.coalesce(discount_type, model_type), discount_type)
    # FOCUS: CommitmentDiscountStatus only on usage rows (convert.md sets it on any committed row).
    status = pc.if_else(
        unused,
        pa.scalar("Unused", STRING),
        pc.if_else(pc.and_(usage, committed), pa.scalar("Used", STRING), pa.scalar(None, STRING)),
    )

    quantity = get_or_null("quantity")
    unit = get_or_null("unitofmeasure")
    block, distinct_unit = map_distinct_many(unit, lambda u: _units().get(u.strip().casefold(), ("1", u.strip())), 2)
    # 1 without a unit: every row then has an extra (pyarrow's element-wise join in the normalizer drops a row
    # whose extras are all empty).
    block = pc.fill_null(block, "1")
    # Exact decimal arithmetic, each column read once (``arithmetic`` handles a column Arrow cannot read).
    pricing_quantity = arithmetic("divide", quantity, block)
    rate = get("exchangeratepricingtobilling") if mca else None

    def priced(price: pa.Array | None) -> pa.Array:
        """A unit price in the billing currency (MCA gives it in the pricing currency)."""
        if price is None:
            return nulls(n)
        return price if rate is None else pc.coalesce(arithmetic("multiply", price, rate), price)

    contracted_price = priced(get("unitprice"))
    list_price = priced(get("paygprice"))
    metered = pc.or_(usage, unused)

    def cost_of(price: pa.Array, otherwise: pa.Array) -> pa.Array:
        """price × PricingQuantity on usage rows (convert.md: UnitPrice × Quantity / x_PricingBlockSize), else
        ``otherwise``."""
        product = arithmetic("multiply", price, pricing_quantity)
        return pc.if_else(pc.and_(metered, pc.is_valid(product)), product, otherwise)

    contracted_cost = cost_of(contracted_price, cost)
    list_cost = first_of(get("paygcostinbillingcurrency"), cost_of(list_price, contracted_cost))

    resource_id = get_or_null("resourceid")
    rtype = map_distinct(resource_id, resource_type)
    resource_name = get("resourcename") if not mca else None
    if resource_name is None:
        resource_name = blank_to_null(
            pc.utf8_rtrim(pc.replace_substring_regex(resource_id, r"^.*/([^/]+)/*$", r"\1"), characters="/")
        )
    consumed = pc.fill_null(get_or_null("consumedservice"), "")
    meter_category = pc.fill_null(get_or_null("metercategory"), "")
    service_key = pc.binary_join_element_wise(consumed, pc.fill_null(rtype, ""), meter_category, "\x1f")
    service_name, service_category, service_sub = map_distinct_many(service_key, _service, 3)
    service_category = pc.coalesce(service_category, pa.scalar("Other", STRING))

    location = get_or_null("resourcelocation", "location")
    region_id, region_name = map_distinct_many(
        location, lambda loc: _regions().get(loc.casefold()) or (loc.casefold().replace(" ", ""), loc), 2
    )

    tags = get("tags")
    columns = {
        "BilledCost": billed,
        "EffectiveCost": effective,
        "ListCost": list_cost,
        "ContractedCost": contracted_cost,
        "BillingCurrency": currency,
        "BillingAccountId": account,
        "BillingAccountName": account_name,
        "BillingPeriodStart": period_start,
        "BillingPeriodEnd": period_end,
        "ChargePeriodStart": charge_start,
        "ChargePeriodEnd": charge_end,
        "ChargeCategory": category,
        "ChargeClass": charge_class,
        "ChargeDescription": get_or_null("productname", "product"),
        "ChargeFrequency": map_distinct(get_or_null("frequency"), lambda f: FREQUENCY.get(key(f))),
        "CommitmentDiscountCategory": discount_category,
        "CommitmentDiscountId": benefit,
        "CommitmentDiscountName": benefit_name if benefit_name is not None else nulls(n),
        "CommitmentDiscountStatus": status,
        "CommitmentDiscountType": discount_type,
        "ConsumedQuantity": pc.if_else(usage, quantity, pa.scalar(None, STRING)),
        "ConsumedUnit": pc.if_else(usage, distinct_unit, pa.scalar(None, STRING)),
        "ContractedUnitPrice": contracted_price,
        "InvoiceId": get_or_null("invoiceid"),
        "InvoiceIssuerName": pc.coalesce(get_or_null("partnername"), pa.scalar("Microsoft", STRING)),
        "ListUnitPrice": list_price,
        "PricingCategory": map_distinct(pricing_model, lambda m: PRICING.get(key(m))),
        "PricingCurrency": get_or_null("pricingcurrencycode", "pricingcurrency"),
        "PricingQuantity": pricing_quantity,
        "PricingUnit": distinct_unit,
        "ProviderName": constant(PROVIDER, n),
        "PublisherName": pc.coalesce(get_or_null("publishername"), pa.scalar("Microsoft", STRING)),
        "RegionId": region_id,
        "RegionName": region_name,
        "ResourceId": resource_id,
        "ResourceName": resource_name,
        "ServiceCategory": service_category,
        "ServiceName": service_name,
        "ServiceSubcategory": service_sub,
        "SkuId": get_or_null("productid"),
        "SkuMeter": get_or_null("metername"),
        "SubAccountId": get_or_null("subscriptionid"),
        "SubAccountName": get_or_null("subscriptionname"),
        "Tags": map_distinct(tags, _tags) if tags is not None else nulls(n),
        "AvailabilityZone": get_or_null("availabilityzone"),
        "x_PricingBlockSize": block,
    }
    for k, x in ALSO_KEPT.items():
        if k in keys:
            columns[x] = batch.column(keys[k])
    for native, x in _extra_columns(names, cost_type):
        columns[x] = batch.column(native)
    return pa.RecordBatch.from_pydict({name: array.cast(STRING) for name, array in columns.items()})
