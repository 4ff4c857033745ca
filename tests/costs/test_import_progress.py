"""The import page follows a running import with htmx: its progress card polls itself, then the page reloads."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.common.tasks import run_in_tenant
from tests.utils import russian

from .conftest import DATA

AWS = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _queued(client) -> int:
    upload = SimpleUploadedFile("focus.csv", AWS.read_bytes(), content_type="text/csv")
    response = client.post("/api/v1/costs/imports/", {"file": upload})
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_a_queued_import_page_polls_its_progress_card_with_htmx(w, client_for):
    client = client_for(w.alice, "alpha")
    pk = _queued(client)
    page = client.get(f"/costs/imports/{pk}/").content.decode()
    assert "vendor/htmx.min.js" in page and "fetch(" not in page  # no hand-written loop left
    card = page[page.index('id="import-status"'):]
    assert f'hx-get="/costs/imports/{pk}/"' in card[:400] and 'hx-trigger="every 2s"' in card[:400]

    fragment = client.get(f"/costs/imports/{pk}/", **HTMX)
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html and html.count('id="import-status"') == 1
    assert 'hx-trigger="every 2s"' in html and 'aria-valuenow="0"' in html and russian("Queued") in html
    assert f'{russian("Rows processed")}: <span id="import-rows">0</span>' in html


def test_a_finished_import_reloads_the_page_which_no_longer_polls(w, client_for):
    client = client_for(w.alice, "alpha")
    pk = _queued(client)
    run_in_tenant(w.alpha.schema_name, "apps.costs.tasks.billing_import_task", pk)
    last = client.get(f"/costs/imports/{pk}/", **HTMX)
    assert last.status_code == 200 and last["HX-Refresh"] == "true"
    page = client.get(f"/costs/imports/{pk}/").content.decode()
    assert "hx-trigger" not in page and 'id="import-summary"' in page and "data-explorer-link" in page
    assert 'data-status="success"' in page and 'aria-valuenow="100"' in page
