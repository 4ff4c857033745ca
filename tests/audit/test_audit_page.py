"""The audit log page in the organization settings: Russian labels, filters, pages, who may see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.accounts.models import Membership
from apps.audit.models import AuditEvent
from apps.audit.services import audit_event_record
from apps.providers import services as provider_services

UTC = dt.UTC
SECRET = "Audit-Page-Secret-31"


def _event(w, slug="alpha", *, at: dt.datetime | None = None, **fields) -> AuditEvent:
    values = {"action": "invitation.created", "target": "new@alpha.test", "data": {"role": "finance"}}
    values.update(fields)
    event = audit_event_record(schema_name=getattr(w, slug).schema_name, **values)
    if at is not None:
        with schema_context(getattr(w, slug).schema_name):
            AuditEvent.objects.filter(pk=event.pk).update(created_at=at)
    return event


def _rows(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-event="')[1:]]


def _row(html: str, event: AuditEvent) -> str:
    return html.split(f'data-event="{event.pk}"', 1)[1].split("</tr>", 1)[0]


def test_a_role_change_made_on_the_members_page_appears_with_its_russian_label(w, client_for):
    erin = Membership.objects.get(user=w.erin, organization=w.alpha)
    admin = client_for(w.adam, "alpha")
    assert admin.post(f"/settings/members/{erin.pk}/role/", {"role": "finops"}).status_code == 302
    response = client_for(w.alice, "alpha").get("/settings/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    with schema_context(w.alpha.schema_name):
        event = AuditEvent.objects.get(action="membership.role_changed")
    row = _row(html, event)
    assert "Роль участника изменена" in row
    assert "adam@alpha.test" in row
    assert "erin@alpha.test" in row
    assert "было: Инженер" in row
    assert "стало: FinOps-аналитик" in row
    assert row.index("было:") < row.index("стало:")
    assert "membership.role_changed" not in html.split('id="audit-log"', 1)[1]


def test_connection_events_show_their_russian_labels_and_never_the_credentials(w, client_for):
    with schema_context(w.alpha.schema_name):
        conn = provider_services.connection_create(
            provider="beget", name="Beget audit", actor=w.erin,
            credentials={"login": "acme", "password": SECRET, "api_password": SECRET + "-api"})
        provider_services.connection_update(connection=conn, actor=w.erin,
                                            credentials={"login": "acme", "password": SECRET + "-new"})
        events = {e.action: e for e in AuditEvent.objects.filter(target=f"connection:{conn.pk}")}
    html = client_for(w.alice, "alpha").get("/settings/audit/").content.decode()
    created = _row(html, events["connection.created"])
    assert "Облачное подключение добавлено" in created
    assert f"Подключение #{conn.pk}" in created
    assert "название: Beget audit" in created
    assert "провайдер: Beget" in created
    assert "provider:" not in created
    updated = _row(html, events["connection.updated"])
    assert "Облачное подключение изменено" in updated
    assert "учётные данные" in updated
    assert SECRET not in html
    # The trail itself holds no secret either.
    with schema_context(w.alpha.schema_name):
        stored = str(list(AuditEvent.objects.values_list("data", flat=True)))
    assert SECRET not in stored


def test_secret_keys_in_the_details_are_not_shown_even_if_a_caller_recorded_them(w, client_for):
    event = _event(w, action="connection.updated", target="connection:1",
                   data={"changed": ["name"], "password": SECRET, "token": SECRET})
    html = client_for(w.adam, "alpha").get("/settings/audit/").content.decode()
    assert "название" in _row(html, event)
    assert SECRET not in html


def test_events_are_newest_first_in_moscow_time(w, client_for):
    old = _event(w, at=dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    new = _event(w, at=dt.datetime(2026, 2, 3, 21, 15, tzinfo=UTC), action="invitation.revoked")
    february = {"date_from": "2026-02-01", "date_to": "2026-02-28"}
    html = client_for(w.alice, "alpha").get("/settings/audit/", february).content.decode()
    assert _rows(html) == [str(new.pk), str(old.pk)]
    assert "04.02.2026 00:15" in _row(html, new)
    assert "Приглашение отозвано" in _row(html, new)
    assert "Приглашение отправлено" in _row(html, old)
    assert "роль: Финансы" in _row(html, old)


def test_the_action_actor_and_date_filters_narrow_the_events(w, client_for):
    with schema_context(w.alpha.schema_name):
        by_adam = _event(w, actor=w.adam, at=dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
        by_alice = _event(w, actor=w.alice, action="membership.removed", target="erin@alpha.test",
                          at=dt.datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
        late = _event(w, actor=w.alice, at=dt.datetime(2026, 2, 20, 22, 0, tzinfo=UTC))  # 21 Feb in Moscow
    client = client_for(w.alice, "alpha")
    assert _rows(client.get("/settings/audit/", {"action": "membership.removed"}).content.decode()) == [
        str(by_alice.pk)]
    assert _rows(client.get("/settings/audit/", {"actor": "adam@alpha.test"}).content.decode()) == [str(by_adam.pk)]
    assert _rows(client.get("/settings/audit/", {"date_from": "2026-02-05", "date_to": "2026-02-20"})
                 .content.decode()) == [str(by_alice.pk)]
    assert _rows(client.get("/settings/audit/", {"date_from": "2026-02-21", "date_to": "2026-02-21"})
                 .content.decode()) == [str(late.pk)]


def test_an_unparseable_date_is_refused_with_a_russian_message(w, client_for):
    response = client_for(w.alice, "alpha").get("/settings/audit/", {"date_from": "yesterday"})
    assert response.status_code == 400
    assert "Проверьте фильтры" in response.content.decode()


def test_the_audit_log_is_paginated_and_the_pages_keep_the_filter(w, client_for):
    start = dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    events = [_event(w, at=start + dt.timedelta(hours=i)) for i in range(55)]
    client = client_for(w.alice, "alpha")
    first = client.get("/settings/audit/", {"action": "invitation.created"}).content.decode()
    assert _rows(first) == [str(e.pk) for e in reversed(events[5:])]
    assert "Страница 1 из 2" in first
    assert "?action=invitation.created&amp;page=2" in first
    second = client.get("/settings/audit/", {"action": "invitation.created", "page": 2}).content.decode()
    assert _rows(second) == [str(e.pk) for e in reversed(events[:5])]


def test_the_number_of_queries_does_not_grow_with_the_events(w, client_for):
    client = client_for(w.alice, "alpha")
    _event(w, actor=w.adam)
    with CaptureQueriesContext(db) as one:
        assert client.get("/settings/audit/").status_code == 200
    for i in range(20):
        _event(w, actor=w.erin if i % 2 else w.adam, data={"role": "viewer", "from": "a", "to": "b"})
    with CaptureQueriesContext(db) as many:
        assert client.get("/settings/audit/").status_code == 200
    assert len(many) == len(one)


@pytest.mark.parametrize("persona", ["alice", "adam"])
def test_owners_and_admins_see_the_audit_tab(w, client_for, persona):
    html = client_for(getattr(w, persona), "alpha").get("/settings/organization/").content.decode()
    assert 'href="/settings/audit/"' in html
    assert "Журнал действий" in html


@pytest.mark.parametrize("persona", ["vera", "fiona", "erin"])
def test_other_roles_get_403_and_no_audit_tab(w, client_for, persona):
    _event(w, target="hidden@alpha.test")
    client = client_for(getattr(w, persona), "alpha")
    response = client.get("/settings/audit/")
    assert response.status_code == 403
    assert "hidden@alpha.test" not in response.content.decode()
    assert 'href="/settings/audit/"' not in client.get("/settings/organization/").content.decode()


def test_a_member_of_another_organization_sees_nothing_of_this_trail(w, client_for):
    _event(w, target="alpha-secret-target@alpha.test")
    foreign = client_for(w.bob, "alpha").get("/settings/audit/")
    assert foreign.status_code == 403
    assert "alpha-secret-target" not in foreign.content.decode()
    own = client_for(w.bob, "beta").get("/settings/audit/")
    assert own.status_code == 200
    assert "alpha-secret-target" not in own.content.decode()
