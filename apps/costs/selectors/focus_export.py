"""The ledger as a FOCUS 1.2 Cost and Usage dataset (CSV or Parquet), for other FinOps tools.

``focus_export_columns(start=, end=)`` decides the columns of one export: all 57 FOCUS 1.2 columns (Mandatory,
Recommended and Conditional, null where the ledger has nothing), then the ``x_`` custom columns (the ledger's
``extras``). ``focus_export_rows`` yields the rows as FOCUS values (``None`` for null), deriving what the spec
requires and the ledger may not hold (docs/providers/focus.md, "FOCUS export"). ``focus_csv_chunks`` and
``focus_parquet_chunks`` turn them into bytes in bounded memory: the ledger is read through a server-side cursor
in chunks, the CSV is streamed row by row and the Parquet file is written one row group at a time.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.db import connection as db_connection

from ..importers.spec import CHARGE_CATEGORY, CHARGE_FREQUENCY, PRICING_CATEGORY, SERVICE_CATEGORY, USED_UNUSED
from ..models import CostRecord, ExtrasSet, TagSet

FOCUS_VERSION = "1.2"
MAX_EXPORT_DAYS = 366
CHUNK_ROWS = 5000  # ledger rows per fetch, CSV write and Parquet row group
DECIMAL_PLACES = 10  # the ledger's scale (models.MONEY, models.QUANTITY)
DECIMAL_PRECISION = 38
_QUANT = Decimal(1).scaleb(-DECIMAL_PLACES)

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet"
OUTPUTS = ("csv", "parquet")
# How the FOCUS text columns carry names written in another alphabet (Russian service, account and region names):
# ``latin`` (the default) transliterates them to ASCII (ICAO Doc 9303, as in Russian passports) and keeps the
# original text of every changed column in ``x_OriginalNames`` (a JSON object by column), so tools that accept only
# ASCII (focus-validator 2.x tests FOCUS string columns for it) read the file and nothing is lost; ``original``
# writes the provider's text unchanged (FOCUS itself allows any Unicode).
NAMES = ("latin", "original")
ORIGINAL_NAMES_COLUMN = "x_OriginalNames"
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
     "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e", "iu", "ia", "i", "i", "ie", "g"], strict=True))
_PUNCTUATION = {"«": '"', "»": '"', "„": '"', "“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-",
                "‑": "-", "…": "...", "№": "No.", "₽": "RUB", "\u00a0": " ", "\u202f": " ", "×": "x", "°": " deg"}


def to_latin(text: str) -> str:
    """``text`` in ASCII: Cyrillic letters transliterated (ICAO Doc 9303), typographic punctuation replaced, other
    letters without their accents; a character with no ASCII form becomes ``?``."""
    import unicodedata

    if text.isascii():
        return text
    out = []
    for char in text:
        lower = char.lower()
        if lower in _CYRILLIC:
            latin = _CYRILLIC[lower]
            out.append(latin.capitalize() if char != lower else latin)
        elif char in _PUNCTUATION:
            out.append(_PUNCTUATION[char])
        elif char.isascii():
            out.append(char)
        else:
            plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)
# The account types of rows whose source named none (provider syncs, FOCUS 1.0/1.1 files): FOCUS wants a display
# value whenever the account is there.
BILLING_ACCOUNT_TYPE = "Billing Account"
SUB_ACCOUNT_TYPE = "Sub Account"

# FOCUS 1.2 ServiceSubcategory by its parent ServiceCategory (the spec's allowed values).
SERVICE_SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "AI and Machine Learning": ("AI Platforms", "Bots", "Generative AI", "Machine Learning",
                                "Natural Language Processing"),
    "Analytics": ("Analytics Platforms", "Business Intelligence", "Data Processing", "Search",
                  "Streaming Analytics"),
    "Business Applications": ("Productivity and Collaboration",),
    "Compute": ("Containers", "End User Computing", "Quantum Compute", "Serverless Compute", "Virtual Machines"),
    "Databases": ("Caching", "Data Warehouses", "Ledger Databases", "NoSQL Databases", "Relational Databases",
                  "Time Series Databases"),
    "Developer Tools": ("Developer Platforms", "Continuous Integration and Deployment", "Development Environments",
                        "Source Code Management", "Quality Assurance"),
    "Identity": ("Identity and Access Management",),
    "Integration": ("API Management", "Messaging", "Workflow Orchestration"),
    "Internet of Things": ("IoT Analytics", "IoT Platforms"),
    "Management and Governance": ("Architecture", "Compliance", "Cost Management", "Data Governance",
                                  "Disaster Recovery", "Endpoint Management", "Observability", "Support"),
    "Media": ("Content Creation", "Gaming", "Media Streaming", "Mixed Reality"),
    "Migration": ("Data Migration", "Resource Migration"),
    "Mobile": (),
    "Multicloud": ("Multicloud Integration",),
    "Networking": ("Application Networking", "Content Delivery", "Network Connectivity", "Network Infrastructure",
                   "Network Routing", "Network Security"),
    "Security": ("Secret Management", "Security Posture Management", "Threat Detection and Response"),
    "Storage": ("Backup Storage", "Block Storage", "File Storage", "Object Storage", "Storage Platforms"),
    "Web": ("Application Platforms",),
    "Other": (),
}
_SUBCATEGORY_PARENT = {sub: parent for parent, subs in SERVICE_SUBCATEGORIES.items() for sub in subs} | {
    f"Other ({parent})": parent for parent in SERVICE_SUBCATEGORIES}
# Words of a service name (or, failing that, a resource type) that place it in a subcategory of its category;
# first match wins. A name matching none gets "Other (<category>)".
_SUBCATEGORY_WORDS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "Compute": (("Containers", ("kubernetes", "k8s", "container")),
                ("Serverless Compute", ("function", "serverless")),
                ("Virtual Machines", ("server", "instance", "virtual machine", "vps", "vm", "compute"))),
    "Storage": (("Backup Storage", ("backup", "snapshot")),
                ("Object Storage", ("object", "bucket", "s3")),
                ("File Storage", ("file storage", "file system", "nfs")),
                ("Block Storage", ("volume", "disk", "block"))),
    "Databases": (("Caching", ("redis", "memcache", "valkey")),
                  ("Data Warehouses", ("clickhouse", "greenplum", "warehouse")),
                  ("NoSQL Databases", ("mongo", "nosql", "ydb", "cassandra")),
                  ("Relational Databases", ("postgres", "mysql", "sql", "database", "dbaas"))),
    "Networking": (("Content Delivery", ("cdn",)),
                   ("Application Networking", ("load balanc", "balancer")),
                   ("Network Routing", ("dns", "domain")),
                   ("Network Infrastructure", ("ip", "address", "network", "vpc", "nat", "gateway", "traffic"))),
}
_WORD = re.compile(r"[a-z0-9]+")


def _matches(text: str, words: tuple[str, ...]) -> bool:
    tokens = set(_WORD.findall(text))
    return any((w in text) if " " in w or len(w) > 4 else (w in tokens) for w in words)


def service_subcategory(category: str, *texts: str, current: str = "") -> str:
    """The ledger's subcategory when it belongs to ``category``, else one found from the texts' words, else
    ``Other (<category>)``: always one of the spec's values under that parent."""
    if current and _SUBCATEGORY_PARENT.get(current) == category:
        return current
    for text in texts:
        lowered = (text or "").lower()
        if not lowered:
            continue
        for subcategory, words in _SUBCATEGORY_WORDS.get(category, ()):
            if _matches(lowered, words):
                return subcategory
    return f"Other ({category})"


@dataclass(frozen=True)
class FocusColumn:
    name: str
    kind: str  # decimal | datetime | string | json | boolean


# Every FOCUS 1.2 Cost and Usage column, in the spec's (alphabetical) order: a consumer (and the FinOps Foundation's
# validator) finds each one, null where the ledger has nothing for it.
COLUMNS: tuple[FocusColumn, ...] = (
    FocusColumn("AvailabilityZone", "string"),
    FocusColumn("BilledCost", "decimal"),
    FocusColumn("BillingAccountId", "string"),
    FocusColumn("BillingAccountName", "string"),
    FocusColumn("BillingAccountType", "string"),
    FocusColumn("BillingCurrency", "string"),
    FocusColumn("BillingPeriodEnd", "datetime"),
    FocusColumn("BillingPeriodStart", "datetime"),
    FocusColumn("CapacityReservationId", "string"),
    FocusColumn("CapacityReservationStatus", "string"),
    FocusColumn("ChargeCategory", "string"),
    FocusColumn("ChargeClass", "string"),
    FocusColumn("ChargeDescription", "string"),
    FocusColumn("ChargeFrequency", "string"),
    FocusColumn("ChargePeriodEnd", "datetime"),
    FocusColumn("ChargePeriodStart", "datetime"),
    FocusColumn("CommitmentDiscountCategory", "string"),
    FocusColumn("CommitmentDiscountId", "string"),
    FocusColumn("CommitmentDiscountName", "string"),
    FocusColumn("CommitmentDiscountQuantity", "decimal"),
    FocusColumn("CommitmentDiscountStatus", "string"),
    FocusColumn("CommitmentDiscountType", "string"),
    FocusColumn("CommitmentDiscountUnit", "string"),
    FocusColumn("ConsumedQuantity", "decimal"),
    FocusColumn("ConsumedUnit", "string"),
    FocusColumn("ContractedCost", "decimal"),
    FocusColumn("ContractedUnitPrice", "decimal"),
    FocusColumn("EffectiveCost", "decimal"),
    FocusColumn("InvoiceId", "string"),
    FocusColumn("InvoiceIssuerName", "string"),
    FocusColumn("ListCost", "decimal"),
    FocusColumn("ListUnitPrice", "decimal"),
    FocusColumn("PricingCategory", "string"),
    FocusColumn("PricingCurrency", "string"),
    FocusColumn("PricingCurrencyContractedUnitPrice", "decimal"),
    FocusColumn("PricingCurrencyEffectiveCost", "decimal"),
    FocusColumn("PricingCurrencyListUnitPrice", "decimal"),
    FocusColumn("PricingQuantity", "decimal"),
    FocusColumn("PricingUnit", "string"),
    FocusColumn("ProviderName", "string"),
    FocusColumn("PublisherName", "string"),
    FocusColumn("RegionId", "string"),
    FocusColumn("RegionName", "string"),
    FocusColumn("ResourceId", "string"),
    FocusColumn("ResourceName", "string"),
    FocusColumn("ResourceType", "string"),
    FocusColumn("ServiceCategory", "string"),
    FocusColumn("ServiceName", "string"),
    FocusColumn("ServiceSubcategory", "string"),
    FocusColumn("SkuId", "string"),
    FocusColumn("SkuMeter", "string"),
    FocusColumn("SkuPriceDetails", "json"),
    FocusColumn("SkuPriceId", "string"),
    FocusColumn("SubAccountId", "string"),
    FocusColumn("SubAccountName", "string"),
    FocusColumn("SubAccountType", "string"),
    FocusColumn("Tags", "json"),
)

# What each export reads of a ledger row.
_FIELDS = (
    "billed_cost", "effective_cost", "list_cost", "contracted_cost", "billing_currency", "list_unit_price",
    "contracted_unit_price", "billing_period_start", "billing_period_end", "charge_period_start",
    "charge_period_end", "charge_date", "charge_category", "charge_class", "charge_frequency", "charge_description",
    "provider_name", "publisher_name", "invoice_issuer_name", "invoice_id", "billing_account_id",
    "billing_account_name", "sub_account_id", "sub_account_name", "region_id", "region_name", "availability_zone",
    "service_name", "service_category", "service_subcategory", "resource_id", "resource_name", "resource_type",
    "sku_id", "sku_price_id", "pricing_category", "pricing_quantity", "pricing_unit", "consumed_quantity",
    "consumed_unit", "commitment_discount_id", "commitment_discount_name", "commitment_discount_category",
    "commitment_discount_type", "commitment_discount_status", "billing_account_type", "sub_account_type",
    "pricing_currency", "pricing_currency_contracted_unit_price", "pricing_currency_effective_cost",
    "pricing_currency_list_unit_price", "sku_meter", "sku_price_details", "capacity_reservation_id",
    "capacity_reservation_status", "commitment_discount_quantity", "commitment_discount_unit",
    "service_provider_name", "host_provider_name", "extras",
)


@dataclass(frozen=True)
class FocusLayout:
    """The columns of one export: FOCUS columns in spec order, then ``x_`` columns (name, kind, extras key)."""

    columns: tuple[FocusColumn, ...]
    custom: tuple[tuple[str, str, str], ...]
    # ServiceName -> (ServiceCategory, ServiceSubcategory): FOCUS gives a service one category (and one
    # subcategory); the ledger may file rows of one service under several (per resource).
    services: dict[str, tuple[str, str]] = field(default_factory=dict)
    latin: bool = True  # FOCUS text columns in ASCII, originals in x_OriginalNames (see NAMES)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns] + [name for name, _kind, _key in self.custom]


def _custom_name(key: str) -> str:
    """An extras key as a custom column id: ``x_`` prefixed (unknown columns of an import keep their name after
    it), letters, digits and underscores only."""
    name = key if key.startswith("x_") else f"x_{key}"
    return "x_" + re.sub(r"[^A-Za-z0-9_]", "_", name[2:])


def focus_export_columns(*, start: date, end: date, names: str = "latin") -> FocusLayout:
    """The layout of the export of charge dates ``start``..``end`` (inclusive): every FOCUS 1.2 column, then one
    ``x_`` column per key of the range's extras (a key holding only booleans becomes a boolean column, any other a
    string one), and each service's category. Two grouped queries over the range."""
    table = CostRecord._meta.db_table
    with db_connection.cursor() as cursor:
        # The rows' own extras and the shared sets they point at (``ExtrasSet``), each set read once.
        cursor.execute(
            "SELECT e.key, array_agg(DISTINCT jsonb_typeof(e.value)) FROM ("  # noqa: S608
            f"SELECT extras FROM {table} WHERE charge_date >= %s AND charge_date <= %s AND extras <> '{{}}'::jsonb "
            f"UNION ALL SELECT s.extras FROM {ExtrasSet._meta.db_table} s WHERE s.id IN ("
            f"SELECT extras_set_id FROM {table} WHERE charge_date >= %s AND charge_date <= %s)) x, "
            "jsonb_each(CASE WHEN jsonb_typeof(x.extras) = 'object' THEN x.extras ELSE '{}'::jsonb END) AS e "
            "GROUP BY e.key ORDER BY e.key", [start, end, start, end])
        extra_keys = cursor.fetchall()
        cursor.execute(
            "SELECT CASE WHEN btrim(service_name) = '' THEN provider_name ELSE service_name END, "  # noqa: S608
            f"service_category, service_subcategory, count(*) FROM {table} "
            "WHERE charge_date >= %s AND charge_date <= %s GROUP BY 1, 2, 3", [start, end])
        service_rows = cursor.fetchall()
    custom: dict[str, tuple[str, str, str]] = {}
    for key, types in extra_keys:
        name = _custom_name(key)
        kind = "boolean" if set(types) - {"null"} == {"boolean"} else "string"
        if name not in custom or key.startswith("x_"):  # x_foo wins over an unknown column foo
            custom[name] = (name, kind, key)
    latin = names != "original"
    if latin:
        custom[ORIGINAL_NAMES_COLUMN] = (ORIGINAL_NAMES_COLUMN, "string", "")
    return FocusLayout(columns=COLUMNS, custom=tuple(custom[n] for n in sorted(custom)),
                       services=_service_categories(service_rows), latin=latin)


def _service_categories(rows: Iterable[tuple[str, str, str, int]]) -> dict[str, tuple[str, str]]:
    """Each service's category (the one most of its rows carry; "Other" is the last choice) and subcategory (the
    ledger's most frequent one under that category, else one found from the service's name)."""
    counts: dict[str, dict[str, int]] = {}
    subcounts: dict[tuple[str, str], dict[str, int]] = {}
    for name, category, subcategory, count in rows:
        category = category if category in SERVICE_CATEGORY else "Other"
        counts.setdefault(name, {}).setdefault(category, 0)
        counts[name][category] += count
        if _SUBCATEGORY_PARENT.get(subcategory) == category:
            found = subcounts.setdefault((name, category), {})
            found[subcategory] = found.get(subcategory, 0) + count
    services = {}
    for name, by_category in counts.items():
        category = max(by_category, key=lambda c: (c != "Other", by_category[c], c))
        known = subcounts.get((name, category), {})
        current = max(known, key=lambda s: (known[s], s)) if known else ""
        services[name] = (category, service_subcategory(category, name, current=current))
    return services


# --- row derivation ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """Null for the ledger's missing strings (empty or spaces only: FOCUS null handling)."""
    if value is None:
        return None
    value = str(value)
    return value if value.strip() else None


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _month_bounds(day: date) -> tuple[datetime, datetime]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time.min, tzinfo=UTC), datetime.combine(following, time.min, tzinfo=UTC)


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(_QUANT, rounding=ROUND_HALF_EVEN)


def _unit_price(cost: Decimal, quantity: Decimal | None) -> Decimal | None:
    """cost / quantity, when that is a (non-negative) price: FOCUS ListCost = ListUnitPrice x PricingQuantity."""
    if quantity is None or quantity == 0:
        return None
    try:
        price = _quantize(cost / quantity)
    except (InvalidOperation, ArithmeticError):
        return None
    return price if price >= 0 else None


def _key_value(value: Any) -> str | None:
    """A FOCUS Key-Value Format string (a flat JSON object: scalar values) or null: nested values are written as
    their JSON text, and text that is not a JSON object is dropped."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict) or not value:
        return None
    flat = {str(k): (json.dumps(v, ensure_ascii=False, sort_keys=True) if isinstance(v, dict | list) else v)
            for k, v in value.items()}
    return json.dumps(flat, ensure_ascii=False, separators=(",", ":"))


# Legal names of providers that bill their own clouds, as the ledger may hold them (Russian invoices name the
# company): FOCUS names one entity by one string, and an InvoiceIssuerName other than the ProviderName means a
# reseller or marketplace collected the payment (then BilledCost must be 0).
PROVIDER_LEGAL_NAMES: dict[str, frozenset[str]] = {
    "Yandex Cloud": frozenset({"ООО «Яндекс.Облако»", "ООО «Яндекс Облако»", "Yandex.Cloud LLC"}),
    "Selectel": frozenset({"АО «Селектел»", "ООО «Селектел»", "Selectel Ltd."}),
    "Beget": frozenset({"ООО «Бегет»", "Beget LLC"}),
}


def _issuer(name: str | None, provider: str) -> str:
    """The provider itself when ``name`` is missing or one of its own legal names, else ``name``."""
    if name is None or name in PROVIDER_LEGAL_NAMES.get(provider, ()):
        return provider
    return name


_TIME_UNITS = {"year": "Year", "month": "Month", "day": "Day", "hour": "Hour", "minute": "Minute", "second": "Second"}
_PER_TIME = re.compile(r"^(?P<unit>.+?)\s*[*x×]\s*(?P<time>year|month|day|hour|minute|second)s?$", re.IGNORECASE)
_TIME_ONLY = re.compile(r"^(?P<time>year|month|day|hour|minute|second)s?$", re.IGNORECASE)
_BLOCK = re.compile(r"^(?P<count>\d+)\s*(?P<scale>[KkMm]?)\s+(?P<unit>[A-Za-z][A-Za-z ]*)$")


def focus_unit(unit: str | None) -> str | None:
    """A provider's unit in FOCUS Unit Format where the meaning is plain: ``GB*hour`` -> ``GB-Hours``, ``hour`` ->
    ``Hours``, ``1K requests`` -> ``1000 Requests``; anything else as it is."""
    if unit is None:
        return None
    text = unit.strip()
    if match := _PER_TIME.match(text):
        return f"{match['unit']}-{_TIME_UNITS[match['time'].lower()]}s"
    if match := _TIME_ONLY.match(text):
        return f"{_TIME_UNITS[match['time'].lower()]}s"
    if match := _BLOCK.match(text):
        count = int(match["count"]) * {"": 1, "k": 1000, "m": 1_000_000}[match["scale"].lower()]
        return f"{count} {match['unit'][:1].upper()}{match['unit'][1:]}"
    return unit


def _charge_frequency(category: str, current: str) -> str:
    if current in CHARGE_FREQUENCY and not (category == "Purchase" and current == "Usage-Based"):
        return current
    return "Usage-Based" if category == "Usage" else "One-Time"


def _pricing_category(category: str, current: str, *, correction: bool, committed: bool) -> str | None:
    if category == "Tax":
        return None
    current = "Standard" if current == "On-Demand" else current  # the name before FOCUS 1.0
    if current in PRICING_CATEGORY:
        return current
    if category in ("Usage", "Purchase") and not correction:
        return "Committed" if committed and category == "Usage" else "Standard"
    return None


def focus_row(record: dict[str, Any], layout: FocusLayout) -> dict[str, Any]:
    """One ledger row (``_FIELDS`` by name) as FOCUS 1.2 values of ``layout``'s columns."""
    r = record
    category = r["charge_category"] if r["charge_category"] in CHARGE_CATEGORY else "Adjustment"
    correction = r["charge_class"] == "Correction"
    tax = category == "Tax"
    priced = category in ("Usage", "Purchase")
    provider = _text(r["provider_name"]) or _text(r["service_provider_name"]) or _text(r["invoice_issuer_name"]) \
        or _text(r["publisher_name"]) or _text(r["host_provider_name"]) or "Unknown"
    service_name = _text(r["service_name"]) or provider
    service_category, subcategory = layout.services.get(service_name) or (
        r["service_category"] if r["service_category"] in SERVICE_CATEGORY else "Other", "")
    subcategory = subcategory or service_subcategory(service_category, service_name, r["resource_type"],
                                                     current=r["service_subcategory"])
    billing_start, billing_end = _utc(r["billing_period_start"]), _utc(r["billing_period_end"])
    if billing_end <= billing_start:
        billing_start, billing_end = _month_bounds(r["charge_date"])
    # Quantities and prices: null for taxes; a unit price the ledger lacks is the cost over the quantity.
    quantity, unit = r["pricing_quantity"], focus_unit(_text(r["pricing_unit"]))
    if tax or quantity is None or unit is None:
        quantity = unit = None
    list_price = contracted_price = None
    if not tax:
        list_price = r["list_unit_price"] if r["list_unit_price"] is not None else (
            _unit_price(r["list_cost"], quantity) if priced else None)
        contracted_price = r["contracted_unit_price"] if r["contracted_unit_price"] is not None else (
            _unit_price(r["contracted_cost"], quantity) if priced else None)
    sku_id = None if tax else _text(r["sku_id"])
    sku_price_id = (_text(r["sku_price_id"]) or sku_id) if sku_id else None
    commitment_id = _text(r["commitment_discount_id"])
    status = _text(r["commitment_discount_status"]) if commitment_id else None
    status = status if status in USED_UNUSED else None
    consumed, consumed_unit = r["consumed_quantity"], focus_unit(_text(r["consumed_unit"]))
    if category != "Usage" or status == "Unused" or consumed is None or consumed_unit is None:
        consumed = consumed_unit = None
    commitment_quantity = r["commitment_discount_quantity"] if commitment_id and priced else None
    commitment_unit = focus_unit(_text(r["commitment_discount_unit"])) if commitment_quantity is not None else None
    if commitment_unit is None:
        commitment_quantity = None
    reservation_id = _text(r["capacity_reservation_id"])
    reservation_status = _text(r["capacity_reservation_status"]) if reservation_id else None
    region_id = _text(r["region_id"])
    sub_account_id = _text(r["sub_account_id"])
    resource_id = _text(r["resource_id"])
    billing_currency = r["billing_currency"]
    pricing_currency = _text(r["pricing_currency"]) or billing_currency
    pc_effective = r["pricing_currency_effective_cost"]
    pc_list, pc_contracted = r["pricing_currency_list_unit_price"], r["pricing_currency_contracted_unit_price"]
    if pc_effective is None:  # no figures in another currency: the row is priced in its billing currency
        pricing_currency, pc_effective = billing_currency, r["effective_cost"]
        pc_list, pc_contracted = list_price, contracted_price
    if tax:
        pc_list = pc_contracted = None
    values: dict[str, Any] = {
        "AvailabilityZone": _text(r["availability_zone"]),
        "BilledCost": r["billed_cost"],
        "BillingAccountId": _text(r["billing_account_id"]) or provider,
        "BillingAccountName": _text(r["billing_account_name"]),
        "BillingAccountType": _text(r["billing_account_type"]) or BILLING_ACCOUNT_TYPE,
        "BillingCurrency": billing_currency,
        "BillingPeriodEnd": billing_end,
        "BillingPeriodStart": billing_start,
        "CapacityReservationId": reservation_id,
        "CapacityReservationStatus": reservation_status if reservation_status in USED_UNUSED else None,
        "ChargeCategory": category,
        "ChargeClass": "Correction" if correction else None,
        "ChargeDescription": _text(r["charge_description"]),
        "ChargeFrequency": _charge_frequency(category, r["charge_frequency"]),
        "ChargePeriodEnd": _utc(r["charge_period_end"]),
        "ChargePeriodStart": _utc(r["charge_period_start"]),
        "CommitmentDiscountCategory": _text(r["commitment_discount_category"]) if commitment_id else None,
        "CommitmentDiscountId": commitment_id,
        "CommitmentDiscountName": _text(r["commitment_discount_name"]) if commitment_id else None,
        "CommitmentDiscountQuantity": commitment_quantity,
        "CommitmentDiscountStatus": status,
        "CommitmentDiscountType": _text(r["commitment_discount_type"]) if commitment_id else None,
        "CommitmentDiscountUnit": commitment_unit,
        "ConsumedQuantity": consumed,
        "ConsumedUnit": consumed_unit,
        "ContractedCost": r["contracted_cost"],
        "ContractedUnitPrice": contracted_price,
        "EffectiveCost": r["effective_cost"],
        "InvoiceId": _text(r["invoice_id"]),
        "InvoiceIssuerName": _issuer(_text(r["invoice_issuer_name"]), provider),
        "ListCost": r["list_cost"],
        "ListUnitPrice": list_price,
        "PricingCategory": _pricing_category(category, r["pricing_category"], correction=correction,
                                             committed=commitment_id is not None),
        "PricingCurrency": pricing_currency,
        "PricingCurrencyContractedUnitPrice": pc_contracted,
        "PricingCurrencyEffectiveCost": pc_effective,
        "PricingCurrencyListUnitPrice": pc_list,
        "PricingQuantity": quantity,
        "PricingUnit": unit,
        "ProviderName": provider,
        "PublisherName": _issuer(_text(r["publisher_name"]), provider),
        "RegionId": region_id,
        "RegionName": (_text(r["region_name"]) or region_id) if region_id else None,
        "ResourceId": resource_id,
        "ResourceName": _text(r["resource_name"]) if resource_id else None,
        "ResourceType": _text(r["resource_type"]) if resource_id else None,
        "ServiceCategory": service_category,
        "ServiceName": service_name,
        "ServiceSubcategory": subcategory,
        "SkuId": sku_id,
        "SkuMeter": _text(r["sku_meter"]) if sku_id else None,
        "SkuPriceDetails": _key_value(r["sku_price_details"]) if sku_price_id else None,
        "SkuPriceId": sku_price_id,
        "SubAccountId": sub_account_id,
        "SubAccountName": (_text(r["sub_account_name"]) or sub_account_id) if sub_account_id else None,
        "SubAccountType": (_text(r["sub_account_type"]) or SUB_ACCOUNT_TYPE) if sub_account_id else None,
        "Tags": _key_value(r["tags"]),
    }
    row = {c.name: values[c.name] for c in layout.columns}
    if layout.latin:
        originals = {}
        for column in layout.columns:
            value = row[column.name]
            if column.kind == "string" and isinstance(value, str) and not value.isascii():
                originals[column.name] = value
                row[column.name] = to_latin(value)
        row[ORIGINAL_NAMES_COLUMN] = (json.dumps(originals, ensure_ascii=False, sort_keys=True)
                                      if originals else None)
    extras = r["extras"] if isinstance(r["extras"], dict) else {}
    for name, kind, key in layout.custom:
        if name == ORIGINAL_NAMES_COLUMN and layout.latin:
            continue
        value = extras.get(key)
        if value is None or kind == "boolean":
            row[name] = value
        elif isinstance(value, str):
            row[name] = _text(value)
        else:
            row[name] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return row


def focus_export_rows(*, start: date, end: date, layout: FocusLayout | None = None) -> Iterator[dict[str, Any]]:
    """The FOCUS rows of charge dates ``start``..``end`` (inclusive), by charge date: the ledger is read through
    a server-side cursor, ``CHUNK_ROWS`` rows at a time."""
    layout = layout or focus_export_columns(start=start, end=end)
    ledger = CostRecord.objects.filter(charge_date__range=(start, end))
    shared = dict(ExtrasSet.objects.filter(id__in=ledger.values("extras_set_id")).values_list("id", "extras"))
    tag_sets = dict(TagSet.objects.filter(id__in=ledger.values("tag_set_id")).values_list("id", "tags"))
    rows = (ledger.order_by("charge_date", "id").values(*_FIELDS, "extras_set_id", "tag_set_id")
            .iterator(chunk_size=CHUNK_ROWS))
    for record in rows:
        record["tags"] = tag_sets.get(record["tag_set_id"], {})
        if record["extras_set_id"] is not None:  # the row's shared extra columns, its own over them
            record["extras"] = CostRecord.extras_merged(shared.get(record["extras_set_id"]), record["extras"])
        yield focus_row(record, layout)


# --- files -------------------------------------------------------------------------------------------------------


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value, "f")  # never an exponent ("1E+2" has a sign FOCUS forbids)
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def focus_csv_chunks(*, start: date, end: date, names: str = "latin") -> Iterator[bytes]:
    """The export as CSV (UTF-8 without BOM, RFC 4180, dot decimals, ``YYYY-MM-DDTHH:MM:SSZ`` times, empty cells
    for nulls), one chunk of bytes per ``CHUNK_ROWS`` rows."""
    layout = focus_export_columns(start=start, end=end, names=names)
    names = layout.names
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    count = 0
    for row in focus_export_rows(start=start, end=end, layout=layout):
        writer.writerow([_csv_cell(row[name]) for name in names])
        count += 1
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


class _Drain(io.RawIOBase):
    """A write-only sink for pyarrow whose bytes are taken out after each row group (nothing kept)."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _arrow_schema(layout: FocusLayout):
    import pyarrow as pa

    types = {"decimal": pa.decimal128(DECIMAL_PRECISION, DECIMAL_PLACES), "datetime": pa.timestamp("ms", tz="UTC"),
             "string": pa.string(), "json": pa.string(), "boolean": pa.bool_()}
    fields = [pa.field(c.name, types[c.kind]) for c in layout.columns]
    fields += [pa.field(name, types[kind]) for name, kind, _key in layout.custom]
    return pa.schema(fields, metadata={"FocusVersion": FOCUS_VERSION, "DataGenerator": "InfraZen"})


def _arrow_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "decimal":
        return _quantize(value)
    return value


def focus_parquet_chunks(*, start: date, end: date, names: str = "latin") -> Iterator[bytes]:
    """The export as Parquet (decimals as DECIMAL(38,10), times as UTC timestamps, Tags and SkuPriceDetails as JSON
    text), written one row group of ``CHUNK_ROWS`` rows at a time and yielded as it is written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    layout = focus_export_columns(start=start, end=end, names=names)
    schema = _arrow_schema(layout)
    kinds = [(c.name, c.kind) for c in layout.columns] + [(n, k) for n, k, _key in layout.custom]
    sink = _Drain()
    writer = pq.ParquetWriter(sink, schema, compression="zstd")

    def flush(batch: list[dict[str, Any]]) -> None:
        arrays = [pa.array([_arrow_value(row[name], kind) for row in batch], type=schema.field(name).type)
                  for name, kind in kinds]
        writer.write_table(pa.Table.from_arrays(arrays, schema=schema), row_group_size=CHUNK_ROWS)

    batch: list[dict[str, Any]] = []
    wrote = False
    for row in focus_export_rows(start=start, end=end, layout=layout):
        batch.append(row)
        if len(batch) >= CHUNK_ROWS:
            flush(batch)
            wrote = True
            batch = []
            yield sink.take()
    if batch or not wrote:
        flush(batch)
    writer.close()
    yield sink.take()


def focus_export_chunks(*, start: date, end: date, output: str, names: str = "latin") -> Iterable[bytes]:
    return (focus_parquet_chunks if output == "parquet" else focus_csv_chunks)(start=start, end=end, names=names)


def focus_export_filename(*, organization: str, start: date, end: date, output: str) -> str:
    return f"focus-{organization}-{start.isoformat()}-{end.isoformat()}.{output}"


def focus_export_content_type(output: str) -> str:
    return PARQUET_CONTENT_TYPE if output == "parquet" else CSV_CONTENT_TYPE
