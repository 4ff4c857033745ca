"""``Resource.kind``: a sync writes the plugin's kind, and the data migration fills the rows synced before."""

from __future__ import annotations

import importlib
import json

from django.apps import apps as django_apps
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.inventory.models import Resource
from apps.inventory.vocabulary import ResourceKind
from apps.providers.models import ProviderConnection
from apps.providers.plugins.beget import normalize as beget
from tests.providers.sync_helpers import create_connection, run_sync, schema_of

fill_kind = importlib.import_module("apps.inventory.migrations.0003_fill_resource_kind").fill_kind


def test_a_sync_stores_the_kind_each_record_carries(w, client_for, fake_beget, settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    client = client_for(w.alice, "alpha")
    run = run_sync(client, create_connection(client, fake_beget.url))
    assert run["status"] == "success", run
    with schema_context(schema_of("alpha")):
        kinds = dict(Resource.objects.values_list("resource_type", "kind").distinct())
    assert kinds["vps"] == ResourceKind.COMPUTE and kinds["hosting_plan"] == ResourceKind.HOSTING_PLAN
    assert kinds["domain"] == ResourceKind.DOMAIN and kinds["mysql"] == ResourceKind.DATABASE
    assert kinds["s3"] == ResourceKind.BUCKET
    assert kinds == {resource_type: beget.KINDS[resource_type] for resource_type in kinds}


# (provider, resource_type, provider_config) -> the kind the data migration gives a row synced before kinds.
ROWS = [
    ("beget", "vps", {}, "compute"),
    ("beget", "hosting_plan", {}, "hosting_plan"),
    ("beget", "hosting_mysql", {}, "database"),
    ("beget", "s3", {}, "bucket"),
    ("beget", "mailbox", {}, "other"),
    ("yandex", "vm", {}, "compute"),
    ("yandex", "disk", {}, "volume"),
    ("yandex", "snapshot", {}, "snapshot"),
    ("yandex", "ip_address", {}, "ip_address"),
    ("yandex", "folder", {}, "other"),
    ("selectel", "server", {}, "compute"),
    ("selectel", "volume", {}, "volume"),
    ("selectel", "cloud_service", {"provider_key": "dbaas"}, "database"),
    ("selectel", "cloud_service", {"provider_key": "mks"}, "kubernetes"),
    ("selectel", "cloud_service", {"provider_key": "craas"}, "other"),
    ("aws", "ec2_instance", {}, "compute"),
    ("aws", "ebs_volume", {}, "volume"),
    ("aws", "elastic_ip", {}, "ip_address"),
    ("someday", "vm", {}, "other"),  # a provider the migration does not know keeps the default
]


def test_the_data_migration_fills_the_kind_of_existing_rows(w):
    now = timezone.now()
    with schema_context(w.alpha.schema_name):
        connections = {}
        for n, (provider, resource_type, config, _kind) in enumerate(ROWS):
            connection = connections.get(provider) or ProviderConnection.objects.create(
                provider=provider, name=provider, credentials={})
            connections[provider] = connection
            Resource.objects.create(connection=connection, provider=provider, resource_id=f"r{n}",
                                    resource_type=resource_type, provider_config=config, first_seen_at=now,
                                    last_seen_at=now)
        assert set(Resource.objects.values_list("kind", flat=True)) == {"other"}  # as the schema change leaves them
        fill_kind(django_apps, None)
        got = [(r.provider, r.resource_type, json.dumps(r.provider_config), r.kind)
               for r in Resource.objects.order_by("id")]
    assert got == [(p, t, json.dumps(c), k) for p, t, c, k in ROWS]


def test_the_resources_page_filters_by_kind_across_providers(w, client_for):
    now = timezone.now()
    with schema_context(w.alpha.schema_name):
        for provider, resource_type, kind, name in [("beget", "vps", "compute", "beget-vps"),
                                                    ("yandex", "vm", "compute", "yandex-vm"),
                                                    ("yandex", "disk", "volume", "yandex-disk")]:
            connection, _created = ProviderConnection.objects.get_or_create(provider=provider, name=provider,
                                                                           defaults={"credentials": {}})
            Resource.objects.create(connection=connection, provider=provider, resource_id=name, resource_name=name,
                                    resource_type=resource_type, kind=kind, status="running", first_seen_at=now,
                                    last_seen_at=now)
    client = client_for(w.vera, "alpha")
    html = client.get("/resources/?kind=compute").content.decode()
    assert ">beget-vps</a>" in html and ">yandex-vm</a>" in html and ">yandex-disk</a>" not in html
    assert '<option value="compute" selected>Виртуальная машина</option>' in html
    assert '<option value="volume">Том</option>' in html
