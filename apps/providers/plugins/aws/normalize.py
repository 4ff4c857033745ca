"""Pure functions: AWS API answers (as boto3 returns them, or as recorded JSON) -> canonical dataclasses.

Tolerant by design: numbers may arrive as strings (Cost Explorer sends every amount as a string),
optional fields may be missing or null, timestamps may be ``datetime`` (boto3) or ISO text (JSON).
No HTTP, no database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.inventory.vocabulary import ResourceKind, ResourceStatus
from apps.providers.plugins.base import AccountInfo, CostLine, ResourceRecord
from apps.providers.plugins.parsing import to_bool, to_datetime, to_decimal, to_int, to_text

PROVIDER = "aws"
CURRENCY = "USD"
HOURS_PER_DAY = Decimal(24)
DAYS_PER_MONTH = Decimal(30)
_DAILY_QUANT = Decimal("0.0001")
_COST_QUANT = Decimal("0.0000000001")
# AWS charges every AWS-provided public IPv4 address, attached or idle, since 2024-02-01
# (https://aws.amazon.com/vpc/pricing/, "Public IPv4 Address"). BYOIP addresses are not charged.
PUBLIC_IPV4_HOURLY_USD = Decimal("0.005")

EC2_INSTANCE = "ec2_instance"
EBS_VOLUME = "ebs_volume"
ELASTIC_IP = "elastic_ip"
KINDS = {EC2_INSTANCE: ResourceKind.COMPUTE, EBS_VOLUME: ResourceKind.VOLUME, ELASTIC_IP: ResourceKind.IP_ADDRESS}


# --- lenient scalars --------------------------------------------------------------------------


def to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = to_text(value)[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def json_safe(value: Any) -> Any:
    """boto3 answers hold datetimes and Decimals: make them JSON-safe (secrets are stripped by the engine)."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items() if str(k) != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def tags_of(item: Mapping[str, Any]) -> dict[str, str]:
    tags = {}
    for tag in item.get("Tags") or []:
        if isinstance(tag, Mapping) and to_text(tag.get("Key")):
            tags[to_text(tag.get("Key"))] = to_text(tag.get("Value"))
    return tags


def daily_from_hourly(hourly: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """The daily cost baseline of an hourly price (hourly * 24) and its month (daily * 30)."""
    if hourly is None:
        return None, None
    daily = (hourly * HOURS_PER_DAY).quantize(_DAILY_QUANT, rounding=ROUND_HALF_UP)
    return daily, daily * DAYS_PER_MONTH


def _list(payload: Any, key: str) -> list[Mapping[str, Any]]:
    """``payload[key]`` as a list of objects; a missing or null list is empty, any other shape is an error."""
    if not isinstance(payload, Mapping):
        raise ValueError("answer is not an object")
    items = payload.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise ValueError(f"{key} is not a list")
    return [item for item in items if isinstance(item, Mapping)]


# --- account ----------------------------------------------------------------------------------
def account_info(identity: Mapping[str, Any], *, regions: Iterable[str] = ()) -> AccountInfo:
    """``sts:GetCallerIdentity`` -> AccountInfo. AWS has no prepaid balance: money fields stay empty."""
    if not isinstance(identity, Mapping) or not to_text(identity.get("Account")):
        raise ValueError("caller identity has no Account")
    return AccountInfo(
        account_id=to_text(identity.get("Account")),
        currency=CURRENCY,
        status="active",
        server={"arn": to_text(identity.get("Arn")), "user_id": to_text(identity.get("UserId")),
                "regions": list(regions)},
    )


# --- EC2 instances ----------------------------------------------------------------------------
_INSTANCE_STATUS = {
    "pending": ResourceStatus.PENDING,
    "running": ResourceStatus.RUNNING,
    "stopping": ResourceStatus.STOPPED,
    "stopped": ResourceStatus.STOPPED,
    "shutting-down": ResourceStatus.DELETED,
    "terminated": ResourceStatus.DELETED,
}


def instance_type_specs(pages: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``DescribeInstanceTypes`` pages -> ``{"t3.micro": {"cpu_cores": 2, "memory_gb": "1.00", ...}}``."""
    specs: dict[str, dict[str, Any]] = {}
    for page in pages:
        for item in _list(page, "InstanceTypes"):
            name = to_text(item.get("InstanceType"))
            if not name:
                continue
            vcpu = item.get("VCpuInfo") or {}
            memory_mib = to_decimal((item.get("MemoryInfo") or {}).get("SizeInMiB"))
            arches = (item.get("ProcessorInfo") or {}).get("SupportedArchitectures") or []
            specs[name] = {
                "cpu_cores": to_int(vcpu.get("DefaultVCpus")),
                "memory_gb": None if memory_mib is None else str((memory_mib / 1024).quantize(Decimal("0.01"))),
                "architectures": [to_text(a) for a in arches],
                "current_generation": to_bool(item.get("CurrentGeneration")),
            }
    return specs


def instance_records(pages: Iterable[Mapping[str, Any]], *, region: str,
                     type_specs: Mapping[str, Mapping[str, Any]] | None = None,
                     account_id: str = "") -> list[ResourceRecord]:
    """``DescribeInstances`` pages (``{"Reservations": [{"Instances": [...]}]}``) -> records.

    EC2 does not return prices; the cost of instances arrives through Cost Explorer, so the daily
    cost stays empty here and ``billing_period`` says AWS bills them by the hour.
    """
    type_specs = type_specs or {}
    records = []
    for page in pages:
        for reservation in _list(page, "Reservations"):
            owner = to_text(reservation.get("OwnerId")) or account_id
            for item in _list(reservation, "Instances"):
                instance_id = to_text(item.get("InstanceId"))
                if not instance_id:
                    continue
                tags = tags_of(item)
                state = item.get("State") or {}
                raw_status = to_text(state.get("Name") if isinstance(state, Mapping) else state).lower()
                instance_type = to_text(item.get("InstanceType"))
                known = dict(type_specs.get(instance_type) or {})
                placement = item.get("Placement") or {}
                lifecycle = to_text(item.get("InstanceLifecycle")).lower()
                records.append(ResourceRecord(
                    provider=PROVIDER,
                    resource_id=instance_id,
                    resource_name=tags.get("Name") or instance_id,
                    resource_type=EC2_INSTANCE,
                    kind=KINDS[EC2_INSTANCE],
                    service_name="Compute",
                    status=_INSTANCE_STATUS.get(raw_status, ResourceStatus.UNKNOWN),
                    provider_status=raw_status,
                    region=region,
                    account_id=owner,
                    project_id=to_text(item.get("VpcId")),
                    currency=CURRENCY,
                    pricing_model="spot" if lifecycle == "spot" else ("scheduled" if lifecycle == "scheduled"
                                                                      else "on_demand"),
                    billing_period="hourly",
                    created_at=to_datetime(item.get("LaunchTime")),
                    specs={
                        "instance_type": instance_type,
                        "cpu_cores": known.get("cpu_cores"),
                        "memory_gb": known.get("memory_gb"),
                        "architecture": to_text(item.get("Architecture")),
                        "platform": to_text(item.get("PlatformDetails") or item.get("Platform")),
                        "availability_zone": to_text(placement.get("AvailabilityZone")),
                        "private_ip": to_text(item.get("PrivateIpAddress")),
                        "public_ip": to_text(item.get("PublicIpAddress")),
                        "volume_ids": [
                            to_text((m.get("Ebs") or {}).get("VolumeId"))
                            for m in item.get("BlockDeviceMappings") or []
                            if isinstance(m, Mapping) and (m.get("Ebs") or {}).get("VolumeId")
                        ],
                    },
                    tags=tags,
                    provider_config=json_safe({
                        key: item.get(key) for key in (
                            "ImageId", "SubnetId", "VpcId", "KeyName", "Placement", "Monitoring",
                            "InstanceLifecycle", "SpotInstanceRequestId", "Hypervisor", "RootDeviceType",
                            "EbsOptimized", "StateReason", "IamInstanceProfile",
                        ) if item.get(key) is not None
                    }),
                ))
    return records


# --- EBS volumes ------------------------------------------------------------------------------
_VOLUME_STATUS = {
    "creating": ResourceStatus.PENDING,
    "available": ResourceStatus.INACTIVE,  # exists, attached to nothing: paid for and unused
    "in-use": ResourceStatus.RUNNING,
    "deleting": ResourceStatus.DELETED,
    "deleted": ResourceStatus.DELETED,
    "error": ResourceStatus.ERROR,
}


def volume_records(pages: Iterable[Mapping[str, Any]], *, region: str, account_id: str = "") -> list[ResourceRecord]:
    """``DescribeVolumes`` pages -> records; an ``available`` volume is unattached (waste)."""
    records = []
    for page in pages:
        for item in _list(page, "Volumes"):
            volume_id = to_text(item.get("VolumeId"))
            if not volume_id:
                continue
            tags = tags_of(item)
            raw_status = to_text(item.get("State")).lower()
            attachments = [a for a in item.get("Attachments") or [] if isinstance(a, Mapping)]
            attached_to = [to_text(a.get("InstanceId")) for a in attachments if to_text(a.get("InstanceId"))]
            records.append(ResourceRecord(
                provider=PROVIDER,
                resource_id=volume_id,
                resource_name=tags.get("Name") or volume_id,
                resource_type=EBS_VOLUME,
                kind=KINDS[EBS_VOLUME],
                service_name="Storage",
                status=_VOLUME_STATUS.get(raw_status, ResourceStatus.UNKNOWN),
                provider_status=raw_status,
                region=region,
                account_id=account_id,
                currency=CURRENCY,
                billing_period="monthly",  # EBS is priced per GB-month
                created_at=to_datetime(item.get("CreateTime")),
                specs={
                    "disk_gb": to_int(item.get("Size")),
                    "volume_type": to_text(item.get("VolumeType")),
                    "iops": to_int(item.get("Iops")),
                    "throughput_mbps": to_int(item.get("Throughput")),
                    "encrypted": to_bool(item.get("Encrypted")),
                    "availability_zone": to_text(item.get("AvailabilityZone")),
                    "snapshot_id": to_text(item.get("SnapshotId")),
                    "attached_to": attached_to,
                    "unattached": not attached_to,
                },
                tags=tags,
                provider_config=json_safe({
                    key: item.get(key) for key in ("Attachments", "MultiAttachEnabled", "KmsKeyId")
                    if item.get(key) is not None
                }),
            ))
    return records


# --- Elastic IPs ------------------------------------------------------------------------------
def address_records(answer: Mapping[str, Any], *, region: str, account_id: str = "") -> list[ResourceRecord]:
    """``DescribeAddresses`` answer -> records. An address associated with nothing is idle (waste)."""
    records = []
    for item in _list(answer, "Addresses"):
        public_ip = to_text(item.get("PublicIp"))
        resource_id = to_text(item.get("AllocationId")) or public_ip
        if not resource_id:
            continue
        tags = tags_of(item)
        attached = bool(to_text(item.get("AssociationId")) or to_text(item.get("InstanceId"))
                        or to_text(item.get("NetworkInterfaceId")))
        pool = to_text(item.get("PublicIpv4Pool"))
        charged = pool in ("", "amazon")  # BYOIP pools are free of the public IPv4 charge
        daily, monthly = daily_from_hourly(PUBLIC_IPV4_HOURLY_USD if charged else Decimal(0))
        records.append(ResourceRecord(
            provider=PROVIDER,
            resource_id=resource_id,
            resource_name=tags.get("Name") or public_ip or resource_id,
            resource_type=ELASTIC_IP,
            kind=KINDS[ELASTIC_IP],
            service_name="Network",
            status=ResourceStatus.RUNNING if attached else ResourceStatus.INACTIVE,
            provider_status="associated" if attached else "unassociated",
            region=region,
            account_id=to_text(item.get("NetworkInterfaceOwnerId")) or account_id,
            daily_cost=daily,
            monthly_cost=monthly,
            currency=CURRENCY,
            billing_period="hourly",
            specs={
                "public_ip": public_ip,
                "attached": attached,
                "idle": not attached,
                "instance_id": to_text(item.get("InstanceId")),
                "network_interface_id": to_text(item.get("NetworkInterfaceId")),
                "private_ip": to_text(item.get("PrivateIpAddress")),
                "domain": to_text(item.get("Domain")),
                "hourly_price": str(PUBLIC_IPV4_HOURLY_USD if charged else Decimal(0)),
            },
            tags=tags,
            provider_config=json_safe({
                key: item.get(key) for key in ("AllocationId", "AssociationId", "PublicIpv4Pool",
                                               "NetworkBorderGroup", "Domain")
                if item.get(key) is not None
            }),
        ))
    return records


# --- Cost Explorer ------------------------------------------------------------------------------
def _group_key_index(definitions: Any, key: str = "SERVICE") -> int:
    for index, definition in enumerate(definitions or []):
        if isinstance(definition, Mapping) and to_text(definition.get("Key")).upper() == key:
            return index
    return 0


def _metric(metrics: Any, name: str) -> tuple[Decimal | None, str]:
    value = (metrics or {}).get(name) if isinstance(metrics, Mapping) else None
    if not isinstance(value, Mapping):
        return None, ""
    return to_decimal(value.get("Amount")), to_text(value.get("Unit"))


def _days(start: date, end: date) -> list[date]:
    """The days of [start, end); a period with End <= Start counts as its start day."""
    count = max((end - start).days, 1)
    return [start + timedelta(days=i) for i in range(count)]


def cost_lines(pages: Iterable[Mapping[str, Any]], *, account_id: str = "",
               metric: str = "UnblendedCost") -> list[CostLine]:
    """``GetCostAndUsage`` pages grouped by SERVICE -> one CostLine per day and service.

    Groups that share a service within a period (when a second grouping such as a tag was asked) are
    summed. A period longer than a day (MONTHLY granularity) is spread evenly over its days, the
    rounding remainder on the last day, so the lines add up to AWS's amount exactly. Zero amounts are
    dropped. The account-level line (no groups) keeps an empty service name.
    """
    totals: dict[tuple[date, str, str], Decimal] = defaultdict(Decimal)
    estimated: set[tuple[date, str, str]] = set()
    for page in pages:
        if not isinstance(page, Mapping) or not isinstance(page.get("ResultsByTime"), list):
            raise ValueError("answer has no ResultsByTime list")
        index = _group_key_index(page.get("GroupDefinitions"))
        for result in page["ResultsByTime"]:
            if not isinstance(result, Mapping):
                continue
            period = result.get("TimePeriod") or {}
            start, end = to_date(period.get("Start")), to_date(period.get("End"))
            if start is None:
                raise ValueError("result without TimePeriod.Start")
            days = _days(start, end or start + timedelta(days=1))
            entries: list[tuple[str, Decimal, str]] = []
            groups = [g for g in result.get("Groups") or [] if isinstance(g, Mapping)]
            if groups:
                for group in groups:
                    keys = group.get("Keys") or []
                    service = to_text(keys[index]) if len(keys) > index else ""
                    amount, unit = _metric(group.get("Metrics"), metric)
                    if amount is not None:
                        entries.append((service, amount, unit or CURRENCY))
            else:
                amount, unit = _metric(result.get("Total"), metric)
                if amount is not None:
                    entries.append(("", amount, unit or CURRENCY))
            is_estimated = bool(to_bool(result.get("Estimated")))
            for service, amount, unit in entries:
                share = (amount / len(days)).quantize(_COST_QUANT, rounding=ROUND_HALF_UP)
                for position, day in enumerate(days):
                    part = amount - share * (len(days) - 1) if position == len(days) - 1 else share
                    key = (day, service, unit.upper())
                    totals[key] += part
                    if is_estimated:
                        estimated.add(key)
    return [
        CostLine(provider=PROVIDER, resource_id=account_id, day=day, amount=amount, currency=currency,
                 service_name=service, description=f"{metric} (estimated)" if key in estimated else metric)
        for key, amount in sorted(totals.items())
        for day, service, currency in [key]
        if amount != 0
    ]
