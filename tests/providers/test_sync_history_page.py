"""The sync history page of a connection: its runs newest first with their counts, errors, filters, pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.providers.models import ProviderConnection, SyncRun

UTC = dt.UTC


def _connection(w, slug="alpha", name="Beget main") -> ProviderConnection:
    with schema_context(getattr(w, slug).schema_name):
        return ProviderConnection.objects.create(provider="beget", name=name,
                                                 credentials={"login": "acme", "password": "History-Secret-1"})


def _run(w, conn, slug="alpha", *, started: dt.datetime, **fields) -> SyncRun:
    values = {"status": "success", "trigger": "manual", "started_at": started,
              "finished_at": started + dt.timedelta(seconds=fields.pop("seconds", 65)), "duration_seconds": 65}
    values.update(fields)
    with schema_context(getattr(w, slug).schema_name):
        run = SyncRun.objects.create(connection=conn, **values)
        SyncRun.objects.filter(pk=run.pk).update(created_at=started)
        return run


def _rows(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-run="')[1:]]


def test_the_history_shows_each_run_with_its_counts_status_trigger_and_duration(w, client_for):
    conn = _connection(w)
    run = _run(w, conn, started=dt.datetime(2026, 3, 1, 21, 30, tzinfo=UTC), resources_found=1234,
               resources_created=3, resources_updated=5, resources_deleted=2, resources_unchanged=1224,
               cost_records=4567, duration_seconds=125, trigger="scheduled")
    response = client_for(w.vera, "alpha").get(f"/connections/{conn.pk}/history/")
    assert response.status_code == 200
    html = response.content.decode()
    row = html.split(f'data-run="{run.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Успешно" in row
    assert "По расписанию" in row
    # 21:30 UTC on 1 March is 00:30 on 2 March in Moscow.
    assert "02.03.2026 00:30" in row
    assert "2 мин 5 с" in row
    assert "data-found>1\u00a0234<" in row
    assert "data-created>3<" in row
    assert "data-updated>5<" in row
    assert "data-deleted>2<" in row
    assert "data-unchanged>1\u00a0224<" in row
    assert "data-cost-records>4\u00a0567<" in row
    assert "History-Secret-1" not in html


def test_the_errors_of_a_partial_run_are_listed_with_endpoint_code_and_message(w, client_for):
    conn = _connection(w)
    _run(w, conn, started=dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC), status="partial",
         errors=[{"endpoint": "vps_list", "code": "permission", "message": "Нет доступа к списку VPS"},
                 {"endpoint": "ftp_list", "code": "unavailable", "message": "Провайдер не ответил"}])
    html = client_for(w.alice, "alpha").get(f"/connections/{conn.pk}/history/").content.decode()
    assert "Синхронизировано частично" in html
    assert "2 ошибки" in html
    assert "<code>vps_list</code>" in html
    assert "Нет доступа к списку VPS" in html
    assert "(unavailable)" in html
    assert "Провайдер не ответил" in html


def test_runs_are_listed_newest_first_and_only_those_of_the_connection(w, client_for):
    conn = _connection(w)
    other = _connection(w, name="Beget other")
    old = _run(w, conn, started=dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    new = _run(w, conn, started=dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    foreign = _run(w, other, started=dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    html = client_for(w.alice, "alpha").get(f"/connections/{conn.pk}/history/").content.decode()
    assert _rows(html) == [str(new.pk), str(old.pk)]
    assert str(foreign.pk) not in _rows(html)


def test_the_status_and_trigger_filters_narrow_the_runs(w, client_for):
    conn = _connection(w)
    ok = _run(w, conn, started=dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    failed = _run(w, conn, started=dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC), status="error",
                  error_message="Неверный логин или пароль")
    scheduled = _run(w, conn, started=dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC), trigger="scheduled")
    client = client_for(w.alice, "alpha")
    url = f"/connections/{conn.pk}/history/"
    assert _rows(client.get(url, {"status": "error"}).content.decode()) == [str(failed.pk)]
    assert _rows(client.get(url, {"trigger": "scheduled"}).content.decode()) == [str(scheduled.pk)]
    assert _rows(client.get(url, {"status": "success", "trigger": "manual"}).content.decode()) == [str(ok.pk)]
    assert "Неверный логин или пароль" in client.get(url, {"status": "error"}).content.decode()


def test_an_unknown_status_is_refused_with_a_russian_message_not_a_server_error(w, client_for):
    conn = _connection(w)
    response = client_for(w.alice, "alpha").get(f"/connections/{conn.pk}/history/", {"status": "bogus"})
    assert response.status_code == 400
    assert "Проверьте фильтры" in response.content.decode()


def test_the_history_is_paginated_and_the_pages_keep_the_filter(w, client_for):
    conn = _connection(w)
    start = dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    runs = [_run(w, conn, started=start + dt.timedelta(hours=i)) for i in range(25)]
    client = client_for(w.alice, "alpha")
    first = client.get(f"/connections/{conn.pk}/history/", {"status": "success"}).content.decode()
    assert _rows(first) == [str(r.pk) for r in reversed(runs[5:])]
    assert "Страница 1 из 2" in first
    assert "?status=success&amp;page=2" in first
    second = client.get(f"/connections/{conn.pk}/history/", {"status": "success", "page": 2}).content.decode()
    assert _rows(second) == [str(r.pk) for r in reversed(runs[:5])]


def test_the_number_of_queries_does_not_grow_with_the_runs(w, client_for):
    conn = _connection(w)
    client = client_for(w.alice, "alpha")
    start = dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    _run(w, conn, started=start, status="partial", errors=[{"endpoint": "a", "code": "x", "message": "m"}])
    with CaptureQueriesContext(db) as one:
        assert client.get(f"/connections/{conn.pk}/history/").status_code == 200
    for i in range(15):
        _run(w, conn, started=start + dt.timedelta(hours=i + 1), status="partial",
             errors=[{"endpoint": "a", "code": "x", "message": "m"}])
    with CaptureQueriesContext(db) as many:
        assert client.get(f"/connections/{conn.pk}/history/").status_code == 200
    assert len(many) == len(one)


def test_the_connection_card_links_to_its_history(w, client_for):
    conn = _connection(w)
    html = client_for(w.vera, "alpha").get("/connections/").content.decode()
    assert f'href="/connections/{conn.pk}/history/"' in html
    assert "История синхронизаций" in html


@pytest.mark.parametrize("persona", ["charlie", "bob"])
def test_a_member_of_another_organization_sees_nothing_of_this_history(w, client_for, persona):
    conn = _connection(w)
    _run(w, conn, started=dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
         errors=[{"endpoint": "vps_list", "code": "x", "message": "Alpha-only message"}])
    response = client_for(getattr(w, persona), "alpha").get(f"/connections/{conn.pk}/history/")
    assert response.status_code == 403
    assert "Alpha-only message" not in response.content.decode()
    # On its own host the same id is not a connection of beta.
    own = client_for(getattr(w, persona), "beta").get(f"/connections/{conn.pk}/history/")
    assert own.status_code == 404
    assert "Alpha-only message" not in own.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(w, client_for):
    conn = _connection(w)
    response = client_for(None, "alpha").get(f"/connections/{conn.pk}/history/")
    assert response.status_code == 302
