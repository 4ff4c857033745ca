"""The «Аномалии» page: the list with its chart data, contributors and verdict buttons; the nav link."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.anomalies import services
from apps.anomalies.models import Anomaly


@pytest.fixture
def detected(w, spike_ledger):
    with schema_context(w.alpha.schema_name):
        services.anomalies_detect()
        return {a.scope_type: a for a in Anomaly.objects.all()}


def test_the_page_lists_anomalies_with_chart_and_contributors(w, detected, client_for):
    page = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/anomalies/")
    assert page.status_code == 200
    assert {a.scope_type for a in page.context["items"]} == {"provider", "connection", "service", "resource_group"}
    html = page.content.decode()
    assert "Аномалии" in html
    assert f'data-anomaly-chart="{detected["service"].pk}"' in html
    assert 'data-action="dismiss"' in html and 'data-action="confirm"' in html
    assert "vm-b" in html
    chart = page.context["charts"][str(detected["service"].pk)]
    # 4 May .. 31 May; the expected cost only on the anomalous day (25 May, the 22nd point).
    assert len(chart["actual"]) == 28
    assert chart["actual"][21] == 16000.0
    assert chart["expected"][21] == 10000.0
    assert chart["expected"][20] is None
    assert 'href="/anomalies/"' in html  # the navigation link


def test_a_viewer_sees_the_page_without_buttons_and_cannot_post(w, detected, client_for):
    vera = client_for(w.vera, "alpha")
    html = vera.get("/anomalies/").content.decode()
    assert 'data-action="dismiss"' not in html
    pk = detected["service"].pk
    assert vera.post(f"/anomalies/{pk}/dismiss/").status_code == 403
    with schema_context(w.alpha.schema_name):
        assert Anomaly.objects.get(pk=pk).status == "open"


def test_dismissing_from_the_page_hides_it_from_the_default_list(w, detected, client_for):
    alice = client_for(w.alice, "alpha")
    pk = detected["service"].pk
    answer = alice.post(f"/anomalies/{pk}/dismiss/", {"next": "/anomalies/"})
    assert (answer.status_code, answer["Location"]) == (302, "/anomalies/")
    with schema_context(w.alpha.schema_name):
        assert Anomaly.objects.get(pk=pk).status == "dismissed"
    shown = {a.pk for a in alice.get("/anomalies/").context["items"]}
    assert pk not in shown and len(shown) == 3
    assert pk in {a.pk for a in alice.get("/anomalies/", {"status": "dismissed"}).context["items"]}
    # An outside address in ``next`` is not followed.
    answer = alice.post(f"/anomalies/{pk}/confirm/", {"next": "https://evil.example/"})
    assert answer["Location"] == "/anomalies/"


def test_an_organization_without_anomalies_says_so(w, client_for):
    page = client_for(w.bob, "beta", HTTP_ACCEPT_LANGUAGE="ru").get("/anomalies/")
    assert page.status_code == 200
    assert "data-anomalies-empty" in page.content.decode()
