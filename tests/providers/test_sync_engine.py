"""The engine's own guarantees, with a bare test plugin: secrets never stored, post-sync steps isolated."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django_tenants.utils import schema_context

from apps.inventory.models import Resource
from apps.providers import registry
from apps.providers.models import ProviderConnection, ResourceState
from apps.providers.plugins.base import Capability, Endpoint, ProviderSpec, ResourceRecord
from apps.providers.sync import sync_run_execute, sync_run_start

HERE = __name__
SPEC = ProviderSpec(key="bare", label="Bare cloud", icon="", plugin=f"{HERE}.BarePlugin", credential_fields=(),
                    capabilities=frozenset({Capability.RESOURCES}))
CONFIG = {
    "id": "vm-1",
    "user_data": "#cloud-config\npassword: hunter2",
    "metadata": {"ssh-keys": "ubuntu:ssh-ed25519 AAAAC3"},
    "AdminPass": "Adm1n!",
    "network": {"password": "p4ss", "ports": [{"private_key": "-----BEGIN KEY-----", "name": "eth0"}]},
    "api_token": "tok-1",
    "tls": {"certificate": "-----BEGIN CERTIFICATE-----", "expires": "2026-01-01"},
}
SECRETS = ("hunter2", "ssh-ed25519", "Adm1n!", "p4ss", "BEGIN KEY", "tok-1", "BEGIN CERTIFICATE")
STATE: dict = {"config": CONFIG, "calls": []}


class BarePlugin:
    """A plugin that does nothing for secrets: the provider's JSON goes out as it came."""

    spec = SPEC

    def __init__(self, *, credentials, endpoint, **options):
        self.options = options

    def endpoints(self):
        record = ResourceRecord(provider="bare", resource_id="vm-1", resource_name="web-1", resource_type="vm",
                                service_name="Compute", status="running", monthly_cost=Decimal("300"),
                                provider_config=STATE["config"])
        return [Endpoint("vms", frozenset({"vm"}), lambda: [record])]

    def metrics(self, resource):
        return []


@pytest.fixture
def bare(w, monkeypatch, settings):
    monkeypatch.setitem(registry.PROVIDERS, "bare", f"{HERE}.SPEC")
    registry.get_spec.cache_clear()
    settings.SYNC_POST_STEPS = []
    STATE.update(config=CONFIG, calls=[])
    with schema_context(w.alpha.schema_name):
        yield ProviderConnection.objects.create(provider="bare", name="Bare", credentials={})
    registry.get_spec.cache_clear()


def _sync(connection):
    run = sync_run_start(connection=connection, enqueue=False)
    return sync_run_execute(sync_run_id=run.pk)


# --- secrets ----------------------------------------------------------------------------------------
def test_nested_secrets_are_never_stored_even_when_the_plugin_kept_them(bare):
    run = _sync(bare)
    assert run.status == "success" and run.resources_created == 1
    resource = Resource.objects.get(connection=bare)
    dumped = str(resource.provider_config) + str(ResourceState.objects.get(sync_run=run).current_state)
    for secret in SECRETS:
        assert secret not in dumped
    assert resource.provider_config == {"id": "vm-1", "network": {"ports": [{"name": "eth0"}]},
                                        "tls": {"expires": "2026-01-01"}}


def test_a_changed_secret_alone_changes_nothing_stored(bare):
    _sync(bare)
    before = Resource.objects.get(connection=bare).content_hash
    STATE["config"] = {**CONFIG, "api_token": "tok-2", "network": {"password": "other", "ports": []}}
    run = _sync(bare)
    assert (run.resources_unchanged, run.resources_updated) == (1, 0)
    resource = Resource.objects.get(connection=bare)
    assert resource.content_hash != before  # the payload half follows the ports list...
    assert resource.content_hash[:32] == before[:32]  # ...the configuration half did not move
    assert "other" not in str(resource.provider_config) and resource.provider_config["network"] == {"ports": []}


# --- post-sync steps ------------------------------------------------------------------------------------
def tag_step(run, *, plugin):
    STATE["calls"].append(("tag", run.pk, run.resources_created, type(plugin).__name__))
    Resource.objects.filter(connection_id=run.connection_id).update(team="tagged-by-step")


def broken_step(run, *, plugin):
    STATE["calls"].append(("broken", run.pk))
    raise RuntimeError("a bug in a step")


def complaining_step(run, *, plugin):
    STATE["calls"].append(("complaining", run.pk))
    return [{"code": "budget_unreadable", "message": "The budget could not be read."}]


def quiet_step(run, *, plugin):
    STATE["calls"].append(("quiet", run.pk))
    return None


def test_a_failing_step_is_recorded_and_the_next_steps_still_run(bare, settings):
    settings.SYNC_POST_STEPS = [f"{HERE}.tag_step", f"{HERE}.broken_step", f"{HERE}.complaining_step",
                                f"{HERE}.quiet_step"]
    run = _sync(bare)
    assert [call[0] for call in STATE["calls"]] == ["tag", "broken", "complaining", "quiet"]
    assert STATE["calls"][0] == ("tag", run.pk, 1, "BarePlugin")  # after the inventory, with the run's plugin
    assert run.status == "partial"
    assert [(e["endpoint"], e["code"]) for e in run.errors] == [
        ("broken_step", "sync_internal_error"), ("complaining_step", "budget_unreadable")]
    assert all(e["message"] for e in run.errors) and "a bug" not in run.errors[0]["message"]
    # Neither the inventory nor the earlier step's writes are undone.
    resource = Resource.objects.get(connection=bare)
    assert resource.team == "tagged-by-step" and ResourceState.objects.filter(sync_run=run).count() == 1
    assert ProviderConnection.objects.get(pk=bare.pk).status == "ok"


def test_errors_returned_by_a_step_make_the_run_partial(bare, settings):
    settings.SYNC_POST_STEPS = [f"{HERE}.complaining_step"]
    run = _sync(bare)
    assert run.status == "partial" and run.error_message == "The budget could not be read."
    assert run.errors == [{"endpoint": "complaining_step", "code": "budget_unreadable",
                           "message": "The budget could not be read."}]


def test_steps_that_find_nothing_leave_the_run_successful(bare, settings):
    settings.SYNC_POST_STEPS = [f"{HERE}.quiet_step", f"{HERE}.tag_step"]
    run = _sync(bare)
    assert run.status == "success" and run.errors == []
    assert [call[0] for call in STATE["calls"]] == ["quiet", "tag"]


def test_steps_do_not_run_when_the_sync_itself_failed(bare, settings, monkeypatch):
    settings.SYNC_POST_STEPS = [f"{HERE}.quiet_step"]

    def failing():
        raise ValueError("broken plugin")

    monkeypatch.setattr(BarePlugin, "endpoints", lambda self: [Endpoint("vms", frozenset({"vm"}), failing)])
    run = _sync(bare)
    assert run.status == "error" and STATE["calls"] == []


def test_the_native_cost_import_is_the_first_post_sync_step():
    assert django_settings.SYNC_POST_STEPS[0] == "apps.costs.services.provider_costs.provider_costs_sync_step"


def test_the_inventory_change_actions_are_the_resource_state_actions():
    from apps.inventory.diff import ChangeAction
    from apps.providers.models import ResourceStateAction

    assert {action.value for action in ChangeAction} == set(ResourceStateAction.values)
