"""Object storage: price of one GB stored for a month per storage class, by provider (roubles incl. VAT).

Yandex Object Storage classes: standard (``STANDARD``), cold (``COLD``, «холодное») and ice (``ICE``,
«ледяное»); Selectel S3: standard and cold. A month is 30 days, as both providers count it.
"""

from __future__ import annotations

from decimal import Decimal

D = Decimal

# provider -> class -> {"price": ₽ per GB-month, "source": URL, "checked": date, "confirmed": bool, "note"}.
STORAGE_PRICES: dict[str, dict[str, dict]] = {
    "yandex": {
        # The search tool found the Yandex Object Storage pricing page (https://yandex.cloud/ru/docs/storage/pricing,
        # ru-kz and int/en mirrors) but not its current rouble table: only the 2019 archive (standard 1,24 ₽, cold
        # 0,66 ₽ incl. VAT) and the Nebius clone's ratio standard : cold : ice = 4 : 2 : 1. The figures below are
        # the current list prices as last known, NOT confirmed on 2026-12-06.
        "standard": {"price": D("2.01"), "source": "https://yandex.cloud/ru/docs/storage/pricing",
                     "checked": "2026-12-06", "confirmed": False},
        "cold": {"price": D("1.07"), "source": "https://yandex.cloud/ru/docs/storage/pricing",
                 "checked": "2026-12-06", "confirmed": False},
        "ice": {"price": D("0.535"), "source": "https://yandex.cloud/ru/docs/storage/pricing",
                "checked": "2026-12-06", "confirmed": False},
    },
    "selectel": {
        # https://docs.selectel.ru/en/cloud/object-storage/about/payment confirms the two classes (cold: cheap to
        # store, dear to read; standard priced by volume tiers) but sends to selectel.ru for the figures, which
        # the search tool did not have: NOT confirmed on 2026-12-06.
        "standard": {"price": D("1.95"), "source": "https://selectel.ru/services/cloud/storage/",
                     "checked": "2026-12-06", "confirmed": False},
        "cold": {"price": D("1.00"), "source": "https://selectel.ru/services/cloud/storage/",
                 "checked": "2026-12-06", "confirmed": False},
    },
}

# The class names a plugin may report for each class (``specs["storage_class"]``, any case).
CLASS_ALIASES: dict[str, str] = {
    "standard": "standard", "hot": "standard", "стандартное": "standard",
    "cold": "cold", "cool": "cold", "standard_ia": "cold", "холодное": "cold",
    "ice": "ice", "glacier": "ice", "archive": "ice", "ледяное": "ice",
}


def storage_price(provider: str, storage_class: str) -> Decimal | None:
    entry = STORAGE_PRICES.get(provider, {}).get(storage_class)
    return entry["price"] if entry else None
