"""Compute: Yandex Cloud platform prices, preemptible/spot discounts, same-type prices by region."""

from __future__ import annotations

from decimal import Decimal

D = Decimal
YANDEX_COMPUTE_URL = "https://yandex.cloud/ru/docs/compute/pricing"

# Yandex Compute Cloud, 100 % vCPU share, ₽ per hour incl. VAT: platform id -> vCPU-hour and GB-of-RAM-hour prices.
# The search tool returned no current Yandex Compute price table on 2026-12-06 (only unrelated providers'
# pages): these are list prices as last known, NOT confirmed. The ordering (Broadwell > Cascade Lake > Ice Lake
# for the same vCPU/RAM) is what Yandex's price list has shown for years and what the rule relies on.
YANDEX_PLATFORM_PRICES: dict[str, dict] = {
    "standard-v1": {"name": "Intel Broadwell", "vcpu_hour": D("1.32"), "ram_gb_hour": D("0.34"),
                    "source": YANDEX_COMPUTE_URL, "checked": "2026-12-06", "confirmed": False},
    "standard-v2": {"name": "Intel Cascade Lake", "vcpu_hour": D("1.20"), "ram_gb_hour": D("0.30"),
                    "source": YANDEX_COMPUTE_URL, "checked": "2026-12-06", "confirmed": False},
    "standard-v3": {"name": "Intel Ice Lake", "vcpu_hour": D("1.12"), "ram_gb_hour": D("0.28"),
                    "source": YANDEX_COMPUTE_URL, "checked": "2026-12-06", "confirmed": False},
}
# The platform a VM on an older one is advised to move to.
YANDEX_TARGET_PLATFORM = "standard-v3"

# Share of the on-demand price a preemptible / spot instance saves, by provider. Selectel has no preemptible
# servers (not listed: the rule finds nothing there).
PREEMPTIBLE_DISCOUNTS: dict[str, dict] = {
    # Yandex preemptible VMs cost roughly 70 % less than regular ones in the price list (preemptible Ice Lake
    # 100 % vCPU about a third of the regular price); NOT confirmed by the search tool on 2026-12-06.
    "yandex": {"discount": D("0.70"), "name": "прерываемые ВМ",
               "source": "https://yandex.cloud/ru/docs/compute/concepts/preemptible-vm", "checked": "2026-12-06",
               "confirmed": False},
    # AWS advertises Spot "up to 90 %" off On-Demand; 60 % is a conservative typical figure (assumption).
    "aws": {"discount": D("0.60"), "name": "Spot Instances",
            "source": "https://aws.amazon.com/ec2/spot/pricing/", "checked": "2026-12-06", "confirmed": False},
}

# Same resource type priced per region: provider -> type (``specs["instance_type"]``/``flavor``) -> region ->
# monthly price in roubles. Empty on purpose: Yandex Cloud's Russian prices are one table for ru-central1 (its
# zones cost the same; Kazakhstan is another legal entity and currency), and Selectel's published cloud server
# prices do not differ between its Russian pools for the same flavor, so no public table shows the same type
# cheaper in another region. ``cheaper_region`` therefore finds nothing until a table is added here.
REGION_PRICES: dict[str, dict[str, dict[str, Decimal]]] = {}
