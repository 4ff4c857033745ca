"""FOCUS columns (1.0 to 1.3) as the importer sees them: type, ledger field, nullability, version."""

from __future__ import annotations

from dataclasses import dataclass

CHARGE_CATEGORY = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
CHARGE_CLASS = ("Correction",)
CHARGE_FREQUENCY = ("One-Time", "Recurring", "Usage-Based")
PRICING_CATEGORY = ("Standard", "Dynamic", "Committed", "Other")
COMMITMENT_CATEGORY = ("Spend", "Usage")
USED_UNUSED = ("Used", "Unused")
SERVICE_CATEGORY = (
    "AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools",
    "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media",
    "Migration", "Mobile", "Networking", "Security", "Storage", "Web", "Other",
)

# Active ISO 4217 codes (national currencies, funds and precious metals as listed by ISO).
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN
NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL
SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES
VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL
""".split())


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # money | quantity | datetime | enum | currency | string | json
    field: str | None = None  # CostRecord field; None: kept in extras
    required: bool = False  # the column must be present (FOCUS Mandatory)
    not_null: bool = False  # a row without a value is invalid
    since: str = "1.0"
    choices: tuple[str, ...] = ()


C = Column
COLUMNS: dict[str, Column] = {c.name: c for c in [
    C("AvailabilityZone", "string", "availability_zone"),
    C("BilledCost", "money", "billed_cost", True, True),
    C("BillingAccountId", "string", "billing_account_id", True, True),
    C("BillingAccountName", "string", "billing_account_name", True),
    C("BillingAccountType", "string", "billing_account_type", since="1.2"),
    C("BillingCurrency", "currency", "billing_currency", True, True),
    C("BillingPeriodEnd", "datetime", "billing_period_end", True, True),
    C("BillingPeriodStart", "datetime", "billing_period_start", True, True),
    C("CapacityReservationId", "string", "capacity_reservation_id", since="1.1"),
    C("CapacityReservationStatus", "enum", "capacity_reservation_status", since="1.1", choices=USED_UNUSED),
    C("ChargeCategory", "enum", "charge_category", True, True, choices=CHARGE_CATEGORY),
    C("ChargeClass", "enum", "charge_class", True, choices=CHARGE_CLASS),
    C("ChargeDescription", "string", "charge_description", True),
    C("ChargeFrequency", "enum", "charge_frequency", choices=CHARGE_FREQUENCY),
    C("ChargePeriodEnd", "datetime", "charge_period_end", True, True),
    C("ChargePeriodStart", "datetime", "charge_period_start", True, True),
    C("CommitmentDiscountCategory", "enum", "commitment_discount_category", choices=COMMITMENT_CATEGORY),
    C("CommitmentDiscountId", "string", "commitment_discount_id"),
    C("CommitmentDiscountName", "string", "commitment_discount_name"),
    C("CommitmentDiscountQuantity", "quantity", "commitment_discount_quantity", since="1.1"),
    C("CommitmentDiscountStatus", "enum", "commitment_discount_status", choices=USED_UNUSED),
    C("CommitmentDiscountType", "string", "commitment_discount_type"),
    C("CommitmentDiscountUnit", "string", "commitment_discount_unit", since="1.1"),
    C("ConsumedQuantity", "quantity", "consumed_quantity"),
    C("ConsumedUnit", "string", "consumed_unit"),
    C("ContractedCost", "money", "contracted_cost", True, True),
    C("ContractedUnitPrice", "quantity", "contracted_unit_price"),
    C("EffectiveCost", "money", "effective_cost", True, True),
    C("InvoiceId", "string", "invoice_id", since="1.2"),
    C("InvoiceIssuerName", "string", "invoice_issuer_name", True),
    C("ListCost", "money", "list_cost", True, True),
    C("ListUnitPrice", "quantity", "list_unit_price"),
    C("PricingCategory", "enum", "pricing_category", choices=PRICING_CATEGORY),
    C("PricingCurrency", "string", "pricing_currency", since="1.2"),
    C("PricingCurrencyContractedUnitPrice", "quantity", "pricing_currency_contracted_unit_price", since="1.2"),
    C("PricingCurrencyEffectiveCost", "quantity", "pricing_currency_effective_cost", since="1.2"),
    C("PricingCurrencyListUnitPrice", "quantity", "pricing_currency_list_unit_price", since="1.2"),
    C("PricingQuantity", "quantity", "pricing_quantity", True),
    C("PricingUnit", "string", "pricing_unit", True),
    C("ProviderName", "string", "provider_name", True, True),
    C("PublisherName", "string", "publisher_name", True),
    C("RegionId", "string", "region_id"),
    C("RegionName", "string", "region_name"),
    C("ResourceId", "string", "resource_id"),
    C("ResourceName", "string", "resource_name"),
    C("ResourceType", "string", "resource_type"),
    C("ServiceCategory", "enum", "service_category", True, choices=SERVICE_CATEGORY),
    C("ServiceName", "string", "service_name", True),
    C("ServiceSubcategory", "string", "service_subcategory", since="1.1"),
    C("SkuId", "string", "sku_id"),
    C("SkuMeter", "string", "sku_meter", since="1.1"),
    C("SkuPriceDetails", "string", "sku_price_details", since="1.1"),
    C("SkuPriceId", "string", "sku_price_id"),
    C("SubAccountId", "string", "sub_account_id"),
    C("SubAccountName", "string", "sub_account_name"),
    C("SubAccountType", "string", "sub_account_type", since="1.2"),
    C("Tags", "json", "tags"),
    # 1.3: ProviderName/PublisherName are deprecated in favour of these.
    C("ServiceProviderName", "string", "service_provider_name", since="1.3"),
    C("HostProviderName", "string", "host_provider_name", since="1.3"),
    C("ContractApplied", "string", "contract_applied", since="1.3"),
    C("AllocatedMethodId", "string", "allocated_method_id", since="1.3"),
    C("AllocatedMethodDetails", "string", "allocated_method_details", since="1.3"),
    C("AllocatedResourceId", "string", "allocated_resource_id", since="1.3"),
    C("AllocatedResourceName", "string", "allocated_resource_name", since="1.3"),
    C("AllocatedTags", "string", "allocated_tags", since="1.3"),
]}

MANDATORY = tuple(c.name for c in COLUMNS.values() if c.required)
# What the ledger cannot do without: a row missing one of these, or with a value that cannot be read, is
# invalid. Every other spec violation keeps the row (the importer stores a fallback or NULL and warns).
CRITICAL = frozenset({"BilledCost", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory"})


def detect_version(columns: set[str]) -> str:
    for version in ("1.3", "1.2", "1.1"):
        if any(c.since == version and c.name in columns for c in COLUMNS.values()):
            return version
    return "1.0"


def mandatory_for(version: str) -> tuple[str, ...]:
    if version == "1.3":  # ServiceProviderName may stand in for the deprecated ProviderName
        return tuple(n for n in MANDATORY if n not in ("ProviderName", "PublisherName"))
    return MANDATORY
