"""VK Cloud's billing detail export («Баланс» → «Детализация» → download as CSV or XLSX) mapped to FOCUS columns.

VK Cloud has no billing API: this file is the only source of real figures, and an import attached to a VK Cloud
connection supersedes that connection's price-list estimates for the days it covers
(``apps.costs.services.import_run``). One row is one deduction (or addition) of a project's balance.

The column names are NOT verifiable from VK's public documentation (it describes the export, not its header):
detection is tolerant. Headers are compared case-insensitively, without a unit suffix ("Сумма, ₽" = "Сумма"),
and each role has several names (``ROLES``); a file is this format when it has a date, a service and an amount
column in Russian. See docs/providers/vkcloud.md ("Billing detail export").

- BilledCost = EffectiveCost = ListCost = ContractedCost = |amount| of a deduction; rows whose operation type says
  they are an addition (a payment, a bonus, a refund) are not costs and are left out;
- amounts may use a decimal comma and spaces / no-break spaces between thousands ("1 234,56");
- dates may be "06.12.2026", "06.12.2026 13:45" or ISO; the day is the charge day (a one-day ChargePeriod);
- BillingAccountId: the project's id column, else the project's name, else "vkcloud" (the project is the unit
  VK bills); SubAccountId / SubAccountName: the project's id and name;
- ResourceId: the object's id (an OpenStack UUID links the row to the inventory), ResourceName its name.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import pyarrow as pa

FORMAT = "vkcloud_detail"
PROVIDER = "VK Cloud"
CONNECTION_PROVIDERS = ("vkcloud",)
SOURCE_PREFIX = "vkcloud"
NOTE = "native"
SOURCE_BY_DAY = True  # a file per chosen period: a re-import replaces its days
# An import attached to a connection keeps its own source keys (the export names the project as the console
# does, which need not be the OpenStack project id the connection knows): two connections never replace each
# other's rows, and the file's project is not checked against the connection's account.
SOURCE_PER_CONNECTION = True
CHECKS_ACCOUNT = False

ROLES: dict[str, tuple[str, ...]] = {
    "date": ("дата", "дата списания", "дата операции", "дата и время", "день", "период"),
    "service": ("услуга", "сервис", "наименование услуги", "название услуги", "продукт"),
    "amount": ("сумма", "стоимость", "списано", "сумма списания", "итого"),
    "resource_name": ("объект", "ресурс", "наименование объекта", "название объекта", "имя объекта",
                      "наименование ресурса", "название ресурса"),
    "resource_id": ("id объекта", "id ресурса", "идентификатор объекта", "идентификатор ресурса", "uuid"),
    "project": ("проект", "название проекта", "имя проекта"),
    "project_id": ("id проекта", "идентификатор проекта", "pid"),
    "quantity": ("количество", "объем", "объём", "потребление"),
    "unit": ("единица измерения", "ед. изм.", "ед.изм.", "единица"),
    "operation": ("тип операции", "операция", "тип", "тип движения средств", "движение средств"),
    "currency": ("валюта",),
    "balance": ("счет", "счёт", "баланс", "источник списания"),
    "region": ("регион",),
    "description": ("описание", "комментарий", "тариф"),
}
REQUIRED = tuple(name for names in ROLES.values() for name in names)  # every name the reader should know
DETECT_ROLES = ("date", "service", "amount")
ADDITION = re.compile(r"начислен|зачислен|пополнен|возврат", re.IGNORECASE)
UNIT_SUFFIX = re.compile(r"\s*(,|\()\s*(₽|руб\.?|rub|₸|тенге|kzt|шт\.?|гб|gb)\s*\)?\s*$", re.IGNORECASE)
CATEGORIES = [  # fragment of the service name (lower case) -> FOCUS ServiceCategory
    ("kubernetes", "Compute"), ("k8s", "Compute"), ("контейнер", "Compute"),
    ("данных", "Databases"), ("dbaas", "Databases"), ("postgres", "Databases"), ("mysql", "Databases"),
    ("redis", "Databases"), ("mongo", "Databases"), ("clickhouse", "Databases"),
    ("диск", "Storage"), ("хранилищ", "Storage"), ("s3", "Storage"), ("снимок", "Storage"), ("снимк", "Storage"),
    ("бэкап", "Storage"), ("резервн", "Storage"), ("образ", "Storage"),
    ("ip", "Networking"), ("сеть", "Networking"), ("сетев", "Networking"), ("балансировщик", "Networking"),
    ("трафик", "Networking"),
    ("vpn", "Networking"), ("dns", "Networking"),
    ("виртуальн", "Compute"), ("вычисл", "Compute"), ("vcpu", "Compute"), ("cpu", "Compute"), ("ram", "Compute"),
    ("памят", "Compute"), ("лиценз", "Compute"), ("сервер", "Compute"),
]
FOCUS_COLUMNS = [
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency", "BillingAccountId",
    "BillingAccountName", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
    "ChargeCategory", "ChargeDescription", "ChargeFrequency", "ProviderName", "PublisherName", "InvoiceIssuerName",
    "SubAccountId", "SubAccountName", "ResourceId", "ResourceName", "ServiceName", "ServiceCategory",
    "RegionId", "PricingCategory", "PricingQuantity", "PricingUnit", "ConsumedQuantity", "ConsumedUnit",
]
EXTRAS = {"operation": "x_OperationType", "balance": "x_BalanceAccount"}


def header_key(name: str) -> str:
    """A header as compared: lower case, single spaces, no BOM, no unit suffix ("Сумма, ₽" -> "сумма")."""
    text = re.sub(r"\s+", " ", (name or "").replace("\ufeff", "").strip().lower())
    return UNIT_SUFFIX.sub("", text).strip()


def roles(columns: list[str]) -> dict[str, str]:
    """{role: the file's column} for the roles found (the first column of a role wins)."""
    found: dict[str, str] = {}
    keys = [(header_key(column), column) for column in columns]
    for role, names in ROLES.items():
        for key, column in keys:
            if key in names and role not in found and column not in found.values():
                found[role] = column
    return found


def detect(columns: list[str]) -> bool:
    if "BilledCost" in columns:
        return False
    found = roles(columns)
    return all(role in found for role in DETECT_ROLES)


def service_category(name: str) -> str:
    lowered = (name or "").lower()
    words = set(re.findall(r"[a-zа-яё0-9]+", lowered))
    for fragment, category in CATEGORIES:
        if (fragment in words) if len(fragment) <= 3 else (fragment in lowered):
            return category
    return "Other"


def parse_amount(text: str | None) -> Decimal | None:
    """"1 234,56 ₽" -> 1234.56; None when empty or not a number."""
    if text is None:
        return None
    cleaned = re.sub(r"[\s\u00a0\u202f₽₸]|руб\.?|rub", "", str(text), flags=re.IGNORECASE)
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")  # 1,234.56
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def parse_day(text: str | None) -> date | None:
    value = (text or "").strip()
    match = re.match(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
    try:
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if re.match(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value[:10])
        return datetime.fromisoformat(value).date() if value else None
    except ValueError:
        return None


def _period(day: date) -> tuple[str, str, str, str]:
    month_start = day.replace(day=1)
    month_end = date.fromordinal(month_start.toordinal() + calendar.monthrange(day.year, day.month)[1])
    next_day = date.fromordinal(day.toordinal() + 1)
    return f"{month_start}T00:00:00Z", f"{month_end}T00:00:00Z", f"{day}T00:00:00Z", f"{next_day}T00:00:00Z"


def _quantity(text: str | None) -> str | None:
    number = parse_amount(text)
    return None if number is None else format(number, "f")


def to_focus(batch: pa.RecordBatch, *, cost_type: str = "actual") -> pa.RecordBatch:
    data = batch.to_pydict()
    found = roles(batch.schema.names)
    n = batch.num_rows

    def col(role: str) -> list:
        column = found.get(role)
        return data[column] if column else [None] * n

    out: dict[str, list] = {c: [] for c in FOCUS_COLUMNS}
    extras: dict[str, list] = {x: [] for role, x in EXTRAS.items() if role in found}
    for i in range(n):
        operation = (col("operation")[i] or "").strip()
        if operation and ADDITION.search(operation):
            continue  # a payment or a bonus credited: not a cost
        if parse_day(col("date")[i]) is None and any(
                (col(role)[i] or "").strip().lower().startswith(("итого", "всего")) for role in found):
            continue  # the sheet's total line, not a charge
        raw_amount = col("amount")[i]
        amount = parse_amount(raw_amount)
        billed = format(abs(amount), "f") if amount is not None else raw_amount  # left invalid for the report
        raw_day = col("date")[i]
        day = parse_day(raw_day)
        bps, bpe, cps, cpe = _period(day) if day else (raw_day, raw_day, raw_day, raw_day)
        service = (col("service")[i] or "").strip()
        project, project_id = (col("project")[i] or "").strip(), (col("project_id")[i] or "").strip()
        resource_id = (col("resource_id")[i] or "").strip() or None
        description = (col("description")[i] or "").strip() or service
        quantity = _quantity(col("quantity")[i])
        row = {
            "BilledCost": billed, "EffectiveCost": billed, "ListCost": billed, "ContractedCost": billed,
            "BillingCurrency": ((col("currency")[i] or "").strip().upper() or "RUB").replace("РУБ", "RUB"),
            "BillingAccountId": project_id or project or "vkcloud", "BillingAccountName": project or project_id,
            "BillingPeriodStart": bps, "BillingPeriodEnd": bpe, "ChargePeriodStart": cps, "ChargePeriodEnd": cpe,
            "ChargeCategory": "Usage", "ChargeDescription": description, "ChargeFrequency": "Usage-Based",
            "ProviderName": PROVIDER, "PublisherName": PROVIDER, "InvoiceIssuerName": PROVIDER,
            "SubAccountId": project_id or None, "SubAccountName": project or None,
            "ResourceId": resource_id, "ResourceName": (col("resource_name")[i] or "").strip() or None,
            "ServiceName": service, "ServiceCategory": service_category(service),
            "RegionId": (col("region")[i] or "").strip() or None, "PricingCategory": "Standard",
            "PricingQuantity": quantity, "PricingUnit": (col("unit")[i] or "").strip() or None,
            "ConsumedQuantity": quantity, "ConsumedUnit": (col("unit")[i] or "").strip() or None,
        }
        for name in FOCUS_COLUMNS:
            out[name].append(row[name])
        for role, x in EXTRAS.items():
            if role in found:
                extras[x].append(col(role)[i])
    arrays = {name: pa.array(values, pa.string()) for name, values in out.items()}
    arrays.update({x: pa.array(values, pa.string()) for x, values in extras.items()})
    return pa.RecordBatch.from_pydict(arrays)


def output_columns(native_columns: list[str], *, cost_type: str = "actual") -> list[str]:
    found = roles(native_columns)
    return FOCUS_COLUMNS + [x for role, x in EXTRAS.items() if role in found]


