"""The sync-failure alert (apps.notifications.producers.sync_failed_step, a SYNC_FINISHED_STEPS step): a sync
that failed or was partial queues one «sync_failed» alert per run, through the real sync engine."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.notifications.models import Alert, Channel
from apps.notifications.producers import sync_failed_step
from apps.providers import registry
from apps.providers.exceptions import ProviderError
from apps.providers.models import ProviderConnection
from apps.providers.plugins.base import Capability, Endpoint, ProviderSpec, ResourceRecord
from apps.providers.sync import sync_run_execute, sync_run_start

HERE = __name__
SPEC = ProviderSpec(key="flaky", label="Flaky cloud", icon="", plugin=f"{HERE}.FlakyPlugin", credential_fields=(),
                    capabilities=frozenset({Capability.RESOURCES}))
STATE = {"failing": set()}


class FlakyPlugin:
    """Two endpoints; those named in STATE["failing"] answer with a provider error."""

    spec = SPEC

    def __init__(self, *, credentials, endpoint, **options):
        pass

    def _endpoint(self, name: str, resource_type: str):
        def fetch():
            if name in STATE["failing"]:
                raise ProviderError("Сервис провайдера недоступен")
            return [ResourceRecord(provider="flaky", resource_id=f"{name}-1", resource_name=f"{name}-1",
                                   resource_type=resource_type, service_name="Compute", status="running",
                                   monthly_cost=Decimal("300"))]
        return Endpoint(name, frozenset({resource_type}), fetch)

    def endpoints(self):
        return [self._endpoint("vms", "vm"), self._endpoint("disks", "volume")]

    def metrics(self, resource):
        return []


@pytest.fixture
def flaky(w, monkeypatch, settings):
    monkeypatch.setitem(registry.PROVIDERS, "flaky", f"{HERE}.SPEC")
    registry.get_spec.cache_clear()
    settings.SYNC_POST_STEPS = []
    settings.SYNC_FINISHED_STEPS = ["apps.notifications.producers.sync_failed_step"]
    STATE["failing"] = set()
    with schema_context(w.alpha.schema_name):
        Channel.objects.create(kind="telegram", name="ops", chat_id="100")
        yield ProviderConnection.objects.create(provider="flaky", name="Облако-тест", credentials={})
    registry.get_spec.cache_clear()


def _sync(connection):
    run = sync_run_start(connection=connection, enqueue=False)
    return sync_run_execute(sync_run_id=run.pk)


def test_a_failed_sync_is_alerted_once(flaky):
    STATE["failing"] = {"vms", "disks"}
    run = _sync(flaky)
    assert run.status == "error"
    alert = Alert.objects.get()
    assert (alert.kind, alert.subject_type, alert.subject_id, alert.dedup_key) == (
        "sync_failed", "sync_run", str(run.pk), f"sync:{run.pk}")
    assert alert.title == "Синхронизация «Облако-тест» не удалась"
    assert alert.text.splitlines() == ["Подключение: Облако-тест", "Ошибки:",
                                       "• vms: Сервис провайдера недоступен", "• disks: Сервис провайдера недоступен"]
    assert alert.link == f"http://alpha.infrazen.test/connections/{flaky.pk}/history/"
    sync_failed_step(run)  # the step again on the same run: nothing new
    assert Alert.objects.count() == 1


def test_a_partial_sync_is_alerted_and_each_run_has_its_own_alert(flaky):
    STATE["failing"] = {"disks"}
    first = _sync(flaky)
    second = _sync(flaky)
    assert (first.status, second.status) == ("partial", "partial")
    alerts = list(Alert.objects.order_by("id"))
    assert [a.dedup_key for a in alerts] == [f"sync:{first.pk}", f"sync:{second.pk}"]
    assert alerts[0].title == "Синхронизация «Облако-тест» прошла частично"
    assert "• disks: Сервис провайдера недоступен" in alerts[0].text


def test_a_successful_sync_alerts_nothing(flaky):
    run = _sync(flaky)
    assert run.status == "success"
    assert not Alert.objects.exists()


def test_a_failing_finished_step_does_not_undo_the_run(flaky, settings):
    settings.SYNC_FINISHED_STEPS = [f"{HERE}.broken_step", "apps.notifications.producers.sync_failed_step"]
    STATE["failing"] = {"vms", "disks"}
    run = _sync(flaky)
    assert run.status == "error"
    assert Alert.objects.filter(kind="sync_failed").count() == 1


def broken_step(run):
    raise RuntimeError("a bug in a step")
