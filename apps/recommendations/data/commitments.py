"""Commitment discounts for steady 24/7 compute and databases, by provider."""

from __future__ import annotations

from decimal import Decimal

D = Decimal

# provider -> {"name", "term_months", "discount" (share of the on-demand price saved), "source", "checked",
# "confirmed", "note"}. The rule offers the commitment listed for the resource's provider.
COMMITMENT_DISCOUNTS: dict[str, dict] = {
    # Yandex Cloud committed volume of services (CVoS, «резервируемое потребление»): 6 months or 1 year; the
    # concept page (https://yandex.cloud/ru/docs/billing/concepts/cvos, found by the search tool, 2025-04-02)
    # confirms the terms and that the discount grows with the term but gives the figures per service only on the
    # tariff pages. The 1-year vCPU/RAM discount used here (about 29 %) is NOT confirmed.
    "yandex": {"name": "CVoS Yandex Cloud на 1 год", "term_months": 12, "discount": D("0.29"),
               "source": "https://yandex.cloud/ru/docs/billing/concepts/cvos", "checked": "2026-12-06",
               "confirmed": False},
    # Selectel cloud servers with a fixed monthly price («фиксированная цена») instead of pay-as-you-go hourly
    # billing; the discount against hourly billing (about 20 %) is NOT confirmed.
    "selectel": {"name": "фиксированная цена Selectel на месяц", "term_months": 1, "discount": D("0.20"),
                 "source": "https://selectel.ru/services/cloud/servers/", "checked": "2026-12-06",
                 "confirmed": False},
    # AWS Compute Savings Plans: AWS advertises up to 66 % (EC2 Instance Savings Plans up to 72 %); a 1-year,
    # no-upfront Compute Savings Plan typically saves about 27 % (assumption, NOT confirmed).
    "aws": {"name": "AWS Compute Savings Plan на 1 год", "term_months": 12, "discount": D("0.27"),
            "source": "https://aws.amazon.com/savingsplans/compute-pricing/", "checked": "2026-12-06",
            "confirmed": False},
}

# Pricing models that already are a commitment (or cheaper than one): no commitment advice for them.
COMMITTED_MODELS = frozenset({"reserved", "committed", "prepaid", "savings_plan", "spot", "preemptible", "free",
                              "fixed", "monthly"})
