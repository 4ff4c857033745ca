"""Beget shared hosting plans: monthly price and limits, to find a cheaper plan that still covers the usage.

Limits use the keys of the Beget plugin's account info (``user/getAccountInfo``: ``plan_site`` -> ``sites``,
``plan_quota`` -> ``quota`` in MB, ``plan_domain`` -> ``domains``, ``plan_mysql`` -> ``mysql``, ``plan_ftp`` ->
``ftp``, ``plan_mail`` -> ``mail``); None = unlimited.

NOT confirmed: the search tool had no copy of https://beget.com/ru/hosting on 2026-12-06; names, prices
(₽ a month when paid monthly) and limits are the plans as last known and must be checked against that page.
"""

from __future__ import annotations

from decimal import Decimal

D = Decimal
SOURCE = "https://beget.com/ru/hosting"
CHECKED = "2026-12-06"
CONFIRMED = False

# Cheapest first.
BEGET_PLANS: tuple[dict, ...] = (
    {"name": "Blog", "monthly": D("290"), "limits": {"sites": D(1), "quota": D(10 * 1024), "domains": None,
                                                      "mysql": None, "ftp": None, "mail": None}},
    {"name": "Start", "monthly": D("390"), "limits": {"sites": D(5), "quota": D(15 * 1024), "domains": None,
                                                       "mysql": None, "ftp": None, "mail": None}},
    {"name": "Noble", "monthly": D("590"), "limits": {"sites": D(15), "quota": D(25 * 1024), "domains": None,
                                                       "mysql": None, "ftp": None, "mail": None}},
    {"name": "Great", "monthly": D("890"), "limits": {"sites": D(25), "quota": D(35 * 1024), "domains": None,
                                                       "mysql": None, "ftp": None, "mail": None}},
)
