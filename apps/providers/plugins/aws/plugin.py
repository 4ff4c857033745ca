"""AWS plugin: EC2 instances, EBS volumes and Elastic IPs in every selected region, Cost Explorer costs.

Each resource type is one isolated endpoint that covers all regions: a failure in any region fails
that endpoint (so the sync engine never marks resources of an unread region deleted), while the other
types go on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from apps.providers.exceptions import ProviderBadResponse, ProviderPermissionError
from apps.providers.plugins.base import AccountInfo, CostLine, Endpoint, MetricSeries, ResourceRecord, normalized

from . import normalize
from .client import AwsClient, parse_regions
from .spec import SPEC


class AwsPlugin:
    spec = SPEC

    def __init__(self, *, credentials: dict[str, Any], endpoint: str = "", **client_options: Any):
        self.client = AwsClient(
            access_key_id=str(credentials.get("access_key_id") or "").strip(),
            secret_access_key=str(credentials.get("secret_access_key") or ""),
            regions=parse_regions(credentials.get("regions")),
            role_arn=str(credentials.get("role_arn") or "").strip(),
            external_id=str(credentials.get("external_id") or "").strip(),
            endpoint_url=endpoint or "",
            **client_options,
        )
        self._account_id: str | None = None

    @property
    def account_id(self) -> str:
        if self._account_id is None:
            self.account_info()
        return self._account_id or ""

    def account_info(self) -> AccountInfo:
        identity = self.client.caller_identity()
        try:
            info = normalize.account_info(identity, regions=self.client.configured_regions)
        except (ValueError, TypeError, AttributeError) as exc:
            raise ProviderBadResponse(endpoint="sts/GetCallerIdentity", detail="unreadable identity") from exc
        self._account_id = info.account_id
        return info

    def test_connection(self) -> AccountInfo:
        """STS answers for any valid key (or assumed role), whatever its policies."""
        return self.account_info()

    # --- resources ------------------------------------------------------------------------------
    def _instances(self) -> list[ResourceRecord]:
        records: list[ResourceRecord] = []
        account_id = self.account_id
        for region in self.client.regions():
            pages = self.client.describe_instances(region)
            types = sorted({
                str(i.get("InstanceType")) for p in pages for r in p.get("Reservations") or []
                for i in r.get("Instances") or [] if i.get("InstanceType")
            })
            type_specs: dict[str, dict[str, Any]] = {}
            if types:
                try:
                    type_specs = normalize.instance_type_specs(self.client.describe_instance_types(region, types))
                except ProviderPermissionError:
                    type_specs = {}  # vCPU/memory are a nicety: a policy without this call still lists instances
            records.extend(normalize.instance_records(pages, region=region, type_specs=type_specs,
                                                      account_id=account_id))
        return records

    def _volumes(self) -> list[ResourceRecord]:
        account_id = self.account_id
        return [record for region in self.client.regions()
                for record in normalize.volume_records(self.client.describe_volumes(region), region=region,
                                                       account_id=account_id)]

    def _addresses(self) -> list[ResourceRecord]:
        account_id = self.account_id
        return [record for region in self.client.regions()
                for record in normalize.address_records(self.client.describe_addresses(region), region=region,
                                                        account_id=account_id)]

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("ec2/DescribeInstances", frozenset({normalize.EC2_INSTANCE}),
                     normalized("ec2/DescribeInstances", self._instances)),
            Endpoint("ec2/DescribeVolumes", frozenset({normalize.EBS_VOLUME}),
                     normalized("ec2/DescribeVolumes", self._volumes)),
            Endpoint("ec2/DescribeAddresses", frozenset({normalize.ELASTIC_IP}),
                     normalized("ec2/DescribeAddresses", self._addresses)),
        ]

    # --- costs and metrics ----------------------------------------------------------------------
    def cost_lines(self, *, start: date, end: date) -> list[CostLine]:
        """Daily UnblendedCost by service for [start, end) in USD (account-level lines, one per service).

        Cost Explorer takes no future End date, so the window stops at today (UTC), whose costs are not
        final anyway. Each request is billed by AWS ($0.01): callers should ask once per sync.
        """
        end = min(end, timezone.now().date())
        if end <= start:
            return []
        pages = list(self.client.cost_and_usage(start=start, end=end))
        try:
            return normalize.cost_lines(pages, account_id=self.account_id)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise ProviderBadResponse(endpoint="ce/GetCostAndUsage", detail="unreadable cost answer") from exc

    def metrics(self, resource: ResourceRecord) -> list[MetricSeries]:
        # CloudWatch metrics are not read yet (see docs/providers/aws.md).
        return []
