from __future__ import annotations

import pytest
from django.db.models import Count
from django_tenants.utils import schema_context

from apps.inventory import selectors
from apps.inventory.models import Resource, ResourceTag
from tests.providers.sync_helpers import create_connection, run_sync, schema_of
from tests.utils import CYRILLIC, api_error, russian


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


@pytest.fixture
def synced(w, token_client, fake_beget):
    client = token_client(w.alice, "alpha")
    connection_id = create_connection(client, fake_beget.url)
    run_sync(client, connection_id)
    with schema_context(schema_of("alpha")):
        vps = Resource.objects.get(resource_name="runner rus")
        ResourceTag.objects.create(resource=vps, key="env", value="prod")
    return client, connection_id


def _names(response) -> list[str]:
    return sorted(item["resource_name"] for item in response.json()["results"])


def test_resources_filter_by_type_status_region_text_and_tag(synced):
    client, connection_id = synced
    assert _names(client.get("/api/v1/resources/?resource_type=vps")) == ["Objective Perrin", "runner rus"]
    assert _names(client.get("/api/v1/resources/?region=ru2")) == ["Cloud database 1", "Humane Orrin"]
    assert len(_names(client.get("/api/v1/resources/?status=inactive"))) == 5
    assert _names(client.get("/api/v1/resources/?q=perrin")) == ["Objective Perrin"]
    assert _names(client.get("/api/v1/resources/?tag=env")) == ["runner rus"]
    assert _names(client.get("/api/v1/resources/?tag=env=prod")) == ["runner rus"]
    assert _names(client.get("/api/v1/resources/?tag=env=dev")) == []
    assert client.get(f"/api/v1/resources/?connection={connection_id}&provider=beget").json()["count"] == 11


def test_an_invalid_filter_value_is_a_400_in_the_error_shape_with_a_russian_message(synced):
    client, _connection_id = synced
    for url in ("/api/v1/resources/?connection=abc", "/api/v1/resources/summary/?connection=1.5",
                "/api/v1/resources/?deleted=maybe"):
        error = api_error(client.get(url), 400, "invalid")
        assert error["message"] == russian("Check the filters.") and CYRILLIC.search(error["message"])
        assert set(error["details"]) in ({"connection"}, {"deleted"}), error
        assert all(CYRILLIC.search(reason) for reasons in error["details"].values() for reason in reasons), error


def test_deleted_resources_are_listed_only_when_asked_for(synced):
    client, _connection_id = synced
    with schema_context(schema_of("alpha")):
        Resource.objects.filter(resource_name="runner rus").update(is_deleted=True)
    for flag, expected in (("", 10), ("false", 10), ("no", 10), ("true", 11), ("1", 11), ("on", 11)):
        assert client.get("/api/v1/resources/", {"deleted": flag}).json()["count"] == expected, flag


def test_the_summary_follows_the_filters(synced):
    client, _connection_id = synced
    summary = client.get("/api/v1/resources/summary/?resource_type=vps").json()
    assert summary == {"total": 2, "active": 2, "stopped": 0, "daily_cost": "31.73", "monthly_cost": "951.90",
                       "currency": "RUB"}


def test_resource_items_carry_their_tags(synced):
    client, _connection_id = synced
    item = client.get("/api/v1/resources/?tag=env").json()["results"][0]
    assert item["tags"] == [{"key": "env", "value": "prod"}]


def test_an_unknown_resource_is_not_found(synced):
    client, _connection_id = synced
    assert client.get("/api/v1/resources/999999/").status_code == 404
    assert client.get("/api/v1/resources/999999/metrics/").status_code == 404


def test_the_resource_list_selector_loads_tags_without_a_query_per_row(synced, django_assert_max_num_queries):
    with schema_context(schema_of("alpha")):
        with django_assert_max_num_queries(4):  # two reads (+ search_path sets), not one per row
            rows = list(selectors.resource_list(filters={}))
            tags = [tag.key for row in rows for tag in row.tags.all()]
            connections = {row.connection.name for row in rows}
    assert tags == ["env"] and connections == {"Beget"}


def test_the_history_of_a_resource_is_newest_first(synced):
    client, connection_id = synced
    run_sync(client, connection_id)
    with schema_context(schema_of("alpha")):
        resource = Resource.objects.get(resource_name="runner rus")
        states = list(selectors.resource_history(resource=resource).values_list("state", flat=True))
        assert states == ["unchanged", "created"]
        assert Resource.objects.values("resource_id").annotate(n=Count("id")).filter(n__gt=1).count() == 0
