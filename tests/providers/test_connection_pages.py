"""The Cloud connections page: cards, add/edit/delete dialogs, credentials test, sync button, permissions."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.providers.models import ProviderConnection, SyncRun
from tests.fakecloud.beget import DEMO_LOGIN, DEMO_PASSWORD
from tests.utils import CYRILLIC, api_error, russian

SECRET = "Page-Secret-Value-77"
API_SECRET = "Legacy-Api-Secret-55"


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


def _connection(w, slug="alpha", **fields) -> ProviderConnection:
    org = getattr(w, slug)
    values = {"provider": "beget", "name": "Beget main",
              "credentials": {"login": "acme", "password": SECRET, "api_password": API_SECRET}}
    values.update(fields)
    with schema_context(org.schema_name):
        return ProviderConnection.objects.create(**values)


def _stored(w, pk, slug="alpha") -> ProviderConnection:
    with schema_context(getattr(w, slug).schema_name):
        return ProviderConnection.objects.get(pk=pk)


def _add_form(login="acme", password=SECRET, api_password="", name="Beget prod", endpoint="", **extra):
    data = {"add-beget-name": name, "add-beget-cred_login": login, "add-beget-cred_password": password,
            "add-beget-cred_api_password": api_password, "add-beget-endpoint": endpoint,
            "add-beget-sync_interval_minutes": "1440", "add-beget-auto_sync": "on"}
    data.update(extra)
    return data


def test_owner_without_connections_sees_the_guided_empty_state(w, client_for):
    response = client_for(w.alice, "alpha").get("/connections/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-dialog-open="add-dialog"' in html
    assert 'data-provider-pick="beget"' in html
    assert 'id="add-dialog"' in html


def test_viewer_sees_cards_but_no_manage_controls(w, client_for):
    conn = _connection(w)
    html = client_for(w.vera, "alpha").get("/connections/").content.decode()
    assert "Beget main" in html
    assert f"/connections/{conn.pk}/sync/" not in html
    assert f"/connections/{conn.pk}/edit/" not in html
    assert f"/connections/{conn.pk}/delete/" not in html
    assert 'id="add-dialog"' not in html


def test_viewer_gets_403_on_every_change(w, client_for):
    conn = _connection(w)
    client = client_for(w.vera, "alpha")
    for url, data in [
        ("/connections/add/beget/", _add_form()),
        (f"/connections/{conn.pk}/edit/", {f"edit-{conn.pk}-name": "Hijacked"}),
        (f"/connections/{conn.pk}/delete/", {}),
        (f"/connections/{conn.pk}/sync/", {}),
        ("/connections/test/beget/", _add_form()),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert _stored(w, conn.pk).name == "Beget main"
    with schema_context(w.alpha.schema_name):
        assert ProviderConnection.objects.count() == 1
        assert not SyncRun.objects.exists()


def test_finance_role_cannot_manage_connections_either(w, client_for):
    conn = _connection(w)
    assert client_for(w.fiona, "alpha").post(f"/connections/{conn.pk}/delete/").status_code == 403
    assert _stored(w, conn.pk)


def test_member_of_another_organization_gets_403_on_alpha_pages(w, client_for):
    _connection(w)
    client = client_for(w.charlie, "alpha")
    response = client.get("/connections/")
    assert response.status_code == 403
    assert "Beget main" not in response.content.decode()


def test_connection_of_another_organization_is_404(w, client_for):
    beta_conn = _connection(w, "beta", name="Beta Beget")
    client = client_for(w.alice, "alpha")
    assert client.post(f"/connections/{beta_conn.pk}/edit/", {f"edit-{beta_conn.pk}-name": "X"}).status_code == 404
    assert client.post(f"/connections/{beta_conn.pk}/delete/").status_code == 404
    assert client.post(f"/connections/{beta_conn.pk}/sync/").status_code == 404
    assert client.get(f"/connections/{beta_conn.pk}/card/").status_code == 404
    assert _stored(w, beta_conn.pk, "beta").name == "Beta Beget"


def test_owner_adds_a_connection_and_no_page_ever_shows_its_secrets(w, client_for):
    client = client_for(w.alice, "alpha")
    response = client.post("/connections/add/beget/", _add_form(api_password=API_SECRET))
    assert response.status_code == 302
    with schema_context(w.alpha.schema_name):
        conn = ProviderConnection.objects.get(name="Beget prod")
    assert conn.credentials == {"login": "acme", "password": SECRET, "api_password": API_SECRET}
    assert conn.auto_sync is True and conn.sync_interval_minutes == 1440
    for url in ("/connections/", f"/connections/{conn.pk}/card/"):
        html = client.get(url).content.decode()
        assert "Beget prod" in html
        assert SECRET not in html and API_SECRET not in html


def test_invalid_add_form_reopens_the_dialog_with_errors_and_without_the_typed_secret(w, client_for):
    response = client_for(w.alice, "alpha").post("/connections/add/beget/", _add_form(login=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-open-on-load data-open-provider="beget"' in html
    assert "has-error" in html
    assert SECRET not in html
    with schema_context(w.alpha.schema_name):
        assert not ProviderConnection.objects.exists()


def test_duplicate_name_is_reported_on_the_name_field(w, client_for):
    _connection(w, name="Beget prod")
    response = client_for(w.alice, "alpha").post("/connections/add/beget/", _add_form())
    assert response.status_code == 400
    assert re.search(r'class="field has-error"[^>]*>\s*<label for="id_add-beget-name"', response.content.decode())


def test_edit_form_prefills_only_non_secret_fields(w, client_for):
    conn = _connection(w)
    html = client_for(w.alice, "alpha").get("/connections/").content.decode()
    assert f'name="edit-{conn.pk}-cred_login" value="acme"' in html
    assert f'name="edit-{conn.pk}-name" value="Beget main"' in html
    password_input = re.search(rf'<input[^>]*name="edit-{conn.pk}-cred_password"[^>]*>', html).group(0)
    assert 'type="password"' in password_input and "value=" not in password_input
    assert SECRET not in html and API_SECRET not in html


def test_edit_without_re_entering_secrets_keeps_them(w, client_for):
    conn = _connection(w)
    client = client_for(w.erin, "alpha")
    response = client.post(f"/connections/{conn.pk}/edit/", {
        f"edit-{conn.pk}-name": "Beget renamed", f"edit-{conn.pk}-cred_login": "acme2",
        f"edit-{conn.pk}-cred_password": "", f"edit-{conn.pk}-cred_api_password": "",
        f"edit-{conn.pk}-sync_interval_minutes": "360",
    })
    assert response.status_code == 302
    stored = _stored(w, conn.pk)
    assert stored.name == "Beget renamed"
    assert stored.credentials == {"login": "acme2", "password": SECRET, "api_password": API_SECRET}
    assert stored.sync_interval_minutes == 360 and stored.auto_sync is False
    html = client.get("/connections/").content.decode()
    assert SECRET not in html and API_SECRET not in html


def test_edit_with_a_new_secret_replaces_only_that_secret(w, client_for):
    conn = _connection(w)
    client_for(w.alice, "alpha").post(f"/connections/{conn.pk}/edit/", {
        f"edit-{conn.pk}-name": "Beget main", f"edit-{conn.pk}-cred_login": "acme",
        f"edit-{conn.pk}-cred_password": "Brand-New-Pass-1", f"edit-{conn.pk}-sync_interval_minutes": "1440",
        f"edit-{conn.pk}-auto_sync": "on",
    })
    assert _stored(w, conn.pk).credentials == {"login": "acme", "password": "Brand-New-Pass-1",
                                                "api_password": API_SECRET}


def test_delete_removes_the_connection(w, client_for):
    conn = _connection(w)
    response = client_for(w.adam, "alpha").post(f"/connections/{conn.pk}/delete/")
    assert response.status_code == 302
    with schema_context(w.alpha.schema_name):
        assert not ProviderConnection.objects.filter(pk=conn.pk).exists()


def test_credentials_test_shows_the_account_found_and_stores_nothing(w, client_for, fake_beget):
    response = client_for(w.alice, "alpha").post("/connections/test/beget/", _add_form(
        login=DEMO_LOGIN, password=DEMO_PASSWORD, endpoint=fake_beget.url))
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True, data
    assert data["account_info"]["account_id"] == DEMO_LOGIN  # as the API's credentials test answers it
    assert data["account_info"]["balance"] == "174.51"
    assert DEMO_LOGIN in data["html"]
    assert "174,51\xa0₽" in data["html"]  # the fake account's balance, in Russian format
    assert DEMO_PASSWORD not in response.content.decode()
    with schema_context(w.alpha.schema_name):
        assert not ProviderConnection.objects.exists()


def test_credentials_test_with_a_wrong_password_explains_the_failure(w, client_for, fake_beget):
    response = client_for(w.alice, "alpha").post("/connections/test/beget/", _add_form(
        login=DEMO_LOGIN, password="wrong-password", endpoint=fake_beget.url))
    error = api_error(response, 400, "provider_auth")  # the API's error shape and status
    assert CYRILLIC.search(error["message"])
    assert "wrong-password" not in response.content.decode()


def test_credentials_test_with_missing_fields_lists_them_in_the_error_shape(w, client_for):
    response = client_for(w.alice, "alpha").post("/connections/test/beget/", _add_form(login="", password=""))
    error = api_error(response, 400, "invalid")
    assert error["message"] == "Некорректные данные."
    assert error["details"] == {"credentials.login": ["Поле «Логин» обязательно."],
                                "credentials.password": ["Поле «Пароль аккаунта» обязательно."]}, error


def test_credentials_test_while_editing_uses_the_saved_secret(w, client_for, fake_beget):
    conn = _connection(w, credentials={"login": DEMO_LOGIN, "password": DEMO_PASSWORD},
                       endpoint=fake_beget.url)
    response = client_for(w.alice, "alpha").post("/connections/test/beget/", {
        "connection": conn.pk, f"edit-{conn.pk}-cred_login": DEMO_LOGIN, f"edit-{conn.pk}-cred_password": "",
        f"edit-{conn.pk}-endpoint": fake_beget.url, f"edit-{conn.pk}-sync_interval_minutes": "1440",
    })
    assert response.json()["ok"] is True
    assert DEMO_PASSWORD not in response.content.decode()


def test_sync_button_queues_a_run_and_refuses_a_second_one(w, client_for):
    conn = _connection(w)
    client = client_for(w.erin, "alpha")
    first = client.post(f"/connections/{conn.pk}/sync/", HTTP_ACCEPT="application/json")
    assert first.status_code == 202
    body = first.json()
    assert body["status"] == "queued"
    assert body["connection"] == conn.pk and body["phase"] == "queued"  # the run as the API shows it
    with schema_context(w.alpha.schema_name):
        run = SyncRun.objects.get(pk=body["id"])
    assert run.connection_id == conn.pk and run.trigger == "manual"
    second = client.post(f"/connections/{conn.pk}/sync/", HTTP_ACCEPT="application/json")
    error = api_error(second, 409, "sync_already_running")
    assert CYRILLIC.search(error["message"])
    page = client.get("/connections/").content.decode()
    assert f'data-active-run="{run.pk}"' in page


def test_sync_form_without_script_redirects_back_to_the_page(w, client_for):
    conn = _connection(w)
    response = client_for(w.alice, "alpha").post(f"/connections/{conn.pk}/sync/")
    assert response.status_code == 302 and response.url.startswith("/connections/")


def test_account_information_shows_rates_limits_and_a_days_to_block_warning(w, client_for):
    _connection(w, account_info={
        "account_id": "acme", "currency": "RUB", "plan_name": "Cloud", "status": "active",
        "balance": "174.51", "daily_rate": "60.73", "monthly_rate": "1847", "days_to_block": 3,
        "limits": {"domains": {"used": "6", "limit": "10", "unit": ""}, "sites": {"used": "0", "limit": None}},
        "server": {"name": "gagarin7.beget.com"}, "software": {"php": "8.2.13"},
    })
    html = client_for(w.vera, "alpha").get("/connections/").content.decode()
    assert "174,51\xa0₽" in html
    # Each Beget figure says what it is: the hosting plan's own rates, not the account's total.
    assert re.search(r'data-rate="daily_rate"><span class="label">Тариф хостинга: списание в день</span>'
                     r"<strong>60,73\xa0₽</strong>", html)
    assert re.search(r'data-rate="monthly_rate"><span class="label">Тариф хостинга: в месяц</span>'
                     r"<strong>1\xa0847,00\xa0₽</strong>", html)
    assert 'data-rate="yearly_rate"' not in html  # not reported here, not made up
    assert "data-account-total" not in html  # no resources yet
    assert "conn-kpi is-warning" in html
    assert "alert alert-warning conn-block-warning" in html
    assert 'class="pct-60"' in html  # 6 of 10 domains (a width class: the CSP allows no style attributes)
    assert "gagarin7.beget.com" in html


def test_the_beget_card_keeps_the_accounts_total_apart_from_the_hosting_plans_rates(w, client_for):
    """The demo account: hosting 60,73 ₽ a day (1 847 ₽ a month, 22 166 ₽ a year), and with its VPS, cloud
    database and domains 121,46 ₽ a day / 3 668,90 ₽ a month in all (tests/fakecloud/beget.py)."""
    from django.utils import timezone

    from apps.inventory.models import Resource

    now = timezone.now()
    conn = _connection(w, account_info={
        "account_id": "acme", "currency": "RUB", "balance": "174.51", "daily_rate": "60.73",
        "monthly_rate": "1847", "yearly_rate": "22166", "days_to_block": 3})
    with schema_context(w.alpha.schema_name):
        for name, daily, monthly in (("Cloud", "60.73", "1847"), ("vps-1", "22", "660"), ("vps-2", "9.73", "291.90"),
                                     ("mysql", "29", "870")):
            Resource.objects.create(connection=conn, provider="beget", resource_id=name, resource_type="vps",
                                    resource_name=name, daily_cost=Decimal(daily), monthly_cost=Decimal(monthly),
                                    first_seen_at=now, last_seen_at=now)
    html = client_for(w.vera, "alpha").get("/connections/").content.decode()
    assert re.search(r'data-rate="yearly_rate"><span class="label">Тариф хостинга: в год</span>'
                     r"<strong>22\xa0166,00\xa0₽</strong>", html)
    total = html[html.index("data-account-total"):]
    total = total[:total.index("</div>")]
    assert "Все ресурсы подключения" in total and "121,46\xa0₽ в день" in total
    assert "3\xa0668,90\xa0₽ в месяц" in total


def test_no_warning_when_the_balance_lasts_a_month_or_more(w, client_for):
    _connection(w, account_info={"account_id": "acme", "balance": "5000", "days_to_block": 45})
    html = client_for(w.alice, "alpha").get("/connections/").content.decode()
    assert "conn-block-warning" not in html and "is-warning" not in html


def test_last_sync_is_shown_in_the_organization_time_zone(w, client_for):
    from apps.tenants.models import Organization

    # UTC+10; the test transaction rolls the row back and the session persona is left untouched.
    Organization.objects.filter(pk=w.alpha.pk).update(timezone="Asia/Vladivostok")
    _connection(w, last_sync_at=dt.datetime(2026, 1, 1, 21, 30, tzinfo=dt.UTC))
    html = client_for(w.alice, "alpha").get("/connections/").content.decode()
    assert "2 января 2026, 07:30" in html


def test_endpoint_field_exists_only_when_custom_endpoints_are_allowed(w, client_for, settings):
    assert 'name="add-beget-endpoint"' in client_for(w.alice, "alpha").get("/connections/").content.decode()
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = False
    assert 'name="add-beget-endpoint"' not in client_for(w.alice, "alpha").get("/connections/").content.decode()


def test_card_links_the_last_successful_sync_to_its_resources(w, client_for):
    conn = _connection(w)
    with schema_context(w.alpha.schema_name):
        SyncRun.objects.create(connection=conn, status="success", resources_found=11)
    html = client_for(w.vera, "alpha").get("/connections/").content.decode()
    assert f'href="/resources/?connection={conn.pk}" data-resources-link>11 ' in html
    assert 'data-active-run=' not in html


def test_unchanged_placeholder_appears_only_for_secrets_that_are_saved(w, client_for):
    conn = _connection(w, credentials={"login": "acme", "password": SECRET})
    html = client_for(w.alice, "alpha").get("/connections/").content.decode()
    saved = re.search(rf'<input[^>]*name="edit-{conn.pk}-cred_password"[^>]*>', html).group(0)
    missing = re.search(rf'<input[^>]*name="edit-{conn.pk}-cred_api_password"[^>]*>', html).group(0)
    assert "placeholder=" in saved and "placeholder=" not in missing


# --- htmx: the sync button and its progress ----------------------------------------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}


def _poll(client, conn):
    """What the progress box asks every 2 s (htmx sends the id of the element it swaps)."""
    return client.get(f"/connections/{conn.pk}/card/", HTTP_HX_TARGET=f"sync-progress-{conn.pk}", **HTMX)


def test_the_page_loads_htmx_and_the_sync_form_posts_through_it(w, client_for):
    conn = _connection(w)
    html = client_for(w.alice, "alpha").get("/connections/").content.decode()
    assert "vendor/htmx.min.js" in html
    assert f'hx-post="/connections/{conn.pk}/sync/"' in html and f'hx-target="#connection-{conn.pk}"' in html
    assert 'hx-trigger="every 2s"' not in html  # nothing runs, nothing polls


def test_htmx_sync_answers_the_card_with_a_polling_progress_box(w, client_for):
    conn = _connection(w)
    response = client_for(w.erin, "alpha").post(f"/connections/{conn.pk}/sync/", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<article") and f'id="connection-{conn.pk}"' in html
    progress = html[html.index(f'id="sync-progress-{conn.pk}"'):]
    assert 'hx-trigger="every 2s"' in progress and f'hx-get="/connections/{conn.pk}/card/"' in progress
    assert russian("Waiting in the queue") in progress
    assert "disabled" in html[html.index("data-sync-button"):html.index("data-sync-button") + 200]
    with schema_context(w.alpha.schema_name):
        assert SyncRun.objects.get(connection=conn).trigger == "manual"


def test_htmx_sync_while_one_runs_shows_that_run_and_why_nothing_new_started(w, client_for):
    conn = _connection(w)
    client = client_for(w.erin, "alpha")
    client.post(f"/connections/{conn.pk}/sync/", **HTMX)
    again = client.post(f"/connections/{conn.pk}/sync/", **HTMX)
    assert again.status_code == 200
    html = again.content.decode()
    assert "data-progress-error" in html and 'hx-trigger="every 2s"' in html
    with schema_context(w.alpha.schema_name):
        assert SyncRun.objects.filter(connection=conn).count() == 1


def test_the_progress_box_shows_phase_counts_and_a_bar_while_the_run_goes_on(w, client_for):
    conn = _connection(w)
    with schema_context(w.alpha.schema_name):
        SyncRun.objects.create(connection=conn, status="running", phase="fetching", current_endpoint="vps/list",
                               endpoints_total=4, endpoints_ok=2, resources_found=7)
    response = _poll(client_for(w.vera, "alpha"), conn)
    html = response.content.decode()
    assert response.status_code == 200 and "<article" not in html  # only the progress box
    assert 'hx-trigger="every 2s"' in html and 'aria-valuenow="45"' in html and 'class="pct-45"' in html
    assert russian("Fetching resources") in html and "vps/list" in html
    assert f'{russian("found")}: 7' in html and f'{russian("endpoints")}: 2/4' in html


def test_the_last_poll_swaps_in_the_whole_card_as_a_reload_shows_it_and_stops(w, client_for):
    conn = _connection(w)
    with schema_context(w.alpha.schema_name):
        SyncRun.objects.create(connection=conn, status="success", phase="done", resources_found=11)
    client = client_for(w.alice, "alpha")
    response = _poll(client, conn)
    assert response["HX-Retarget"] == f"#connection-{conn.pk}" and response["HX-Reswap"] == "outerHTML"
    card = response.content.decode()
    assert card.lstrip().startswith('<article class="card conn-card is-fresh"') and 'hx-trigger="every' not in card
    page = client.get("/connections/").content.decode()
    assert '<article class="card conn-card" id=' in page
    reloaded = page[page.index(f'id="connection-{conn.pk}"'):]
    reloaded = reloaded[:reloaded.index("</article>")]
    fresh = card[card.index(f'id="connection-{conn.pk}"'):card.index("</article>")]

    def same(html: str) -> str:  # CSRF tokens are masked anew on every render
        return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", html)

    assert same(fresh) == same(reloaded)  # the same card a full reload renders


def test_scripts_get_refusals_and_missing_connections_in_the_error_shape_too(w, client_for):
    conn = _connection(w)
    json = {"HTTP_ACCEPT": "application/json"}
    viewer = client_for(w.vera, "alpha")
    refused = api_error(viewer.post(f"/connections/{conn.pk}/sync/", **json), 403, "permission_denied")
    assert refused["message"] == russian("Your role does not allow this action.")
    api_error(viewer.post("/connections/test/beget/", _add_form(), **json), 403, "permission_denied")
    owner = client_for(w.alice, "alpha")
    missing = api_error(owner.post("/connections/999999/sync/", **json), 404, "not_found")
    assert missing["message"] == russian("Not found.")
    api_error(owner.post("/connections/test/no-such-cloud/", {}, **json), 404, "not_found")
    assert owner.post("/connections/999999/sync/").status_code == 404  # a plain form post keeps the HTML page
