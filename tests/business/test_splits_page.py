"""The «Общие расходы» page: the list with what each split did over the last 30 days, the form with its Russian
errors (a fixed split that does not sum to 100 %), the preview, and who may change splits."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import Rule, SharedCost
from apps.costs.services.allocation_apply import allocation_history_apply
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

URL = "/business/shared-costs/"
NOW = datetime(2025, 5, 10, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
NBSP = "\u00a0"


def _form(**extra):
    data = {"name": "Сеть", "order": "10", "enabled": "on", "cond_field": ["service"], "cond_tag": [""],
            "cond_op": ["equals"], "cond_value": ["VPC"], "dimension": "business_unit", "method": "fixed",
            "target_value": ["shop", "crm"], "target_percent": ["70", "30"], "action": "save"}
    data.update(extra)
    return data


@pytest.fixture
def estate(w, time_machine):
    time_machine.move_to(NOW, tick=False)
    with schema_context(w.alpha.schema_name):
        ledger([row(date(2025, 5, 1), "100", resource="shop-web"), row(date(2025, 5, 2), "50", resource="crm-db"),
                row(date(2025, 5, 1), "90", service="VPC", resource="net-1")])
        Rule.objects.create(order=1, name="shop", conditions=[{"field": "name", "op": "regex", "value": "^shop-"}],
                            actions={"business_unit": "shop"})
    return w


def test_the_form_creates_a_split_and_the_list_shows_how_it_was_split(estate, client_for):
    client = client_for(estate.alice, "alpha")
    assert client.get(URL).status_code == 200
    page = client.get(f"{URL}new/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Фиксированные доли" in text and "Итого:" in text
    response = client.post(f"{URL}new/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context(estate.alpha.schema_name):
        split = SharedCost.objects.get()
        assert split.targets == [{"value": "shop", "percent": "70.00"}, {"value": "crm", "percent": "30.00"}]
        allocation_history_apply()
    text = client.get(URL).content.decode()
    assert "Сеть" in text
    assert f"90,00{NBSP}₽" in text  # matched over the last 30 days
    assert f"63,00{NBSP}₽" in text and f"27,00{NBSP}₽" in text  # 90 * 0.7 and 90 * 0.3

    edit = client.post(f"{URL}{split.pk}/edit/", _form(name="Сеть VPC", method="even", target_percent=["", ""]))
    assert edit.status_code == 302
    with schema_context(estate.alpha.schema_name):
        assert SharedCost.objects.get().name == "Сеть VPC"
    assert client.post(f"{URL}{split.pk}/enable/", {"enabled": "0"}).status_code == 302
    with schema_context(estate.alpha.schema_name):
        assert SharedCost.objects.get().enabled is False
    assert client.post(f"{URL}{split.pk}/delete/").status_code == 302
    with schema_context(estate.alpha.schema_name):
        assert not SharedCost.objects.exists()


def test_a_fixed_split_not_summing_to_100_is_shown_on_the_form(estate, client_for):
    response = client_for(estate.alice, "alpha").post(f"{URL}new/", _form(target_percent=["60", "30"]))
    assert response.status_code == 400
    assert "Сумма долей 90 %, нужно 100 %." in response.content.decode()
    with schema_context(estate.alpha.schema_name):
        assert not SharedCost.objects.exists()


def test_the_preview_shows_the_matched_roubles_and_the_split(estate, client_for):
    response = client_for(estate.alice, "alpha").post(f"{URL}new/", _form(action="preview"))
    assert response.status_code == 200
    text = response.content.decode()
    assert f"90,00{NBSP}₽" in text and f"63,00{NBSP}₽" in text and f"27,00{NBSP}₽" in text
    assert "net-1" in text
    with schema_context(estate.alpha.schema_name):
        assert not SharedCost.objects.exists()


def test_a_viewer_sees_the_list_but_not_the_form(estate, client_for):
    viewer = client_for(estate.vera, "alpha")
    assert viewer.get(URL).status_code == 200
    assert "Новый общий расход" not in viewer.get(URL).content.decode()
    assert viewer.get(f"{URL}new/").status_code == 403
    assert viewer.post(f"{URL}new/", _form()).status_code == 403
    with schema_context(estate.alpha.schema_name):
        assert not SharedCost.objects.exists()
