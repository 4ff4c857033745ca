"""The daily detection over a real ledger: every scope, the upsert, contributors, feedback, the alert candidates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.management import call_command
from django_tenants.utils import schema_context

from apps.anomalies import selectors, services
from apps.anomalies.models import Anomaly
from apps.audit.models import AuditEvent
from tests.anomalies.conftest import FIRST, MSK, SPIKE_DAY, days, rollup
from tests.costs.explorer_data import row


def _by_scope() -> dict[tuple[str, str], Anomaly]:
    return {(a.scope_type, a.scope_label): a for a in Anomaly.objects.all()}


def test_a_spike_is_found_in_every_scope_it_shows_in(w, spike_ledger):
    with schema_context(w.alpha.schema_name):
        result = services.anomalies_detect()
        found = _by_scope()
    assert result.end == date(2026, 5, 31)
    # Provider and connection: 12 000 a day, 18 000 on 25 May; Compute Cloud 10 000 -> 16 000; project web
    # 4 000 -> 10 000. Object Storage and project api stayed flat.
    assert set(found) == {("provider", "Yandex Cloud"), ("connection", "Яндекс прод"),
                          ("service", "Compute Cloud"), ("resource_group", "project=web")}
    figures = {scope: (a.first_date, a.date, a.kind, a.expected, a.actual, a.impact, a.status)
               for scope, a in found.items()}
    assert figures[("provider", "Yandex Cloud")] == (
        SPIKE_DAY, SPIKE_DAY, "spike", Decimal("12000.00"), Decimal("18000.00"), Decimal("6000.00"), "open")
    assert figures[("service", "Compute Cloud")][3:6] == (Decimal("10000.00"), Decimal("16000.00"),
                                                          Decimal("6000.00"))
    assert figures[("resource_group", "project=web")][3:6] == (Decimal("4000.00"), Decimal("10000.00"),
                                                               Decimal("6000.00"))
    assert found[("connection", "Яндекс прод")].scope_key == str(spike_ledger.pk)
    assert found[("service", "Compute Cloud")].currency == "RUB"


def test_contributors_are_the_resources_behind_the_increase(w, spike_ledger):
    with schema_context(w.alpha.schema_name):
        services.anomalies_detect()
        anomaly = Anomaly.objects.get(scope_type="provider")
    # vm-b cost 4 000 a day over the four weeks before, 10 000 on the day: +6 000; vm-a and the bucket did not grow.
    assert anomaly.contributors == [{"key": "vm-b", "label": "vm-b", "service": "Compute Cloud",
                                     "actual": "10000.00", "expected": "4000.00", "increase": "6000.00"}]
    # The chart: three weeks before the day up to the last day read, the expected cost on the anomalous day only.
    assert anomaly.series[0] == {"date": "2026-05-04", "actual": "12000.00", "expected": None}
    assert {"date": "2026-05-25", "actual": "18000.00", "expected": "12000.00"} in anomaly.series
    assert anomaly.series[-1]["date"] == "2026-05-31"


def test_detecting_again_updates_the_same_rows(w, spike_ledger, frozen):
    with schema_context(w.alpha.schema_name):
        first = services.anomalies_detect()
        ids = sorted(a.pk for a in first.created)
        frozen.move_to(datetime(2026, 6, 2, 9, 0, tzinfo=MSK), tick=False)
        again = services.anomalies_detect()
        assert len(first.created) == 4
        assert again.created == []
        assert sorted(a.pk for a in again.updated) == ids
        assert Anomaly.objects.count() == 4


def test_old_anomalies_outside_the_report_window_are_not_saved(w, spike_ledger, frozen, settings):
    settings.ANOMALY_REPORT_DAYS = 5  # 27..31 May: the spike of the 25th is older
    with schema_context(w.alpha.schema_name):
        assert services.anomalies_detect().created == []


def test_dismissed_as_expected_the_new_level_is_not_flagged_again(w, frozen):
    """Two services jump from 10 000 to 14 000 ₽ a day on 31 May; the user dismisses Compute Cloud's jump on its
    first day. Three days later the jump of the other service is a level shift; Compute Cloud's level is expected."""
    with schema_context(w.alpha.schema_name):
        rows = [row(day, "14000" if day >= date(2026, 5, 31) else "10000", service=service)
                for day in days(FIRST, date(2026, 6, 3)) for service in ("Compute Cloud", "Managed PostgreSQL")]
        rollup(rows)
        services.anomalies_detect()
        compute = Anomaly.objects.get(scope_type="service", scope_key="Compute Cloud")
        assert (compute.first_date, compute.date, compute.kind, compute.impact) == (
            date(2026, 5, 31), date(2026, 5, 31), "spike", Decimal("4000.00"))
        services.anomaly_dismiss(anomaly=compute, actor=w.alice)

        frozen.move_to(datetime(2026, 6, 4, 9, 0, tzinfo=MSK), tick=False)
        services.anomalies_detect()
        compute.refresh_from_db()
        database = Anomaly.objects.get(scope_type="service", scope_key="Managed PostgreSQL")
        assert Anomaly.objects.filter(scope_type="service", scope_key="Compute Cloud").count() == 1
    # Compute Cloud: unchanged and still dismissed (1..3 June at 14 000 are expected now).
    assert (compute.status, compute.date, compute.kind) == ("dismissed", date(2026, 5, 31), "spike")
    # Managed PostgreSQL, not dismissed: 31 May .. 2 June over 10 000 a day, a level shift of +12 000.
    assert (database.status, database.first_date, database.date, database.kind, database.impact) == (
        "open", date(2026, 5, 31), date(2026, 6, 2), "level_shift", Decimal("12000.00"))


def test_confirm_and_dismiss_are_audited(w, spike_ledger):
    with schema_context(w.alpha.schema_name):
        services.anomalies_detect()
        anomaly = Anomaly.objects.get(scope_type="service")
        services.anomaly_confirm(anomaly=anomaly, actor=w.alice)
        services.anomaly_dismiss(anomaly=anomaly, actor=w.adam)
        anomaly.refresh_from_db()
        events = list(AuditEvent.objects.filter(action__startswith="anomaly.").order_by("id")
                      .values_list("action", "actor_email", "data"))
    assert anomaly.status == "dismissed"
    assert (anomaly.feedback_by_id, anomaly.feedback_by_email) == (w.adam.pk, "adam@alpha.test")
    assert [(action, email, data["previous"]) for action, email, data in events] == [
        ("anomaly.confirmed", "alice@alpha.test", "open"), ("anomaly.dismissed", "adam@alpha.test", "confirmed")]
    assert events[0][2]["first_date"] == "2026-05-25"


def test_alert_candidates_are_the_new_open_anomalies(w, spike_ledger):
    with schema_context(w.alpha.schema_name):
        services.anomalies_detect()
        provider = Anomaly.objects.get(scope_type="provider")
        service = Anomaly.objects.get(scope_type="service")
        services.anomaly_dismiss(anomaly=provider, actor=w.alice)
        Anomaly.objects.filter(pk=service.pk).update(alerted_at=datetime(2026, 6, 1, 10, 0, tzinfo=MSK))
        candidates = {(a.scope_type, a.scope_label) for a in selectors.anomalies_alert_candidates()}
    assert candidates == {("connection", "Яндекс прод"), ("resource_group", "project=web")}


def test_detect_anomalies_command_prints_what_it_found(w, spike_ledger, capsys):
    call_command("detect_anomalies", org="alpha")
    out = capsys.readouterr().out
    assert "Detection up to 2026-05-31" in out
    assert "4 new, 0 updated" in out
    assert "2026-05-25..2026-05-25 service Compute Cloud: spike" in out


def test_an_organization_without_costs_has_no_anomalies(w, frozen):
    with schema_context(w.alpha.schema_name):
        result = services.anomalies_detect()
    assert (result.scopes, result.created) == (0, [])


def test_each_organization_sees_only_its_own_anomalies(w, spike_ledger):
    with schema_context(w.alpha.schema_name):
        services.anomalies_detect()
    with schema_context(w.beta.schema_name):
        assert services.anomalies_detect().created == []
        assert not Anomaly.objects.exists()
    with schema_context(w.alpha.schema_name):
        assert Anomaly.objects.count() == 4



def test_the_days_before_a_scope_first_cost_are_unknown_not_zero(w, spike_ledger, settings):
    # 120 days are read and reported, the ledger starts on 23 March: its first day is no jump from nothing.
    settings.ANOMALY_REPORT_DAYS = 120
    with schema_context(w.alpha.schema_name):
        services.anomalies_detect()
        assert set(Anomaly.objects.values_list("first_date", flat=True)) == {SPIKE_DAY}
