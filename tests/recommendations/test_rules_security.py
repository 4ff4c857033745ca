"""public_bucket, open_admin_ports, unused_access_keys: risk findings without savings."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import translation

from apps.recommendations.context import Context
from apps.recommendations.rules.security import (
    OpenAdminPortsRule,
    PublicBucketRule,
    UnusedAccessKeysRule,
    open_admin_ports,
)

from .factories import NOW, view


def run(rule, resources, **params):
    return list(rule.evaluate(Context(now=NOW, resources=resources),
                              {**rule.defaults(), **{k: Decimal(v) for k, v in params.items()}}))


def test_public_bucket_is_high_risk_without_savings():
    bucket = view(kind="bucket", name="media-assets", specs={"public": True})
    [draft] = run(PublicBucketRule(), [bucket])
    assert (draft.risk, draft.savings, draft.action) == ("high", None, "restrict")
    assert run(PublicBucketRule(), [view(kind="bucket", specs={"acl": "public-read"})])[0].evidence == {
        "public_flags": ["acl=public-read"]}
    with translation.override("ru"):
        [draft] = run(PublicBucketRule(), [bucket])
        assert draft.title == "Бакет «media-assets» открыт всем"
        assert draft.formula == "Публичный доступ: public. Экономии нет: риск — утечка данных."


def test_private_buckets_are_fine():
    assert run(PublicBucketRule(), [view(kind="bucket", specs={"public": False, "acl": "private"})]) == []
    assert run(PublicBucketRule(), [view(kind="bucket")]) == []


def test_open_admin_ports_in_openstack_and_yandex_shapes():
    openstack = {"security_groups": [{"name": "default", "rules": [
        {"direction": "ingress", "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
         "remote_ip_prefix": "0.0.0.0/0"},
        {"direction": "ingress", "protocol": "tcp", "port_range_min": 443, "port_range_max": 443,
         "remote_ip_prefix": "0.0.0.0/0"},
        {"direction": "egress", "protocol": None, "remote_ip_prefix": "0.0.0.0/0"},
        {"direction": "ingress", "protocol": "tcp", "port_range_min": 5432, "port_range_max": 5432,
         "remote_ip_prefix": "10.0.0.0/8"}]}]}
    assert open_admin_ports(openstack) == [22]
    yandex = {"security_rules": [{"direction": "INGRESS", "protocol": "TCP", "ports": {"from": 3000, "to": 7000},
                                  "v4_cidr_blocks": ["0.0.0.0/0"]},
                                 {"direction": "ingress", "port": "27017", "cidr": "::/0"}]}
    assert open_admin_ports(yandex) == [3306, 3389, 5432, 6379, 27017]
    # No port range = every port.
    assert open_admin_ports({"security_rules": [{"cidr": "0.0.0.0/0", "protocol": "any"}]}) == [
        22, 3306, 3389, 5432, 6379, 9200, 27017]


def test_open_admin_ports_finding():
    vm = view(name="bastion", specs={"security_rules": [{"cidr": "0.0.0.0/0", "port": 22},
                                                        {"cidr": "0.0.0.0/0", "port": 3389}]})
    with translation.override("ru"):
        [draft] = run(OpenAdminPortsRule(), [vm])
    assert draft.risk == "high" and draft.savings is None
    assert draft.formula == "Открыты для 0.0.0.0/0 или ::/0: 22 (SSH), 3389 (RDP). Экономии нет: риск — взлом."
    closed = view(specs={"security_rules": [{"cidr": "192.0.2.0/24", "port": 22}]})
    assert run(OpenAdminPortsRule(), [closed]) == []


def test_unused_access_key_older_than_days():
    key = view(kind="other", resource_type="access_key", name="ci-key",
               specs={"last_used": (NOW - timedelta(days=120)).isoformat()})
    [draft] = run(UnusedAccessKeysRule(), [key])
    assert (draft.risk, draft.savings, draft.evidence["idle_days"]) == ("medium", None, 120)
    # A 200-day threshold: not yet.
    assert run(UnusedAccessKeysRule(), [key], days=200) == []
    with translation.override("ru"):
        [draft] = run(UnusedAccessKeysRule(), [key])
        assert draft.title == "«ci-key» не использовался 120 дн."


def test_recent_unknown_or_non_key_resources_are_skipped():
    rule = UnusedAccessKeysRule()
    assert run(rule, [view(kind="other", resource_type="service_account",
                           specs={"last_used": (NOW - timedelta(days=10)).isoformat()})]) == []
    assert run(rule, [view(kind="other", resource_type="service_account")]) == []  # no data: no guess
    assert run(rule, [view(kind="other", resource_type="mailbox",
                           specs={"last_used": (NOW - timedelta(days=400)).isoformat()})]) == []
