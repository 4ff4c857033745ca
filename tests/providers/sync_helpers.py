"""Driving a sync through the API alone, as a client would (the task is run in-process)."""

from __future__ import annotations

import json

from django_tenants.utils import schema_context

from apps.common.http import build_session
from apps.providers.sync import sync_run_execute
from tests.fakecloud.beget import DEMO_LOGIN, DEMO_PASSWORD

SECRETS = (DEMO_PASSWORD, "fake-n8n-secret", "fake-s3-secret-key", "fake-ftp-password")


def fast_session():
    return build_session(retry_post=True, retries=1, backoff_factor=0, read_timeout=5, connect_timeout=2)


def create_connection(client, endpoint: str, *, password: str = DEMO_PASSWORD, name: str = "Beget") -> int:
    body = {"provider": "beget", "name": name, "endpoint": endpoint,
            "credentials": {"login": DEMO_LOGIN, "password": password}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert_no_secrets(response)
    return response.json()["id"]


def start_sync(client, connection_id: int) -> int:
    response = client.post(f"/api/v1/connections/{connection_id}/sync/")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    return response.json()["id"]


def schema_of(slug: str) -> str:
    from apps.tenants.models import Organization

    return Organization.objects.get(slug=slug).schema_name


def run_sync(client, connection_id: int, slug: str = "alpha") -> dict:
    """POST sync, execute the queued task in the tenant schema, read the run back through the API."""
    run_id = start_sync(client, connection_id)
    with schema_context(schema_of(slug)):
        sync_run_execute(sync_run_id=run_id, plugin_options={"session": fast_session()})
    response = client.get(f"/api/v1/sync/runs/{run_id}/")
    assert response.status_code == 200
    assert_no_secrets(response)
    return response.json()


def assert_no_secrets(response) -> None:
    body = response.content.decode()
    for secret in SECRETS:
        assert secret not in body


def run_all_endpoints(plugin) -> dict:
    """Every endpoint of ``plugin`` in isolation, as the sync engine runs them: {name: records | error}."""
    from apps.providers.exceptions import ProviderError

    outcome = {}
    for endpoint in plugin.endpoints():
        try:
            outcome[endpoint.name] = endpoint.fetch()
        except ProviderError as exc:
            outcome[endpoint.name] = exc
    return outcome
