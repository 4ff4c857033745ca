"""Beget plugin: wires the client to the normalizers, one isolated endpoint per API call."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import requests
from django.utils import timezone

from apps.providers.exceptions import ProviderBadResponse, ProviderError
from apps.providers.plugins.base import (
    AccountInfo,
    CostLine,
    Endpoint,
    MetricSeries,
    RememberedRecords,
    ResourceRecord,
    estimated_cost_lines,
    normalized,
)
from apps.providers.plugins.parsing import to_int

from . import normalize
from .client import BegetClient
from .spec import SPEC


class BegetPlugin(RememberedRecords):
    spec = SPEC

    def __init__(self, *, credentials: dict[str, Any], endpoint: str = "",
                 session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep):
        self.login = str(credentials.get("login") or "")
        self.client = BegetClient(
            login=self.login,
            password=str(credentials.get("password") or ""),
            api_password=str(credentials.get("api_password") or "") or None,
            base_url=endpoint or SPEC.default_endpoint,
            session=session,
            sleep=sleep,
        )
        # What each endpoint listed (or that it failed) in this plugin's life: cost estimates reuse a sync's
        # answers instead of asking again.
        self._listed: dict[str, list[ResourceRecord]] = {}
        self._failed: set[str] = set()
        # user_mail of the account info (mailboxes in use): 0 spares one mail call per domain.
        self._mailboxes_in_use: int | None = None

    def _account_raw(self) -> Any:
        result = self.client.account_info()
        if isinstance(result, dict):
            self._mailboxes_in_use = to_int(result.get("user_mail"))
        return result

    def account_info(self) -> AccountInfo:
        result = self._account_raw()
        try:
            return normalize.account_info(result, login=self.login)
        except (ValueError, TypeError, AttributeError) as exc:
            raise ProviderBadResponse(endpoint="user/getAccountInfo", detail="unreadable account info") from exc

    def test_connection(self) -> AccountInfo:
        """Both APIs must accept their password: the legacy one (account info) and v1 (JWT)."""
        info = self.account_info()
        self.client.authenticate()
        return info

    def endpoints(self) -> list[Endpoint]:
        c, login = self.client, self.login
        listing = [
            ("user/getAccountInfo", frozenset({"hosting_plan"}),
             lambda: [normalize.hosting_plan_record(self._account_raw(), login=login)]),
            ("domain/getList", frozenset({"domain"}), lambda: normalize.domain_records(c.domain_list(), login=login)),
            ("mysql/getList", frozenset({"hosting_mysql"}),
             lambda: normalize.hosting_mysql_records(c.mysql_list(), login=login)),
            ("ftp/getList", frozenset({"ftp_account"}), lambda: normalize.ftp_records(c.ftp_list(), login=login)),
            ("v1/vps/server/list", frozenset({"vps"}), lambda: normalize.vps_records(c.vps_list(), login=login)),
            ("v1/cloud", normalize.CLOUD_RESOURCE_TYPES | {"cloud_service"},
             lambda: normalize.cloud_records(c.cloud_list(), login=login)),
            ("mail/getMailboxList", frozenset({"mailbox"}), self._mailboxes),  # after the domains it reads
        ]
        return [Endpoint(name, types, self._remember(name, normalized(name, fetch))) for name, types, fetch in listing]

    def _mailboxes(self) -> list[ResourceRecord]:
        """Mailboxes of every domain of the account (one ``mail/getMailboxList`` call per domain, none when the
        account info counts no mailbox in use). A domain Beget refuses for mail (INVALID_DATA /
        METHOD_FAILED, e.g. a technical one) is skipped; any other failure, including of the domain list,
        fails this endpoint so no mailbox is marked deleted."""
        endpoint = "mail/getMailboxList"
        if self._mailboxes_in_use == 0:
            return []  # the account says it has none (Beget allows 60 calls a minute: spare them)
        try:
            domains = self._listed.get("domain/getList")
            if domains is None:
                domains = normalize.domain_records(self.client.domain_list(), login=self.login)
        except ProviderError as exc:
            raise type(exc)(endpoint=endpoint, detail=f"domain list: {exc.detail}") from exc
        records: list[ResourceRecord] = []
        for fqdn in sorted({d.resource_name for d in domains if d.resource_name}):
            answer = self._mailbox_answer(fqdn)
            if answer is not None:
                records.extend(normalize.mailbox_records(answer, domain=fqdn, login=self.login))
        return records

    def _mailbox_answer(self, fqdn: str) -> Any:
        """One domain's ``mail/getMailboxList`` answer, or None for a domain Beget refuses for mail (Beget's
        per-minute request limit is waited out by the client, as for every legacy method)."""
        try:
            return self.client.mailbox_list(fqdn)
        except ProviderBadResponse as exc:
            if exc.detail.startswith(("INVALID_DATA", "METHOD_FAILED")):
                return None
            raise

    def cost_lines(self, *, start: date, end: date) -> Iterator[CostLine]:
        """ESTIMATES from the current prices, not invoices: Beget publishes no per-day charges.

        One line per priced resource and day of [start, end) up to today (UTC), each the resource's daily
        cost baseline (the inventory's ``daily_cost``), marked ``x_estimated``. The records of this
        plugin's sync are reused and an endpoint not read yet is read now. An endpoint that failed (here or
        in the sync) is left out rather than failing every estimate: the import keeps the earlier
        estimates of resources missing from the answer. Rejected credentials still fail the answer.
        Limiting the days to those since InfraZen first saw each resource is the cost import's job.
        The lines are generated one at a time (10 000 resources over 35 days are 350 000 lines).
        """
        last = min(end, timezone.now().date() + timedelta(days=1))
        days = [start + timedelta(days=n) for n in range((last - start).days)]
        if not days:
            return
        yield from estimated_cost_lines(provider=normalize.PROVIDER, endpoints=self.endpoints(), listed=self._listed,
                                        failed=self._failed, days=days)

    def metrics(self, resource: ResourceRecord) -> list[MetricSeries]:
        if resource.resource_type != "vps":
            return []
        series = []
        for metric in ("cpu", "memory"):
            payload = self.client.vps_statistic(metric, resource.resource_id)
            try:
                series.append(normalize.metric_series(payload, metric=metric, resource_id=resource.resource_id))
            except (ValueError, TypeError) as exc:
                raise ProviderBadResponse(endpoint=f"v1/vps/statistic/{metric}", detail="unreadable series") from exc
        return series
