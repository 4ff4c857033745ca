"""Hand-built rule contexts (no database): a resource view with sensible defaults."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from apps.recommendations.context import ResourceView

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=MSK)  # a Sunday


def view(pk: int = 1, **fields) -> ResourceView:
    defaults = {"connection_id": 1, "provider": "yandex", "resource_id": f"r{pk}", "name": f"res-{pk}",
                "resource_type": "vm", "kind": "compute", "status": "running"}
    defaults.update(fields)
    for key in ("monthly_price", "spend"):
        if defaults.get(key) is not None:
            defaults[key] = Decimal(str(defaults[key]))
    return ResourceView(pk=pk, **defaults)
