"""The «Политики» pages through the Django test client: a policy of every kind created through its form, the
services' Russian refusals beside the fields (nothing saved), editing, deletion after confirmation, the open
violations a real evaluation finds counted on the list and linked to the backlog, and viewers refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.inventory.models import Resource
from apps.recommendations import services
from apps.recommendations.models import Finding, Policy
from tests.recommendations.conftest import connection_make, volume_make

pytestmark = pytest.mark.django_db

LIST = "/recommendations/policies/"
NEW = "/recommendations/policies/new/"
NOW = datetime(2030, 6, 12, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def estate(w):
    """Two Yandex disks: «disk-cheap» 300 ₽ a month in ru-central1-a, production, made 10 days ago; «disk-dear»
    900 ₽ in ru-central1-b, environment «dev», made 100 days ago."""
    with schema_context(w.alpha.schema_name):
        conn = connection_make()
        cheap = volume_make(conn, "disk-cheap", monthly="300.00")
        dear = volume_make(conn, "disk-dear", monthly="900.00")
        Resource.objects.filter(pk=cheap.pk).update(region="ru-central1-a", environment="production",
                                                    created_at_provider=NOW - timedelta(days=10))
        Resource.objects.filter(pk=dear.pk).update(region="ru-central1-b", environment="dev",
                                                   created_at_provider=NOW - timedelta(days=100))
    return {"connection": conn.pk, "cheap": cheap.pk, "dear": dear.pk}


def _policies(w) -> list[tuple]:
    with schema_context(w.alpha.schema_name):
        return [(p.name, p.kind, p.params, p.scope, p.enabled) for p in Policy.objects.order_by("pk")]


def _field_errors(html: str, field: str) -> list[str]:
    """The errors shown under the form's field ``field``."""
    part = html.split(f'for="id_{field}"', 1)[1].split('<div class="field', 1)[0].split("</fieldset>", 1)[0]
    return re.findall(r'<ul class="errorlist"><li>(.*?)</li>', part)


def test_create_a_policy_of_every_kind_through_its_form(w, client_for, finops, estate):
    client = client_for(finops, "alpha")
    conn = estate["connection"]
    page = client.get(NEW, {"kind": "required_tags"}).content.decode()
    assert 'name="business_fields" value="owner"' in page and "Владелец" in page  # Russian field labels
    assert f'name="scope_connections" value="{conn}"' in page and "Yandex prod" in page
    posts = [
        {"kind": "required_tags", "name": "Теги", "enabled": "on", "tags": "team, cost-center,",
         "business_fields": ["owner", "cost_center"], "scope_providers": ["yandex"]},
        {"kind": "max_monthly_cost", "name": "Дорогие", "enabled": "on", "amount": "1 000,50",
         "scope_connections": [str(conn)], "scope_kinds": ["volume", "compute"]},
        {"kind": "forbidden_regions", "name": "Регионы", "regions": "ru-central1-b, ru-central1-c"},
        {"kind": "forbidden_types", "name": "Типы", "enabled": "on", "types": "gpu-standard-v3",
         "kinds": ["kubernetes"], "scope_regions": "ru-central1-a"},
        {"kind": "ttl", "name": "Срок жизни", "enabled": "on", "days": "30", "environments": "Dev, test",
         "scope_environments": "Dev"},
    ]
    for data in posts:
        response = client.post(NEW, data)
        assert response.status_code == 302 and response["Location"] == LIST, data["kind"]
    assert _policies(w) == [
        ("Теги", "required_tags", {"tags": ["team", "cost-center"], "fields": ["owner", "cost_center"]},
         {"providers": ["yandex"]}, True),
        ("Дорогие", "max_monthly_cost", {"amount": "1000.50"}, {"connections": [conn], "kinds": ["volume", "compute"]},
         True),
        ("Регионы", "forbidden_regions", {"regions": ["ru-central1-b", "ru-central1-c"]}, {}, False),
        ("Типы", "forbidden_types", {"types": ["gpu-standard-v3"], "kinds": ["kubernetes"]},
         {"regions": ["ru-central1-a"]}, True),
        ("Срок жизни", "ttl", {"days": 30, "environments": ["dev", "test"]}, {"environments": ["dev"]}, True),
    ]
    with schema_context(w.alpha.schema_name):
        assert AuditEvent.objects.filter(action="policy.create").count() == 5
    html = client.get(LIST).content.decode()
    for words in ("Провайдеры: Yandex Cloud", "Подключения: Yandex prod", "Регионы: ru-central1-a",
                  "Окружения: dev", "Все ресурсы", "Обязательные теги или поля", "Запрещённые регионы"):
        assert words in html, words


def test_refusals_are_shown_in_russian_beside_their_fields_and_nothing_is_saved(w, client_for, finops):
    client = client_for(finops, "alpha")
    cases = [
        ({"kind": "required_tags", "name": "Теги", "tags": " , "}, "tags", "Укажите хотя бы один тег или поле."),
        ({"kind": "max_monthly_cost", "name": "Дорого", "amount": "много"}, "amount",
         "Ожидается положительная сумма."),
        ({"kind": "max_monthly_cost", "name": "Дорого", "amount": "-5"}, "amount", "Ожидается положительная сумма."),
        ({"kind": "forbidden_regions", "name": "Регионы", "regions": ""}, "regions", "Укажите хотя бы одно значение."),
        ({"kind": "forbidden_types", "name": "Типы"}, "types", "Укажите хотя бы один тип или вид ресурса."),
        ({"kind": "ttl", "name": "Срок", "days": "0"}, "days", "Ожидается целое число дней от 1 до 3650."),
        ({"kind": "ttl", "name": "Срок", "days": "1,5"}, "days", "Ожидается целое число дней от 1 до 3650."),
        ({"kind": "ttl", "name": "", "days": "30"}, "name", "Обязательное поле."),
    ]
    for data, field, message in cases:
        response = client.post(NEW, data)
        assert response.status_code == 400, data
        assert _field_errors(response.content.decode(), field) == [message], data
    assert _policies(w) == []
    with schema_context(w.alpha.schema_name):
        assert not AuditEvent.objects.filter(action__startswith="policy.").exists()


def test_edit_a_policy(w, client_for, finops, estate):
    with schema_context(w.alpha.schema_name):
        policy = Policy.objects.create(name="Срок", kind="ttl", params={"days": 30, "environments": ["dev"]},
                                       scope={"regions": ["ru-central1-b"], "tags": {"team": "data"}})
    client = client_for(finops, "alpha")
    url = f"/recommendations/policies/{policy.pk}/"
    html = client.get(url).content.decode()
    assert 'name="days" value="30"' in html and 'name="environments" value="dev"' in html
    assert 'name="scope_regions" value="ru-central1-b"' in html
    response = client.post(url, {"name": "Срок жизни", "days": "45", "environments": "dev, stage",
                                 "scope_regions": "", "enabled": ""})
    assert response.status_code == 302
    # The scope's tags (set through the API, not on the form) stay.
    assert _policies(w) == [("Срок жизни", "ttl", {"days": 45, "environments": ["dev", "stage"]},
                             {"tags": {"team": "data"}}, False)]
    response = client.post(url, {"name": "Срок жизни", "days": "5000"})
    assert response.status_code == 400
    assert _field_errors(response.content.decode(), "days") == ["Ожидается целое число дней от 1 до 3650."]
    assert _policies(w)[0][2] == {"days": 45, "environments": ["dev", "stage"]}
    with schema_context(w.alpha.schema_name):
        assert AuditEvent.objects.filter(action="policy.update").count() == 1


def test_violations_are_counted_and_linked_after_an_evaluation(w, client_for, finops, estate):
    client = client_for(finops, "alpha")
    assert client.post(NEW, {"kind": "max_monthly_cost", "name": "Дорогие", "enabled": "on",
                             "amount": "500"}).status_code == 302
    assert client.post(NEW, {"kind": "ttl", "name": "Срок", "enabled": "on", "days": "30"}).status_code == 302
    assert client.post(NEW, {"kind": "forbidden_regions", "name": "Регионы", "enabled": "on",
                             "regions": "ru-central1-a, ru-central1-b"}).status_code == 302
    with schema_context(w.alpha.schema_name):
        services.evaluate_now()
        ids = dict(Policy.objects.values_list("name", "pk"))
    html = client.get(LIST).content.decode()

    def count(name: str) -> int:
        row = html.split(f'data-policy="{ids[name]}"', 1)[1].split("</tr>", 1)[0]
        link = re.search(r'href="([^"]+)" data-policy-violations="(\d+)"', row)
        assert link.group(1).replace("&amp;", "&") == (
            f"/recommendations/?category=policy&policy={ids[name]}&status=open")
        return int(link.group(2))

    # 900 ₽ > 500 ₽: only «disk-dear»; dev and 100 days > 30: only «disk-dear» (the production disk is spared);
    # both regions are forbidden: both disks.
    assert (count("Дорогие"), count("Срок"), count("Регионы")) == (1, 1, 2)
    backlog = client.get(f"/recommendations/?category=policy&policy={ids['Регионы']}&status=open").content.decode()
    assert backlog.count("data-finding=") == 2 and "disk-cheap" in backlog and "disk-dear" in backlog
    backlog = client.get(f"/recommendations/?category=policy&policy={ids['Дорогие']}&status=open").content.decode()
    assert backlog.count("data-finding=") == 1 and "disk-dear" in backlog


def test_delete_asks_then_deletes_the_policy_and_its_violations(w, client_for, finops, estate):
    client = client_for(finops, "alpha")
    client.post(NEW, {"kind": "forbidden_regions", "name": "Регионы", "enabled": "on", "regions": "ru-central1-a"})
    with schema_context(w.alpha.schema_name):
        services.evaluate_now()
        policy = Policy.objects.get()
        assert Finding.objects.filter(policy=policy).count() == 1
    url = f"/recommendations/policies/{policy.pk}/delete/"
    html = client.get(url).content.decode()
    assert "Удалить политику «Регионы» (Запрещённые регионы)?" in html
    assert "Вместе с ней будет удалено 1 открытое нарушение." in html
    with schema_context(w.alpha.schema_name):
        assert Policy.objects.filter(pk=policy.pk).exists()  # asking deletes nothing
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == LIST
    with schema_context(w.alpha.schema_name):
        assert not Policy.objects.exists() and not Finding.objects.filter(category="policy").exists()
        assert AuditEvent.objects.filter(action="policy.delete").count() == 1
    assert "Политика «Регионы» и её нарушения удалены." in client.get(LIST).content.decode()


def test_viewer_reads_the_list_and_cannot_change_anything(w, client_for, estate):
    with schema_context(w.alpha.schema_name):
        policy = Policy.objects.create(name="Регионы", kind="forbidden_regions", params={"regions": ["x"]})
    client = client_for(w.vera, "alpha")
    html = client.get(LIST).content.decode()
    assert "Регионы" in html and "data-policy-new" not in html and "/delete/" not in html
    data = {"kind": "forbidden_regions", "name": "Новая", "regions": "y"}
    assert client.post(NEW, data).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(f"/recommendations/policies/{policy.pk}/", data).status_code == 403
    assert client.post(f"/recommendations/policies/{policy.pk}/delete/").status_code == 403
    assert _policies(w) == [("Регионы", "forbidden_regions", {"regions": ["x"]}, {}, True)]
