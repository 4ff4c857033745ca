"""The Resources page and one resource's page: summary, grouping, filters, charts, history, permissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from apps.inventory.models import MetricPoint, Resource, ResourceTag
from apps.providers.models import ProviderConnection, ResourceState, SyncRun
from tests.utils import russian

NBSP = "\xa0"

# The Beget demo account of the product description (section 12.7.5): 3 668,90 ₽/month, 121,46 ₽/day.
DEMO = [
    ("plan", "Cloud plan", "hosting_plan", "Hosting", "running", "", "60.73", "1847.00", {}),
    ("db-1", "Cloud MySQL", "mysql", "Database", "running", "ru-1", "29.00", "870.00", {"env": "prod"}),
    ("vps-1", "Objective Perrin", "vps", "Compute", "running", "ru-1", "22.00", "660.00",
     {"env": "prod", "team": "core"}),
    ("vps-2", "runner rus", "vps", "Compute", "stopped", "ru-2", "9.73", "291.90", {"env": "ci"}),
    ("s3-1", "Free S3", "s3", "Storage", "running", "ru-1", "0", "0", {}),
]


def _seed(w, slug="alpha", name="Beget demo") -> ProviderConnection:
    now = timezone.now()
    with schema_context(getattr(w, slug).schema_name):
        conn = ProviderConnection.objects.create(provider="beget", name=name,
                                                 credentials={"login": "acme", "password": "Hidden-Pass-1"})
        for rid, rname, rtype, service, status, region, daily, monthly, tags in DEMO:
            resource = Resource.objects.create(
                connection=conn, provider="beget", resource_id=rid, resource_name=rname, resource_type=rtype,
                service_name=service, status=status, region=region, daily_cost=Decimal(daily),
                monthly_cost=Decimal(monthly), currency="RUB", first_seen_at=now, last_seen_at=now,
                specs={"cpu_cores": 2, "memory_gb": 4} if rtype == "vps" else {},
            )
            for key, value in tags.items():
                ResourceTag.objects.create(resource=resource, key=key, value=value)
    return conn


def _resource(w, resource_id, slug="alpha") -> Resource:
    with schema_context(getattr(w, slug).schema_name):
        return Resource.objects.get(resource_id=resource_id)


def _names(html: str) -> set[str]:
    return {name for _rid, name, *_rest in DEMO if f">{name}</a>" in html}


def test_summary_card_shows_counts_and_totals_in_russian_money_format(w, client_for):
    _seed(w)
    response = client_for(w.vera, "alpha").get("/resources/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"3{NBSP}668,90{NBSP}₽" in html
    assert f"121,46{NBSP}₽" in html
    assert 'data-summary-total>5<' in html
    assert 'data-summary-active>4<' in html
    assert 'data-summary-stopped>1<' in html


def test_resources_are_grouped_by_provider_with_daily_cost_before_monthly(w, client_for):
    _seed(w)
    html = client_for(w.alice, "alpha").get("/resources/").content.decode()
    assert 'data-provider-section="beget"' in html
    assert _names(html) == {name for _rid, name, *_r in DEMO}
    card = html[html.index(">Objective Perrin</a>"):]
    card = card[:card.index("</article>")]
    assert card.index(f"22,00{NBSP}₽") < card.index(f"660,00{NBSP}₽")


@pytest.mark.parametrize(("query", "expected"), [
    ("status=stopped", {"runner rus"}),
    ("resource_type=vps", {"Objective Perrin", "runner rus"}),
    ("q=perrin", {"Objective Perrin"}),
    ("region=ru-2", {"runner rus"}),
    ("tag=env%3Dprod", {"Cloud MySQL", "Objective Perrin"}),
    ("tag=team", {"Objective Perrin"}),
    ("provider=beget&status=running&resource_type=vps", {"Objective Perrin"}),
    ("provider=selectel", set()),
])
def test_filters_narrow_the_list(w, client_for, query, expected):
    _seed(w)
    html = client_for(w.alice, "alpha").get(f"/resources/?{query}").content.decode()
    assert _names(html) == expected


def test_filtered_summary_counts_only_what_matches(w, client_for):
    _seed(w)
    html = client_for(w.alice, "alpha").get("/resources/?resource_type=vps").content.decode()
    assert 'data-summary-total>2<' in html
    assert f"951,90{NBSP}₽" in html


def test_empty_inventory_points_to_cloud_connections(w, client_for):
    html = client_for(w.alice, "alpha").get("/resources/").content.decode()
    assert 'href="/connections/"' in html
    assert "data-provider-section" not in html


def test_deleted_resources_are_hidden_from_the_list(w, client_for):
    _seed(w)
    with schema_context(w.alpha.schema_name):
        Resource.objects.filter(resource_id="vps-2").update(is_deleted=True, deleted_at=timezone.now())
    html = client_for(w.alice, "alpha").get("/resources/").content.decode()
    assert "runner rus" not in html
    assert 'data-summary-total>4<' in html


def test_resources_with_metrics_come_first_and_carry_chart_data(w, client_for):
    _seed(w)
    now = timezone.now()
    with schema_context(w.alpha.schema_name):
        vps = Resource.objects.get(resource_id="vps-2")
        for hours in range(5):
            MetricPoint.objects.create(resource=vps, metric="cpu_percent", ts=now - dt.timedelta(hours=hours),
                                       value=Decimal("12.5") + hours)
            MetricPoint.objects.create(resource=vps, metric="memory_mb", ts=now - dt.timedelta(hours=hours),
                                       value=Decimal(512 + hours))
    html = client_for(w.alice, "alpha").get("/resources/").content.decode()
    assert html.index(">runner rus</a>") < html.index(">Cloud plan</a>")
    assert f'id="chart-{vps.pk}-cpu"' in html and f'id="chart-{vps.pk}-memory"' in html
    assert "16.5" in html  # the newest CPU point
    assert "vendor/chart.umd.js" in html


def test_member_of_another_organization_gets_403_on_alpha_resources(w, client_for):
    _seed(w)
    response = client_for(w.charlie, "alpha").get("/resources/")
    assert response.status_code == 403
    assert "Objective Perrin" not in response.content.decode()


def test_resource_of_another_organization_is_404(w, client_for):
    _seed(w, "beta")
    beta_vps = _resource(w, "vps-1", "beta")
    assert client_for(w.alice, "alpha").get(f"/resources/{beta_vps.pk}/").status_code == 404
    assert client_for(w.alice, "alpha").get("/resources/not-a-number/").status_code == 404


def test_resource_page_shows_details_tags_and_change_history(w, client_for):
    conn = _seed(w)
    vps = _resource(w, "vps-1")
    with schema_context(w.alpha.schema_name):
        first = SyncRun.objects.create(connection=conn, status="success")
        second = SyncRun.objects.create(connection=conn, status="success")
        ResourceState.objects.create(sync_run=first, resource=vps, provider_resource_id="vps-1", resource_type="vps",
                                     state="created", current_daily_cost=Decimal("20"),
                                     current_monthly_cost=Decimal("600"))
        ResourceState.objects.create(sync_run=second, resource=vps, provider_resource_id="vps-1",
                                     resource_type="vps", state="updated", cost_changed=True,
                                     previous_daily_cost=Decimal("20"), current_daily_cost=Decimal("22"),
                                     previous_monthly_cost=Decimal("600"), current_monthly_cost=Decimal("660"),
                                     changes={"monthly_cost": {"from": "600", "to": "660"}})
    response = client_for(w.vera, "alpha").get(f"/resources/{vps.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Objective Perrin" in html and "vps-1" in html
    assert "res-tag" in html and "core" in html
    assert html.index("res-state-updated") < html.index("res-state-created")  # newest first
    assert f"600,00{NBSP}₽</span> → 660,00{NBSP}₽" in html
    assert "monthly_cost" in html


def test_resource_page_never_shows_secret_values_of_provider_data(w, client_for):
    _seed(w)
    with schema_context(w.alpha.schema_name):
        Resource.objects.filter(resource_id="vps-1").update(provider_config={
            "software": {"name": "n8n", "admin_password": "n8n-Secret-123"}, "api_token": "tok-999",
            "hostname": "perrin.example"})
    vps = _resource(w, "vps-1")
    html = client_for(w.alice, "alpha").get(f"/resources/{vps.pk}/").content.decode()
    assert "perrin.example" in html
    assert "n8n-Secret-123" not in html and "tok-999" not in html
    assert "Hidden-Pass-1" not in html


@pytest.mark.parametrize(("value", "currency", "expected"), [
    (Decimal("3668.90"), "RUB", f"3{NBSP}668,90{NBSP}₽"),
    (Decimal("121.46"), "RUB", f"121,46{NBSP}₽"),
    (Decimal("117150"), "RUB", f"117{NBSP}150,00{NBSP}₽"),
    ("174.51", "RUB", f"174,51{NBSP}₽"),
    (Decimal("1234.5"), "USD", f"1{NBSP}234,50{NBSP}$"),
    (Decimal("9.999"), "EUR", f"10,00{NBSP}€"),
    (Decimal("12.5"), "KZT", f"12,50{NBSP}₸"),
    (Decimal("7"), "GBP", f"7,00{NBSP}GBP"),
    (Decimal("-20170"), "RUB", f"\u221220{NBSP}170,00{NBSP}₽"),
    (Decimal("1500"), "mixed", f"1{NBSP}500,00"),
    (None, "RUB", "—"),
])
def test_money_filter_formats_amounts_the_russian_way(value, currency, expected):
    with translation.override("ru"):
        rendered = Template("{% load money %}{{ value|money:currency }}").render(
            Context({"value": value, "currency": currency}))
    assert rendered == expected


def test_money2_filter_keeps_kopecks_of_whole_amounts():
    with translation.override("ru"):
        rendered = Template("{% load money %}{{ value|money2 }}").render(Context({"value": Decimal("22")}))
    assert rendered == f"22,00{NBSP}₽"


def test_resources_page_queries_do_not_grow_with_the_number_of_resources(w, client_for,
                                                                         django_assert_max_num_queries):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    conn = _seed(w)
    now = timezone.now()

    def with_metrics(resource):
        MetricPoint.objects.bulk_create(
            MetricPoint(resource=resource, metric=metric, ts=now - dt.timedelta(hours=h), value=Decimal(h))
            for metric in ("cpu_percent", "memory_mb") for h in range(3))

    with schema_context(w.alpha.schema_name):
        with_metrics(Resource.objects.filter(connection=conn).first())
        # One resource without a price from the start: the page asks the ledger for their spend (one query).
        Resource.objects.create(connection=conn, provider="beget", resource_id="unpriced", resource_name="unpriced",
                                resource_type="domain", status="running", first_seen_at=now, last_seen_at=now)
    client = client_for(w.alice, "alpha")
    with CaptureQueriesContext(db) as few:
        client.get("/resources/")
    with schema_context(w.alpha.schema_name):
        for n in range(20):
            resource = Resource.objects.create(connection=conn, provider="beget", resource_id=f"extra-{n}",
                                               resource_name=f"extra {n}", resource_type="domain",
                                               status="running", first_seen_at=now, last_seen_at=now)
            ResourceTag.objects.create(resource=resource, key="env", value="prod")
            with_metrics(resource)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/resources/")
    assert response.status_code == 200
    assert response.content.decode().count('id="chart-') == 2 * 21  # every card drew its CPU and memory chart


def test_connection_filter_shows_one_account_only(w, client_for):
    first = _seed(w)
    now = timezone.now()
    with schema_context(w.alpha.schema_name):
        other = ProviderConnection.objects.create(provider="beget", name="Second account", credentials={})
        Resource.objects.create(connection=other, provider="beget", resource_id="vps-9", resource_name="Lonely VPS",
                                resource_type="vps", status="running", first_seen_at=now, last_seen_at=now)
    client = client_for(w.alice, "alpha")
    only_other = client.get(f"/resources/?connection={other.pk}").content.decode()
    assert ">Lonely VPS</a>" in only_other and _names(only_other) == set()
    only_first = client.get(f"/resources/?connection={first.pk}").content.decode()
    assert ">Lonely VPS</a>" not in only_first and len(_names(only_first)) == len(DEMO)


def test_an_invalid_filter_value_shows_the_error_and_no_resources(w, client_for):
    _seed(w)
    response = client_for(w.alice, "alpha").get("/resources/?connection=abc")
    assert response.status_code == 200
    html = response.content.decode()
    assert _names(html) == set()
    assert [str(m) for m in response.context["messages"]] == [russian("Check the filters.")]
