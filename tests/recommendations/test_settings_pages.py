"""The «Настройки правил» page through the Django test client: viewers read the values, a FinOps analyst changes
them in one form (the next real evaluation uses them), an out-of-range value is refused in Russian beside its field
and nothing is saved, and a rule can be switched off."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.recommendations import services
from apps.recommendations.models import Finding, RuleSetting
from tests.recommendations.conftest import connection_make, volume_make

pytestmark = pytest.mark.django_db

URL = "/recommendations/settings/"
NOW = datetime(2030, 6, 12, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def _form(html: str) -> dict[str, str]:
    """What the browser would post: every text input's value and every checked checkbox of the settings form."""
    form = html.split("data-reco-settings-form", 1)[1].split("</form>", 1)[0]
    values = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                values[name.group(1)] = "on"
        else:
            values[name.group(1)] = re.search(r'value="([^"]*)"', tag).group(1)
    return values


def _unattached_volume_findings(w) -> list[str]:
    with schema_context(w.alpha.schema_name):
        services.evaluate_now()
        return sorted(Finding.objects.filter(rule="unattached_volume", status="open")
                      .values_list("resource__resource_id", flat=True))


def test_viewer_reads_the_settings_without_a_form(w, client_for):
    html = client_for(w.vera, "alpha").get(URL).content.decode()
    assert "Настройки правил" in html
    assert "Неподключённые диски" in html  # the rule's Russian title, under its category «Очистка»
    assert 'data-category="cleanup"' in html and "Очистка" in html
    assert "data-reco-settings-form" not in html and 'name="unattached_volume__min_monthly_cost"' not in html
    row = html.split('data-param="unattached_volume__min_monthly_cost"', 1)[1].split("</tr>", 1)[0]
    # current value, default and the allowed range 0 – 1 000 000 ₽ (RU grouping with a no-break space)
    assert re.search(r"data-param-value>0 ₽<", row)
    assert "1\xa0000\xa0000 ₽" in row
    assert 'action="/recommendations/evaluate/"' not in html  # the viewer cannot recalculate


def test_viewer_cannot_post(w, client_for):
    response = client_for(w.vera, "alpha").post(URL, {"unattached_volume__min_monthly_cost": "500"})
    assert response.status_code == 403
    with schema_context(w.alpha.schema_name):
        assert not RuleSetting.objects.exists()


def test_finops_saves_a_parameter_and_the_next_evaluation_uses_it(w, client_for, finops):
    with schema_context(w.alpha.schema_name):
        conn = connection_make()
        volume_make(conn, "disk-cheap", monthly="300.00")
        volume_make(conn, "disk-dear", monthly="900.00")
    assert _unattached_volume_findings(w) == ["disk-cheap", "disk-dear"]

    client = client_for(finops, "alpha")
    html = client.get(URL).content.decode()
    assert "Изменения применятся при следующем расчёте" in html
    assert 'action="/recommendations/evaluate/"' in html and "Пересчитать" in html
    values = _form(html)
    assert values["unattached_volume__min_monthly_cost"] == "0"
    assert values["unattached_volume__enabled"] == "on"
    values["unattached_volume__min_monthly_cost"] = "500,5"
    response = client.post(URL, values)
    assert response.status_code == 302 and response["Location"] == URL

    with schema_context(w.alpha.schema_name):
        # Only the rule that changed is stored, and only its non-default value.
        assert [(s.rule, s.enabled, s.params) for s in RuleSetting.objects.all()] == [
            ("unattached_volume", True, {"min_monthly_cost": "500.5"})]
        assert AuditEvent.objects.filter(action="recommendations.settings").count() == 1
    # 300 ₽ < 500,50 ₽: the cheap disk is no longer reported; 900 ₽ still is.
    assert _unattached_volume_findings(w) == ["disk-dear"]
    html = client.get(URL).content.decode()
    assert _form(html)["unattached_volume__min_monthly_cost"] == "500,5"


def test_out_of_range_value_is_refused_in_russian_and_nothing_is_saved(w, client_for, finops):
    client = client_for(finops, "alpha")
    values = _form(client.get(URL).content.decode())
    values["idle_vm__cpu_percent"] = "3"  # valid on its own, but the form is all or nothing
    values["unattached_volume__min_monthly_cost"] = "2000000"
    response = client.post(URL, values)
    assert response.status_code == 400
    html = response.content.decode()
    row = html.split('data-param="unattached_volume__min_monthly_cost"', 1)[1].split("</tr>", 1)[0]
    error = re.search(r"data-param-error><li>(.*?)</li>", row).group(1)
    assert error == ("Значение «Минимальная стоимость в месяц, о которой сообщать» должно быть числом "
                     "от 0 до 1\xa0000\xa0000.")
    assert 'value="2000000"' in row  # what was typed stays for correction
    assert "Ничего не сохранено" in html
    with schema_context(w.alpha.schema_name):
        assert not RuleSetting.objects.exists()
        assert not AuditEvent.objects.filter(action="recommendations.settings").exists()


def test_switching_a_rule_off(w, client_for, finops):
    with schema_context(w.alpha.schema_name):
        volume_make(connection_make(), "disk-1", monthly="300.00")
    client = client_for(finops, "alpha")
    values = _form(client.get(URL).content.decode())
    del values["unattached_volume__enabled"]
    assert client.post(URL, values).status_code == 302
    with schema_context(w.alpha.schema_name):
        assert [(s.rule, s.enabled, s.params) for s in RuleSetting.objects.all()] == [
            ("unattached_volume", False, {})]
    assert _unattached_volume_findings(w) == []
    html = client.get(URL).content.decode()
    assert 'data-rule="unattached_volume"' in html
    rule = html.split('data-rule="unattached_volume"', 1)[0].rsplit("<div", 1)[1]
    assert "is-off" in rule
    assert "unattached_volume__enabled" not in _form(html)


def test_unchanged_form_saves_nothing(w, client_for, finops):
    client = client_for(finops, "alpha")
    response = client.post(URL, _form(client.get(URL).content.decode()), follow=True)
    assert "Ничего не изменилось" in response.content.decode()
    with schema_context(w.alpha.schema_name):
        assert not RuleSetting.objects.exists()


def test_the_backlog_links_to_both_pages_and_back(w, client_for):
    html = client_for(w.vera, "alpha").get("/recommendations/").content.decode()
    assert 'href="/recommendations/settings/"' in html and 'href="/recommendations/policies/"' in html
    assert "Настройки правил" in html and "Политики" in html
    html = client_for(w.vera, "alpha").get(URL).content.decode()
    assert 'href="/recommendations/"' in html
