"""Yandex Cloud plugin: clouds -> folders -> per-folder Compute and VPC lists, each an isolated endpoint.

The scope (which folders to read) comes from the optional ``folder_id`` / ``cloud_id`` credentials, or
from every cloud the account can see. It is discovered once per plugin; when discovery fails, every
per-folder endpoint fails with it, so nothing is marked deleted on a partial view.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import requests
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.providers.exceptions import ProviderBadResponse, ProviderPermissionError
from apps.providers.plugins.base import (
    AccountInfo,
    BillingExportFile,
    CostLine,
    CostsDeferred,
    Endpoint,
    MetricSeries,
    ResourceRecord,
    normalized,
)

from . import normalize
from .client import PAGE_SIZE, YandexClient
from .consumption import ConsumptionClient, ConsumptionGateClosed, resource_cost_lines
from .spec import SPEC
from .storage import ObjectStorageClient, StorageObject, export_day

METRICS_WINDOW = timedelta(days=7)
MSG_GATE_CLOSED = _("The Yandex Cloud usage report was requested less than a minute ago (one request per "
                    "minute is allowed); the costs will be read on the next synchronization.")
METRICS_GRID_MS = 3_600_000  # hourly averages: 168 points per week, well within the 10 000 per read


class YandexPlugin:
    spec = SPEC

    def __init__(self, *, credentials: dict[str, Any], endpoint: str = "", session: requests.Session | None = None,
                 page_size: int = PAGE_SIZE, clock: Callable[[], float] = time.time,
                 now: Callable[[], datetime] = timezone.now):
        self.cloud_id = str(credentials.get("cloud_id") or "").strip()
        self.folder_id = str(credentials.get("folder_id") or "").strip()
        self.billing_account_id = str(credentials.get("billing_account_id") or "").strip()
        self.client = YandexClient(
            oauth_token=str(credentials.get("oauth_token") or ""),
            authorized_key=credentials.get("authorized_key") or "",
            base_url=endpoint or SPEC.default_endpoint,
            session=session,
            page_size=page_size,
            clock=clock,
        )
        self.now = now
        self.consumption = ConsumptionClient(endpoint=endpoint or SPEC.default_endpoint)
        self._folders: list[dict[str, Any]] | None = None
        self.billing_prefix = str(credentials.get("billing_prefix") or "").strip().lstrip("/")
        bucket = str(credentials.get("billing_bucket") or "").strip()
        self.storage = ObjectStorageClient(
            access_key_id=str(credentials.get("s3_access_key_id") or ""),
            secret_access_key=str(credentials.get("s3_secret_access_key") or ""),
            bucket=bucket, base_url=endpoint or SPEC.default_endpoint, session=self.client.session,
        ) if bucket else None

    # --- scope ----------------------------------------------------------------------------------
    def clouds(self) -> list[dict[str, Any]]:
        if self.cloud_id:
            return [self.client.cloud(self.cloud_id)]
        if self.folder_id:
            cloud_id = normalize.to_text(self.folders()[0].get("cloudId"))
            return [self.client.cloud(cloud_id)] if cloud_id else []
        return self.client.clouds()

    def folders(self) -> list[dict[str, Any]]:
        if self._folders is None:
            if self.folder_id:
                folders = [self.client.folder(self.folder_id)]
            else:
                cloud_ids = [self.cloud_id] if self.cloud_id else [
                    normalize.to_text(c.get("id")) for c in self.client.clouds()]
                folders = [f for cloud_id in cloud_ids if cloud_id for f in self.client.folders(cloud_id)]
            for folder in folders:
                if not isinstance(folder, dict) or not normalize.to_text(folder.get("id")):
                    raise ProviderBadResponse(endpoint="resource-manager/v1/folders", detail="folder without id")
            self._folders = folders
        return self._folders

    def _per_folder(self, fetch: Callable[[str], list[dict[str, Any]]],
                    build: Callable[..., list[ResourceRecord]]) -> list[ResourceRecord]:
        records: list[ResourceRecord] = []
        for folder in self.folders():
            folder_id, cloud_id = normalize.to_text(folder.get("id")), normalize.to_text(folder.get("cloudId"))
            records.extend(build(fetch(folder_id), cloud_id=cloud_id))
        return records

    # --- protocol -------------------------------------------------------------------------------
    def account_info(self) -> AccountInfo:
        """The billing account's balance; without billing access, the cloud without a balance."""
        endpoint = "billing/v1/billingAccounts"
        fallback = self.cloud_id or self.folder_id
        try:
            if self.billing_account_id:
                account = self.client.billing_account(self.billing_account_id)
            else:
                account = normalize.pick_billing_account(self.client.billing_accounts())
        except ProviderPermissionError:
            account = None
        try:
            return normalize.account_info(account, fallback_id=fallback)
        except (ValueError, TypeError, AttributeError) as exc:
            raise ProviderBadResponse(endpoint=endpoint, detail="unreadable billing account") from exc

    def test_connection(self) -> AccountInfo:
        """Exchange the credential for an IAM token, read the scope (folder, cloud or clouds), then billing;
        with a billing export bucket, also list it with the static key."""
        self.client.iam_token()
        if self.folder_id:
            self.client.folder(self.folder_id)
        elif self.cloud_id:
            self.client.cloud(self.cloud_id)
        else:
            self.client.clouds()
        if self.storage is not None:
            self.storage.check(prefix=self.billing_prefix)
        return self.account_info()

    # --- billing export (costs) ------------------------------------------------------------------
    def billing_exports_configured(self) -> bool:
        return self.storage is not None

    def billing_exports(self, *, start: date, end: date) -> list[BillingExportFile]:
        """The daily detail CSVs named after the days ``start <= day < end``, oldest first. The whole
        listing is read before any file is downloaded (one file per day: a prefix holding both a ``.csv``
        and a ``.csv.gz`` of a day gives the most recently written one)."""
        if self.storage is None:
            return []
        storage = self.storage
        by_day: dict[date, StorageObject] = {}
        for item in storage.list_objects(prefix=self.billing_prefix):
            day = export_day(item.key, self.billing_prefix)
            if day is None or not start <= day < end:
                continue
            known = by_day.get(day)
            if known is None or _newer(item, known):
                by_day[day] = item
        return [BillingExportFile(name=item.key, day=day, etag=item.etag, last_modified=item.last_modified,
                                  size=item.size, open=_downloader(storage, item.key))
                for day, item in sorted(by_day.items())]

    # --- ConsumptionCore usage reports (costs without a bucket) -----------------------------------
    def cost_lines(self, *, start: date, end: date) -> list[CostLine]:
        """Daily cost per resource from ``GetResourceUsageReport`` (gRPC) of the ``billing_account_id`` given
        in the credentials; used only when no export bucket is configured (the bucket wins). Without a
        billing account ID, or when another worker made the minute's one request, ``CostsDeferred``: the
        ledger stays as it is."""
        if not self.billing_account_id:
            raise CostsDeferred
        token = self.client.iam_token()
        try:
            report = self.consumption.resource_report(iam_token=token, billing_account_id=self.billing_account_id,
                                                      start=start, end=end)
        except ConsumptionGateClosed:
            raise CostsDeferred(MSG_GATE_CLOSED) from None
        return list(resource_cost_lines(report, billing_account_id=self.billing_account_id, start=start, end=end))

    def endpoints(self) -> list[Endpoint]:
        c = self.client
        return [
            Endpoint("resource-manager/v1/clouds", frozenset({normalize.CLOUD}), normalized(
                "resource-manager/v1/clouds", lambda: normalize.cloud_records(self.clouds()))),
            Endpoint("resource-manager/v1/folders", frozenset({normalize.FOLDER}), normalized(
                "resource-manager/v1/folders", lambda: normalize.folder_records(self.folders()))),
            Endpoint("compute/v1/instances", frozenset({normalize.VM}), normalized(
                "compute/v1/instances", lambda: self._per_folder(c.instances, normalize.instance_records))),
            Endpoint("compute/v1/disks", frozenset({normalize.DISK}), normalized(
                "compute/v1/disks", lambda: self._per_folder(c.disks, normalize.disk_records))),
            Endpoint("compute/v1/snapshots", frozenset({normalize.SNAPSHOT}), normalized(
                "compute/v1/snapshots", lambda: self._per_folder(c.snapshots, normalize.snapshot_records))),
            Endpoint("vpc/v1/addresses", frozenset({normalize.ADDRESS}), normalized(
                "vpc/v1/addresses", lambda: self._per_folder(c.addresses, normalize.address_records))),
        ]

    def metrics(self, resource: ResourceRecord) -> list[MetricSeries]:
        """Hourly average ``cpu_usage`` of a VM over the last week (Monitoring needs the VM's folder)."""
        if resource.resource_type != normalize.VM or not resource.project_id:
            return []
        to_time = self.now().replace(minute=0, second=0, microsecond=0)
        query = f'cpu_usage{{service="compute", resource_id="{resource.resource_id}"}}'
        payload = self.client.monitoring_read(folder_id=resource.project_id, query=query,
                                              from_time=to_time - METRICS_WINDOW, to_time=to_time,
                                              grid_interval_ms=METRICS_GRID_MS)
        try:
            return [normalize.cpu_series(payload, resource_id=resource.resource_id)]
        except (ValueError, TypeError, AttributeError) as exc:
            raise ProviderBadResponse(endpoint="monitoring/v2/data/read", detail="unreadable series") from exc


def _newer(item: StorageObject, known: StorageObject) -> bool:
    if item.last_modified is None or known.last_modified is None:
        return known.last_modified is None and item.key > known.key
    return item.last_modified > known.last_modified


def _downloader(storage: ObjectStorageClient, key: str) -> Callable[[], Any]:
    @contextmanager
    def download() -> Iterator[str]:
        suffix = ".csv.gz" if key.lower().endswith(".gz") else ".csv"
        handle, path = tempfile.mkstemp(prefix="yandex-billing-", suffix=suffix)
        try:
            with os.fdopen(handle, "wb") as target:
                storage.download(key, target)
            yield path
        finally:
            os.unlink(path)

    return download
