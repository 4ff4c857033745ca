"""The «Рекомендации» pages through the Django test client: the backlog with its KPIs and filters, one finding's page
with its actions (finops acts, viewers read), Russian errors instead of error pages, the exports, the dashboard's
card and panel and the resource page's section."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection
from apps.recommendations.models import EvaluationRun, Finding

pytestmark = pytest.mark.django_db

NBSP = "\xa0"
# Noon in Moscow on a Wednesday: "today" is the same date in UTC and Moscow.
NOW = datetime(2030, 6, 12, 9, 0, tzinfo=UTC)
TODAY = date(2030, 6, 12)
PROFILE = [Decimal("2.5")] * 100 + [Decimal("60")] * 60 + [None] * 8


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def _finding(pk_resource, **fields) -> Finding:
    now = timezone.now()
    defaults = {"first_seen_at": now, "last_seen_at": now, "status_changed_at": now, "currency": "RUB",
                "provider": "yandex", "confidence": "high", "action": "delete"}
    defaults.update(fields)
    return Finding.objects.create(resource_id=pk_resource, **defaults)


@pytest.fixture
def backlog(w):
    """Five findings on two Yandex resources: open 1 500 ₽ (cleanup), accepted 2 210 ₽ (rightsizing, with a metric
    window and an hour profile), dismissed 700 ₽ (storage), an open policy violation without savings and a
    verified 900 ₽ finding that realized 300 ₽."""
    now = timezone.now()
    with schema_context(w.alpha.schema_name):
        conn = ProviderConnection.objects.create(provider="yandex", name="Yandex prod", credentials={})
        disk = Resource.objects.create(connection=conn, provider="yandex", resource_id="disk-1",
                                       resource_name="old-data-disk", resource_type="disk", kind="volume",
                                       status="running", first_seen_at=now, last_seen_at=now,
                                       monthly_cost=Decimal("1500.00"), currency="RUB")
        vm = Resource.objects.create(connection=conn, provider="yandex", resource_id="vm-1",
                                     resource_name="analytics-vm", resource_type="vm", kind="compute",
                                     status="running", first_seen_at=now, last_seen_at=now,
                                     monthly_cost=Decimal("8840.00"), currency="RUB")
        found = {
            "cleanup": _finding(disk.pk, rule="unattached_volume", subject=str(disk.pk), category="cleanup",
                                title="Неподключённый диск «old-data-disk»", status="open",
                                estimated_monthly_savings=Decimal("1500.00"),
                                confidence_reason="Цена провайдера",
                                formula="Диск ни к чему не подключён: экономия 1 500,00 ₽ в месяц",
                                action_text="Сделайте снимок и удалите диск.",
                                evidence={"size_gb": 100, "attached": False}),
            "rightsizing": _finding(vm.pk, rule="rightsizing_vm", subject=str(vm.pk), category="rightsizing",
                                    title="Уменьшить «analytics-vm»", status="accepted", action="rightsize",
                                    confidence="medium", confidence_reason="Окно метрик 7 дней",
                                    estimated_monthly_savings=Decimal("2210.00"),
                                    formula="(4 vCPU → 2 vCPU) × 1 105,00 ₽ за vCPU в месяц = 2 210,00 ₽",
                                    evidence={"cpu_percent": {"p95": "12.5", "avg": "8", "max": "30", "points": 168,
                                                              "start": "2030-06-05T00:00:00+03:00",
                                                              "end": "2030-06-12T00:00:00+03:00"},
                                              "profile": [None if v is None else str(v) for v in PROFILE]}),
            "storage": _finding(None, rule="cold_bucket_storage", subject="b-1", category="storage",
                                title="Холодное хранилище для «logs»", status="dismissed",
                                estimated_monthly_savings=Decimal("700.00"), dismiss_reason="Нужны быстрые чтения"),
            "policy": _finding(vm.pk, rule="policy", subject=f"p:{vm.pk}", category="policy",
                               title="Нет тега «owner» у «analytics-vm»", status="open", action="fix_policy",
                               estimated_monthly_savings=None),
            "verified": _finding(None, rule="idle_vm", subject="vm-old", category="idle", title="Простаивающая ВМ",
                                 status="verified", action="stop", estimated_monthly_savings=Decimal("900.00"),
                                 realized_monthly_savings=Decimal("300.00"), applied_on=TODAY - timedelta(days=20)),
        }
    return {"conn": conn, "disk": disk, "vm": vm, **found}


def _rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-finding="(\d+)"', html)]


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


# --- the backlog -------------------------------------------------------------------------------------------------

def test_viewer_sees_kpis_and_the_open_and_accepted_backlog_without_buttons(w, client_for, backlog):
    html = _get(client_for(w.vera, "alpha"), "/recommendations/")
    # Potential: open 1 500 + accepted 2 210 (the policy violation has no savings; dismissed and verified are out).
    assert re.search(rf"data-reco-potential>\s*3{NBSP}710,00{NBSP}₽\s*<", html)
    assert re.search(rf"data-reco-realized>\s*300,00{NBSP}₽\s*<", html)
    assert _rows(html) == [backlog["rightsizing"].pk, backlog["cleanup"].pk, backlog["policy"].pk]
    assert 'data-reco-category="cleanup"><span>Очистка</span> <b>1</b>' in html
    assert f"1{NBSP}500,00{NBSP}₽" in html and "Цена провайдера" in html
    assert ">Принята<" in html and ">Открыта<" in html
    assert f'href="/resources/{backlog["disk"].pk}/"' in html
    assert "data-reco-evaluate" not in html
    assert "Рекомендации" in html and 'href="/recommendations/"' in html  # in the navigation

    detail = _get(client_for(w.vera, "alpha"), f"/recommendations/{backlog['cleanup'].pk}/")
    assert "data-finding-actions" not in detail and "Принять" not in detail
    assert "Диск ни к чему не подключён: экономия 1 500,00 ₽ в месяц" in detail
    assert "Сделайте снимок и удалите диск." in detail


@pytest.mark.parametrize(("query", "expected"), [
    ("category=cleanup", ["cleanup"]),
    ("status=all", ["rightsizing", "cleanup", "verified", "storage", "policy"]),
    ("status=dismissed", ["storage"]),
    ("status=open,accepted&min_savings=2000", ["rightsizing"]),
    ("min_savings=1 500,00", ["rightsizing", "cleanup"]),
    ("confidence=medium", ["rightsizing"]),
    ("provider=yandex&category=rightsizing,cleanup", ["rightsizing", "cleanup"]),
    ("provider=aws", []),
])
def test_filters_are_get_parameters(w, client_for, backlog, query, expected):
    html = _get(client_for(w.vera, "alpha"), f"/recommendations/?{query}")
    assert _rows(html) == [backlog[name].pk for name in expected]


def test_a_bad_minimum_is_said_in_russian_and_ignored(w, client_for, backlog):
    html = _get(client_for(w.vera, "alpha"), "/recommendations/?min_savings=много")
    assert "Минимальная экономия должна быть числом рублей, 0 или больше." in html
    assert len(_rows(html)) == 3


def test_finding_page_shows_the_metric_window_the_hour_profile_chart_and_the_history(w, client_for, finops,
                                                                                      backlog):
    client = client_for(finops, "alpha")
    pk = backlog["rightsizing"].pk
    html = _get(client, f"/recommendations/{pk}/")
    assert "(4 vCPU → 2 vCPU) × 1 105,00 ₽ за vCPU в месяц = 2 210,00 ₽" in html
    metrics = html[html.index("data-evidence-metrics"):]
    metrics = metrics[:metrics.index("</table>")]
    assert "CPU, %" in metrics and "12,50" in metrics and "2030-06-05 — 2030-06-12" in metrics
    data = re.search(r'<script id="reco-charts-data"[^>]*>(.*?)</script>', html, re.S).group(1)
    charts = json.loads(data)
    assert len(charts) == 1 and charts[0]["hours"] is True
    assert charts[0]["title"] == "Нагрузка по часам недели"
    assert charts[0]["labels"][0] == "Пн 00:00" and charts[0]["labels"][167] == "Вс 23:00"
    assert charts[0]["values"][0] == 2.5 and charts[0]["values"][100] == 60 and charts[0]["values"][167] is None
    assert 'data-reco-chart="0"' in html
    # Accepted: it may be applied, snoozed, dismissed or reopened, not accepted again.
    assert 'data-action="apply"' in html and 'data-action="reopen"' in html
    assert 'data-action="accept"' not in html


# --- actions -------------------------------------------------------------------------------------------------------

def _status(finding: Finding, w) -> Finding:
    with schema_context(w.alpha.schema_name):
        return Finding.objects.get(pk=finding.pk)


def test_finops_accepts_and_the_history_names_who_did_it(w, client_for, finops, backlog):
    client = client_for(finops, "alpha")
    pk = backlog["cleanup"].pk
    response = client.post(f"/recommendations/{pk}/accept/")
    assert response.status_code == 302 and response["Location"] == f"/recommendations/{pk}/"
    assert _status(backlog["cleanup"], w).status == "accepted"
    html = _get(client, f"/recommendations/{pk}/")
    assert "Рекомендация принята." in html
    history = html[html.index("data-finding-history"):]
    assert "fedor@alpha.test" in history and "Открыта → <strong>Принята</strong>" in history
    with schema_context(w.alpha.schema_name):
        event = AuditEvent.objects.get(action="recommendation.accepted")
    assert event.actor_email == "fedor@alpha.test" and event.data["finding"] == pk


def test_dismiss_without_a_reason_is_refused_in_russian_and_with_one_is_kept(w, client_for, finops, backlog):
    client = client_for(finops, "alpha")
    pk = backlog["cleanup"].pk
    response = client.post(f"/recommendations/{pk}/dismiss/", {"reason": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-action-error="dismiss"' in html and "Укажите, почему рекомендация отклонена." in html
    assert _status(backlog["cleanup"], w).status == "open"

    response = client.post(f"/recommendations/{pk}/dismiss/", {"reason": "Диск нужен для восстановления"})
    assert response.status_code == 302
    finding = _status(backlog["cleanup"], w)
    assert finding.status == "dismissed" and finding.dismiss_reason == "Диск нужен для восстановления"
    html = _get(client, f"/recommendations/{pk}/")
    assert "«Диск нужен для восстановления»" in html
    # Back in work.
    assert client.post(f"/recommendations/{pk}/reopen/").status_code == 302
    assert _status(backlog["cleanup"], w).status == "open"


def test_snooze_needs_a_future_date(w, client_for, finops, backlog):
    client = client_for(finops, "alpha")
    pk = backlog["cleanup"].pk
    response = client.post(f"/recommendations/{pk}/snooze/", {"until": TODAY.isoformat()})
    assert response.status_code == 400
    assert "Отложить можно только до даты позже сегодняшней." in response.content.decode()
    response = client.post(f"/recommendations/{pk}/snooze/", {"until": ""})
    assert response.status_code == 400 and "Обязательное поле." in response.content.decode()
    assert _status(backlog["cleanup"], w).status == "open"

    response = client.post(f"/recommendations/{pk}/snooze/", {"until": "2030-07-01"})
    assert response.status_code == 302
    finding = _status(backlog["cleanup"], w)
    assert finding.status == "snoozed" and finding.snoozed_until == date(2030, 7, 1)
    html = _get(client, f"/recommendations/{pk}/")
    assert "Рекомендация отложена до 01.07.2030." in html
    # Snoozed findings leave the default backlog and its potential.
    html = _get(client, "/recommendations/")
    assert pk not in _rows(html)
    assert re.search(rf"data-reco-potential>\s*2{NBSP}210,00{NBSP}₽\s*<", html)


def test_apply_defaults_to_today_and_refuses_the_future(w, client_for, finops, backlog):
    client = client_for(finops, "alpha")
    pk = backlog["rightsizing"].pk
    html = _get(client, f"/recommendations/{pk}/")
    assert 'name="applied_on" value="2030-06-12"' in html
    response = client.post(f"/recommendations/{pk}/apply/", {"applied_on": "2030-06-13"})
    assert response.status_code == 400
    assert "Дата применения не может быть в будущем." in response.content.decode()

    response = client.post(f"/recommendations/{pk}/apply/", {"applied_on": ""})
    assert response.status_code == 302
    finding = _status(backlog["rightsizing"], w)
    assert finding.status == "applied" and finding.applied_on == TODAY
    # Applied: no longer in the potential (only the open 1 500 ₽ remains).
    html = _get(client, "/recommendations/")
    assert re.search(rf"data-reco-potential>\s*1{NBSP}500,00{NBSP}₽\s*<", html)


def test_a_step_the_status_forbids_is_a_message_not_an_error_page(w, client_for, finops, backlog):
    response = client_for(finops, "alpha").post(f"/recommendations/{backlog['storage'].pk}/apply/", {})
    assert response.status_code == 400
    assert "Рекомендацию в статусе «Отклонена» нельзя перевести в статус «Применена»." in response.content.decode()


def test_viewer_and_finance_cannot_act(w, client_for, backlog):
    for user in (w.vera, w.fiona):
        client = client_for(user, "alpha")
        assert client.post(f"/recommendations/{backlog['cleanup'].pk}/accept/").status_code == 403
        assert client.post("/recommendations/evaluate/").status_code == 403
    assert _status(backlog["cleanup"], w).status == "open"


def test_recalculate_queues_a_run_and_the_progress_is_readable(w, client_for, finops, backlog):
    client = client_for(finops, "alpha")
    assert client.get("/recommendations/evaluations/latest/").json() == {"run": None}
    response = client.post("/recommendations/evaluate/")
    assert response.status_code == 302
    with schema_context(w.alpha.schema_name):
        run = EvaluationRun.objects.get()
    assert run.status == "queued" and run.requested_by_id == finops.pk
    progress = client.get("/recommendations/evaluations/latest/").json()["run"]
    assert progress["id"] == run.pk and progress["status_label"] == "В очереди" and progress["finished"] is False
    assert progress["rules_text"] == "проверено правил: 0 из 0"
    html = _get(client, "/recommendations/")
    assert "Рекомендации пересчитываются" in html
    assert re.search(r'<div class="reco-run" id="reco-run" data-reco-run [^>]*data-status="queued">', html)
    # A second one while the first is queued: the Russian 409 message, on the page.
    client.post("/recommendations/evaluate/")
    html = _get(client, "/recommendations/")
    assert "Пересчёт рекомендаций уже идёт." in html
    with schema_context(w.alpha.schema_name):
        assert EvaluationRun.objects.count() == 1


def test_an_unknown_finding_is_404(w, client_for, backlog):
    assert client_for(w.vera, "alpha").get("/recommendations/999999/").status_code == 404


# --- exports -------------------------------------------------------------------------------------------------------

def test_csv_export_is_the_filtered_backlog_for_russian_excel(w, client_for, backlog):
    response = client_for(w.vera, "alpha").get("/recommendations/export/csv/?status=open,accepted,dismissed")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="recommendations_20300612.csv"'
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert rows[0][:9] == ["ID", "Рекомендация", "Категория", "Статус", "Ресурс", "Провайдер",
                           "Экономия в месяц", "Фактическая экономия в месяц", "Валюта"]
    body = {row[0]: row for row in rows[1:]}
    assert len(body) == 4
    cleanup = body[str(backlog["cleanup"].pk)]
    assert cleanup[1:9] == ["Неподключённый диск «old-data-disk»", "Очистка", "Открыта", "old-data-disk", "yandex",
                            "1500,00", "", "RUB"]
    assert body[str(backlog["storage"].pk)][3] == "Отклонена"
    assert body[str(backlog["policy"].pk)][6] == ""
    assert body[str(backlog["rightsizing"].pk)][6] == "2210,00"


def test_xlsx_export_keeps_amounts_as_numbers(w, client_for, backlog):
    from openpyxl import load_workbook

    response = client_for(w.vera, "alpha").get("/recommendations/export/xlsx/?category=rightsizing,idle&status=all")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][6] == "Экономия в месяц"
    assert [(r[1], r[6], r[7]) for r in rows[1:]] == [("Уменьшить «analytics-vm»", 2210, None),
                                                      ("Простаивающая ВМ", 900, 300)]
    assert sheet.cell(row=2, column=7).number_format == "#,##0.00"


def test_an_unknown_export_format_is_404(w, client_for, backlog):
    assert client_for(w.vera, "alpha").get("/recommendations/export/pdf/").status_code == 404


# --- the dashboard and the resource page ---------------------------------------------------------------------------

def test_dashboard_card_and_panel_show_the_backlog(w, client_for, backlog):
    html = _get(client_for(w.vera, "alpha"), "/")
    card = html[html.index('data-kpi="savings"'):]
    card = card[:card.index("</article>")]
    assert re.search(rf"data-kpi-value>\s*3{NBSP}710,00{NBSP}₽\s*<", card)
    assert "2 открытые рекомендации · 1 принята" in card and 'href="/recommendations/"' in card
    panel = html[html.index("data-recommendations"):]
    panel = panel[:panel.index("</section>")]
    # Top open findings by savings: the cleanup one (the policy violation has no savings).
    assert re.findall(r'data-recommendation="(\d+)"', panel) == [str(backlog["cleanup"].pk)]
    assert f"1{NBSP}500,00{NBSP}₽" in panel


def test_resource_page_lists_its_findings(w, client_for, backlog):
    html = _get(client_for(w.vera, "alpha"), f"/resources/{backlog['vm'].pk}/")
    section = html[html.index("data-resource-findings"):]
    section = section[:section.index("</section>")]
    assert _rows(section) == [backlog["rightsizing"].pk, backlog["policy"].pk]
    assert f"2{NBSP}210,00{NBSP}₽" in section
    html = _get(client_for(w.vera, "alpha"), f"/resources/{backlog['disk'].pk}/")
    assert _rows(html[html.index("data-resource-findings"):]) == [backlog["cleanup"].pk]


def test_dashboard_card_is_cached_and_a_lifecycle_step_refreshes_it(w, client_for, finops, backlog, settings):
    settings.ORGANIZATION_CACHE_SECONDS = 900
    client = client_for(finops, "alpha")

    def card() -> str:
        html = _get(client, "/")
        return re.search(r'data-kpi="savings".*?data-kpi-value>\s*([^<]*?)\s*<', html, re.S).group(1)

    assert card() == f"3{NBSP}710,00{NBSP}₽"
    # A change behind the services' back is not seen: the figures come from the cache...
    with schema_context(w.alpha.schema_name):
        Finding.objects.filter(pk=backlog["cleanup"].pk).update(estimated_monthly_savings=Decimal("1600.00"))
    assert card() == f"3{NBSP}710,00{NBSP}₽"
    # ...a dismissal through the page is: 2 210 ₽ of the accepted finding remain.
    assert client.post(f"/recommendations/{backlog['cleanup'].pk}/dismiss/", {"reason": "Нужен"}).status_code == 302
    assert card() == f"2{NBSP}210,00{NBSP}₽"
