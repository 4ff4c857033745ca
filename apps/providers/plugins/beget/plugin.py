"""Beget plugin: wires the client to the normalizers, one isolated endpoint per API call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from apps.providers.errors import ProviderBadResponse, ProviderError
from apps.providers.plugins.base import AccountInfo, Endpoint, MetricSeries, ResourceRecord

from . import normalize
from .client import BegetClient
from .spec import SPEC


def _normalized(endpoint: str, func: Callable[[], list[ResourceRecord]]) -> Callable[[], list[ResourceRecord]]:
    """Turn a payload that the normalizer cannot read into a ProviderBadResponse for that endpoint."""

    def run() -> list[ResourceRecord]:
        try:
            return func()
        except ProviderError:
            raise
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise ProviderBadResponse(endpoint=endpoint, detail=f"unreadable payload ({type(exc).__name__})") from exc

    return run


class BegetPlugin:
    spec = SPEC

    def __init__(self, *, credentials: dict[str, Any], endpoint: str = "",
                 session: requests.Session | None = None):
        self.login = str(credentials.get("login") or "")
        self.client = BegetClient(
            login=self.login,
            password=str(credentials.get("password") or ""),
            api_password=str(credentials.get("api_password") or "") or None,
            base_url=endpoint or SPEC.default_endpoint,
            session=session,
        )

    def account_info(self) -> AccountInfo:
        result = self.client.account_info()
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
        return [
            Endpoint("user/getAccountInfo", frozenset({"hosting_plan"}), _normalized(
                "user/getAccountInfo", lambda: [normalize.hosting_plan_record(c.account_info(), login=login)])),
            Endpoint("domain/getList", frozenset({"domain"}), _normalized(
                "domain/getList", lambda: normalize.domain_records(c.domain_list(), login=login))),
            Endpoint("mysql/getList", frozenset({"hosting_mysql"}), _normalized(
                "mysql/getList", lambda: normalize.hosting_mysql_records(c.mysql_list(), login=login))),
            Endpoint("ftp/getList", frozenset({"ftp_account"}), _normalized(
                "ftp/getList", lambda: normalize.ftp_records(c.ftp_list(), login=login))),
            Endpoint("v1/vps/server/list", frozenset({"vps"}), _normalized(
                "v1/vps/server/list", lambda: normalize.vps_records(c.vps_list(), login=login))),
            Endpoint("v1/cloud", normalize.CLOUD_RESOURCE_TYPES | {"cloud_service"}, _normalized(
                "v1/cloud", lambda: normalize.cloud_records(c.cloud_list(), login=login))),
        ]

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
