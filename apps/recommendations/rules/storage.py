"""Storage policy: buckets nobody reads, kept in the dearest storage class."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.numbers import currency_symbol
from apps.inventory.vocabulary import ResourceKind

from ..context import MONTH_DAYS, UsageLine
from ..data.storage_prices import CLASS_ALIASES, STORAGE_PRICES, storage_price
from ..vocabulary import Action, Category, Confidence
from .base import FindingDraft, Param, Rule, money, number

# Read operations, and outgoing traffic (downloads are reads even when the provider does not bill GETs).
READ_WORDS = ("get", "head", "read", "чтени", "retriev", "извлеч", "outgoing", "egress", "traffic out",
              "исходящ")
STORAGE_WORDS = ("storage", "хранени", "хранилищ")
GB = Decimal(2) ** 30
UNIT_PRICE = Decimal("0.0001")


def unit_money(value: Decimal, currency: str) -> str:
    """A unit price with as many decimals as it has, up to four: «1,875 ₽», «1,07 ₽»."""
    places = max(2, min(4, -Decimal(value).normalize().as_tuple().exponent))
    return f"{number(value, places)}\xa0{currency_symbol(currency)}"


def is_read_line(line: UsageLine) -> bool:
    text = f"{line.description} {line.pricing_unit}".lower()
    return any(word in text for word in READ_WORDS)


def is_storage_line(line: UsageLine) -> bool:
    """A charge for data stored (GB a month), not for operations or traffic."""
    text = f"{line.description} {line.pricing_unit}".lower()
    unit = line.pricing_unit.lower().replace(" ", "")
    if is_read_line(line) or any(w in text for w in ("operation", "операци", "request", "запрос", "traffic",
                                                      "трафик", "put", "post")):
        return False
    return ("gb*month" in unit or "gbyte*month" in unit or "гб*мес" in unit
            or any(word in text for word in STORAGE_WORDS))


def _when(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return parse_datetime(value)
    return None


class ColdBucketStorageRule(Rule):
    key = "cold_bucket_storage"
    version = 1
    category = Category.STORAGE
    title = gettext_lazy("Cold storage class for buckets nobody reads")
    description = gettext_lazy("A bucket that is paid for storage but was not read for a long time costs less in "
                               "the provider's cold storage class (reads there are dearer).")
    kinds = (ResourceKind.BUCKET,)
    params = (Param("days", gettext_lazy("No reads for at least"), Decimal(30), Decimal(7), Decimal(365),
                    unit="d", integer=True),)

    def evaluate(self, context, params):
        days = int(params["days"])
        for resource in self.resources(context):
            prices = STORAGE_PRICES.get(resource.provider)
            if not prices or "cold" not in prices:
                continue
            current_class = CLASS_ALIASES.get(str(resource.specs.get("storage_class") or "standard").lower(),
                                              "standard")
            if current_class != "standard":
                continue
            lines = context.usage.get(resource.pk, ())
            storage_lines = [line for line in lines if is_storage_line(line) and line.cost > 0]
            reads = [line for line in lines if is_read_line(line) and (line.quantity > 0 or line.cost > 0)]
            last_read = _when(resource.specs.get("last_read") or resource.specs.get("last_access"))
            cutoff = context.now - timedelta(days=days)
            if last_read is not None:
                if last_read > cutoff:
                    continue
                reason_words = _("last read on %(date)s, more than %(days)s days ago") % {
                    "date": last_read.strftime("%d.%m.%Y"), "days": days}
            elif storage_lines and not reads and context.cost_days >= days:
                created = resource.created_at or resource.first_seen_at
                if created is not None and created > cutoff:
                    continue
                reason_words = _("no read operations in the ledger for the last %(days)s days") % {
                    "days": context.cost_days}
            else:
                continue
            size = (resource.spec("disk_gb") or resource.spec("size_gb") or resource.spec("storage_gb"))
            if size is None and resource.spec("used_bytes"):
                size = resource.spec("used_bytes") / GB
            storage_cost = sum((line.cost for line in storage_lines), Decimal(0))
            if size is None and storage_lines and context.cost_days:
                # The ledger counts storage in GB-months: over the window that is size × window / 30.
                size = sum((line.quantity for line in storage_lines), Decimal(0)) * MONTH_DAYS / context.cost_days
            if not size:
                continue
            cold = storage_price(resource.provider, "cold")
            if storage_cost > 0 and context.cost_days:
                current = (storage_cost * MONTH_DAYS / context.cost_days / size).quantize(UNIT_PRICE)
                source = _("%(price)s per GB a month by the ledger") % {"price": unit_money(current, context.currency)}
            else:
                current = storage_price(resource.provider, "standard")
                source = _("%(price)s per GB a month by the price list") % {
                    "price": unit_money(current, context.currency)}
            savings = size * (current - cold)
            if savings <= 0:
                continue
            yield FindingDraft(
                resource=resource, action=Action.CHANGE_CLASS,
                title=_("Move bucket «%(name)s» to cold storage") % {"name": resource.label},
                action_text=_("Change the storage class of the bucket's objects to cold (a lifecycle rule does it "
                              "for existing objects)."),
                formula=_("%(size)s GB × (%(source)s − %(cold)s per GB a month in cold storage) = %(total)s") % {
                    "size": number(size), "source": source, "cold": unit_money(cold, context.currency),
                    "total": money(savings, context.currency)},
                savings=savings, confidence=Confidence.MEDIUM,
                confidence_reason=_("The bucket is cold (%(why)s); reads from cold storage cost more, so a bucket "
                                    "that is read again saves less.") % {"why": reason_words},
                evidence={"size_gb": size, "storage_class": current_class, "current_price_gb_month": current,
                          "cold_price_gb_month": cold, "read_lines": len(reads),
                          "storage_cost_window": storage_cost, "cost_days": context.cost_days,
                          "last_read": last_read.isoformat() if last_read else None,
                          "price_source": prices["cold"]["source"]})
