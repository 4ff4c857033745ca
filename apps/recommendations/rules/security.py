"""Security hygiene that costs exposure: public buckets, admin ports open to the world, keys nobody uses."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.inventory.vocabulary import ResourceKind

from ..vocabulary import Action, Category, Confidence, Risk
from .base import FindingDraft, Param, Rule

WORLD = ("0.0.0.0/0", "::/0", "*", "any", "0.0.0.0")  # noqa: S104 -- matched, not bound
ADMIN_PORTS = {22: "SSH", 3389: "RDP", 3306: "MySQL", 5432: "PostgreSQL", 6379: "Redis", 27017: "MongoDB",
               9200: "Elasticsearch"}
PUBLIC_ACLS = ("public", "public-read", "public-read-write", "publicread", "public_read", "authenticated-read")
KEY_TYPES = ("access_key", "accesskey", "api_key", "apikey", "service_account", "serviceaccount", "static_key",
             "iam_key")


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "public"))


class PublicBucketRule(Rule):
    key = "public_bucket"
    version = 1
    category = Category.SECURITY
    title = gettext_lazy("Public buckets")
    description = gettext_lazy("Anyone on the internet can read (or list) a public bucket: check it holds only "
                               "what is meant to be public.")
    kinds = (ResourceKind.BUCKET,)

    def evaluate(self, context, params):
        for resource in self.resources(context):
            specs = resource.specs
            acl = str(specs.get("acl") or specs.get("access") or "").strip().lower()
            reasons = [key for key in ("public", "public_read", "public_list", "anonymous_access")
                       if _flag(specs.get(key))]
            if acl in PUBLIC_ACLS:
                reasons.append(f"acl={acl}")
            if not reasons:
                continue
            yield FindingDraft(
                resource=resource, action=Action.RESTRICT, risk=Risk.HIGH,
                title=_("Bucket «%(name)s» is open to everyone") % {"name": resource.label},
                action_text=_("Turn off public access, or serve public files through a CDN or signed links."),
                formula=_("Public access: %(reasons)s. No savings: the risk is a data leak.") % {
                    "reasons": ", ".join(reasons)},
                confidence=Confidence.HIGH, confidence_reason=_("The provider reports the bucket's access settings."),
                evidence={"public_flags": reasons})


def _ports(rule: dict) -> tuple[int, int] | None:
    """The rule's port range; None = every port (no range given)."""
    for low_key, high_key in (("port_range_min", "port_range_max"), ("from_port", "to_port"),
                              ("port_from", "port_to")):
        if rule.get(low_key) not in (None, ""):
            low = int(rule[low_key])
            high = int(rule.get(high_key) if rule.get(high_key) not in (None, "") else low)
            return low, high
    for key in ("ports", "port"):
        value = rule.get(key)
        if isinstance(value, dict):
            return int(value.get("from", value.get("fromPort", 0))), int(value.get("to", value.get("toPort", 65535)))
        if value not in (None, "", "*", "any"):
            text = str(value)
            low, _sep, high = text.partition("-")
            return int(low), int(high or low)
    return None


def _sources(rule: dict) -> list[str]:
    found: list[str] = []
    for key in ("cidr", "remote_ip_prefix", "cidr_ip", "source", "cidr_blocks", "v4_cidr_blocks", "v6_cidr_blocks",
                "ip_ranges", "cidrs"):
        value = rule.get(key)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list | tuple):
            found.extend(str(v.get("CidrIp") or v.get("CidrIpv6") or "") if isinstance(v, dict) else str(v)
                         for v in value)
    return found


def open_admin_ports(specs: dict) -> list[int]:
    """Admin ports an inbound rule opens to 0.0.0.0/0 or ::/0 in ``security_rules`` or ``security_groups``."""
    rules: list[dict] = []
    for item in specs.get("security_rules") or []:
        if isinstance(item, dict):
            rules.append(item)
    for group in specs.get("security_groups") or []:
        if isinstance(group, dict):
            rules.extend(r for r in (group.get("rules") or group.get("security_group_rules") or [])
                         if isinstance(r, dict))
    opened: set[int] = set()
    for rule in rules:
        direction = str(rule.get("direction") or "ingress").lower()
        if direction not in ("ingress", "inbound", "in"):
            continue
        if str(rule.get("action") or "allow").lower() not in ("allow", "accept", "permit"):
            continue
        if not any(source.strip().lower() in WORLD for source in _sources(rule)):
            continue
        protocol = str(rule.get("protocol") or "any").lower()
        if protocol in ("icmp", "icmpv6", "1", "58"):
            continue
        try:
            span = _ports(rule)
        except (TypeError, ValueError):
            continue
        low, high = span if span is not None else (0, 65535)
        opened.update(port for port in ADMIN_PORTS if low <= port <= high)
    return sorted(opened)


class OpenAdminPortsRule(Rule):
    key = "open_admin_ports"
    version = 1
    category = Category.SECURITY
    title = gettext_lazy("Admin ports open to the internet")
    description = gettext_lazy("A security group that lets anyone (0.0.0.0/0 or ::/0) reach SSH, RDP or a "
                               "database port invites brute force and exploits.")
    kinds = (ResourceKind.COMPUTE, ResourceKind.NETWORK, ResourceKind.OTHER, ResourceKind.DATABASE)

    def evaluate(self, context, params):
        for resource in self.resources(context):
            ports = open_admin_ports(resource.specs)
            if not ports:
                continue
            names = ", ".join(f"{port} ({ADMIN_PORTS[port]})" for port in ports)
            yield FindingDraft(
                resource=resource, action=Action.RESTRICT, risk=Risk.HIGH,
                title=_("«%(name)s» has admin ports open to the internet") % {"name": resource.label},
                action_text=_("Allow these ports only from your office or VPN addresses, or use a bastion host."),
                formula=_("Open to 0.0.0.0/0 or ::/0: %(ports)s. No savings: the risk is a break-in.") % {
                    "ports": names},
                confidence=Confidence.HIGH, confidence_reason=_("The provider reports the security group rules."),
                evidence={"ports": ports})


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return parse_datetime(value)
    return None


class UnusedAccessKeysRule(Rule):
    key = "unused_access_keys"
    version = 1
    category = Category.SECURITY
    title = gettext_lazy("Unused access keys and service accounts")
    description = gettext_lazy("An access key or service account nobody used for months is a standing risk if it "
                               "leaks: delete or deactivate it.")
    kinds = (ResourceKind.OTHER,)
    params = (Param("days", gettext_lazy("Not used for at least"), Decimal(90), Decimal(1), Decimal(3650),
                    unit="d", integer=True),)

    def evaluate(self, context, params):
        days = int(params["days"])
        cutoff = context.now - timedelta(days=days)
        for resource in self.resources(context):
            kind = resource.resource_type.lower().replace("-", "_")
            if not any(word in kind for word in KEY_TYPES):
                continue
            last_used = _when(resource.specs.get("last_used") or resource.specs.get("last_used_at"))
            if last_used is None or last_used > cutoff:
                continue
            idle_days = (context.now - last_used).days
            yield FindingDraft(
                resource=resource, action=Action.DELETE, risk=Risk.MEDIUM,
                title=_("«%(name)s» was not used for %(days)s days") % {"name": resource.label, "days": idle_days},
                action_text=_("Deactivate the key (or service account), then delete it if nothing breaks."),
                formula=_("Last used on %(date)s, %(days)s days ago (threshold %(limit)s days). No savings: the "
                          "risk is a leaked credential.") % {
                    "date": last_used.strftime("%d.%m.%Y"), "days": idle_days, "limit": days},
                confidence=Confidence.HIGH, confidence_reason=_("The provider reports when the key was last used."),
                evidence={"last_used": last_used.isoformat(), "idle_days": idle_days})
