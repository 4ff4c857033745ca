"""The VK Cloud price list shipped as data (``moscow.yaml``) and its loader.

Every price is a ``Price`` (amount, the period it is quoted for, its source and date); ``daily`` turns it into the
cost of one day (hourly x 24, monthly / 30). The list's ``date`` is what the UI shows beside every estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = "moscow.yaml"
DAYS_PER_MONTH = Decimal(30)
HOURS_PER_DAY = Decimal(24)


@dataclass(frozen=True)
class Price:
    amount: Decimal
    per: str  # hour | day | month
    unit: str = ""
    source: str = ""
    date: str = ""

    @property
    def daily(self) -> Decimal:
        if self.per == "hour":
            return self.amount * HOURS_PER_DAY
        if self.per == "month":
            return self.amount / DAYS_PER_MONTH
        if self.per == "day":
            return self.amount
        raise ValueError(f"unknown price period {self.per!r}")


@dataclass(frozen=True)
class PriceList:
    date: date
    currency: str
    source: str
    verified: bool
    vcpu: Price
    ram_gb: Price
    local_disk_gb: Price | None
    floating_ip: Price | None
    snapshot_gb: Price | None
    image_gb: Price | None
    database_volume_gb: Price | None
    flavors: dict[str, Price] = field(default_factory=dict)
    volume_types: dict[str, Price] = field(default_factory=dict)
    volume_families: dict[str, Price] = field(default_factory=dict)

    def volume_price(self, volume_type: str) -> Price | None:
        """The price per GB of a Cinder volume type: by its name, else by a word of it (``ssd``, ``hdd``...)."""
        name = (volume_type or "").lower()
        if name in self.volume_types:
            return self.volume_types[name]
        for word, price in self.volume_families.items():
            if word in name:
                return price
        return None


def _price(raw: Any, *, source: str, day: str) -> Price | None:
    if not isinstance(raw, dict):
        return None
    return Price(amount=Decimal(str(raw["price"])), per=str(raw.get("per", "hour")), unit=str(raw.get("unit", "")),
                 source=str(raw.get("source") or source), date=str(raw.get("date") or day))


def _prices(raw: Any, *, source: str, day: str) -> dict[str, Price]:
    return {str(k).lower(): p for k, v in (raw or {}).items() if (p := _price(v, source=source, day=day))}


def parse_price_list(data: dict[str, Any]) -> PriceList:
    day = str(data["date"])
    source = str(data.get("source") or "")
    compute = data.get("compute") or {}
    databases = data.get("databases") or {}

    def one(raw: Any) -> Price | None:
        return _price(raw, source=source, day=day)

    vcpu, ram = one(compute.get("vcpu")), one(compute.get("ram_gb"))
    if vcpu is None or ram is None:
        raise ValueError("a price list needs compute.vcpu and compute.ram_gb")
    return PriceList(
        date=date.fromisoformat(day), currency=str(data.get("currency") or "RUB"), source=source,
        verified=bool(data.get("verified")), vcpu=vcpu, ram_gb=ram,
        local_disk_gb=one(compute.get("local_disk_gb")), floating_ip=one(data.get("floating_ip")),
        snapshot_gb=one(data.get("snapshot_gb")), image_gb=one(data.get("image_gb")),
        database_volume_gb=one(databases.get("volume_gb")),
        flavors=_prices(compute.get("flavors"), source=source, day=day),
        volume_types=_prices(data.get("volume_types"), source=source, day=day),
        volume_families=_prices(data.get("volume_families"), source=source, day=day),
    )


@cache
def price_list(name: str = DEFAULT_FILE) -> PriceList:
    with open(HERE / name, encoding="utf-8") as fh:
        return parse_price_list(yaml.safe_load(fh))
