"""Personal channels (issue 11: "channels per organization and per user"): a member links their own private chat
with a personal code, only they see and change it, it receives the kinds they chose, and it goes quiet when their
membership ends."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import Membership
from apps.notifications.models import Alert, Channel
from apps.notifications.services import alert_enqueue, alerts_deliver, telegram_poll
from tests.utils import api_error

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=MSK)
VERA_CHAT = {"id": 7001, "type": "private", "first_name": "Вера", "username": "vera_viewer"}
ERIN_CHAT = {"id": 7002, "type": "private", "first_name": "Эрин"}
GROUP = {"id": -1009998887776, "type": "supergroup", "title": "Общий чат"}


def post(client: Client, url: str, body=None):
    return client.post(url, json.dumps(body) if body is not None else "", content_type="application/json")


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)


def _enqueue(dedup: str, kind: str = "anomaly") -> list[Alert]:
    return alert_enqueue(kind=kind, subject_type="anomaly", subject_id="1", dedup_key=dedup, title="Аномалия",
                         text="Расходы на Compute выросли", link="https://alpha.infrazen.test/anomalies/1/")


def _link_personal(client: Client, telegram, chat: dict) -> dict:
    answer = post(client, "/api/v1/channels/link-code/", {"personal": True})
    assert answer.status_code == 201, answer.content
    assert answer.json()["personal"] is True
    telegram.push_text(chat, answer.json()["command"])
    assert telegram_poll() == 1
    return answer.json()


def test_viewer_links_a_personal_chat_and_receives_alerts(w, client_for, telegram, frozen):
    vera = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    # A viewer may not create an organization code, only a personal one.
    api_error(post(vera, "/api/v1/channels/link-code/"), 403)
    _link_personal(vera, telegram, VERA_CHAT)
    with schema_context(w.alpha.schema_name):
        channel = Channel.objects.get()
        assert (channel.chat_id, channel.user_id, channel.name) == ("7001", w.vera.pk, "@vera_viewer")
        # Default: every kind.
        assert [a.channel_id for a in _enqueue("a1")] == [channel.pk]
        assert alerts_deliver()["sent"] == 1
    sent = telegram.sent_to(7001)
    assert len(sent) == 2  # the link confirmation, then the alert
    assert "Расходы на Compute выросли" in sent[1]["visible"]
    # Her choice of kinds: only budgets.
    listed = vera.get("/api/v1/channels/").json()
    assert [(c["id"], c["personal"]) for c in listed] == [(channel.pk, True)]
    changed = vera.patch(f"/api/v1/channels/{channel.pk}/", json.dumps({"kinds": ["budget_actual"]}),
                         content_type="application/json")
    assert changed.status_code == 200 and changed.json()["kinds"] == ["budget_actual"]
    with schema_context(w.alpha.schema_name):
        assert _enqueue("a2") == []
        assert len(_enqueue("b1", kind="budget_actual")) == 1


def test_personal_code_does_not_link_a_group(w, client_for, telegram, frozen):
    vera = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    _link_personal(vera, telegram, GROUP)
    with schema_context(w.alpha.schema_name):
        assert not Channel.objects.exists()


def test_another_user_cannot_see_or_change_it(w, client_for, telegram, frozen):
    vera = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    _link_personal(vera, telegram, VERA_CHAT)
    with schema_context(w.alpha.schema_name):
        pk = Channel.objects.get().pk
    # Not erin (engineer), not even the owner alice: 404, and the list shows none of it.
    for user in (w.erin, w.alice):
        other = client_for(user, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
        assert other.get("/api/v1/channels/").json() == []
        api_error(other.get(f"/api/v1/channels/{pk}/"), 404)
        api_error(other.delete(f"/api/v1/channels/{pk}/"), 404)
        api_error(post(other, f"/api/v1/channels/{pk}/test/"), 404)
        assert other.post(f"/settings/notifications/channels/{pk}/delete/").status_code == 404
        assert "@vera_viewer" not in other.get("/settings/notifications/").content.decode()
    # The page: vera sees her channel, marked personal, with its actions; she turns it off and deletes it.
    page = vera.get("/settings/notifications/").content.decode()
    assert "@vera_viewer" in page and "Личный" in page and f"/settings/notifications/channels/{pk}/test/" in page
    assert vera.post(f"/settings/notifications/channels/{pk}/toggle/").status_code == 302
    with schema_context(w.alpha.schema_name):
        assert Channel.objects.get(pk=pk).enabled is False
    assert vera.delete(f"/api/v1/channels/{pk}/").status_code == 204
    with schema_context(w.alpha.schema_name):
        assert not Channel.objects.exists()


def test_viewer_still_cannot_change_an_organization_channel(w, client_for):
    fiona = client_for(w.fiona, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    vera = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    pk = post(fiona, "/api/v1/channels/", {"kind": "email", "address": "ops@alpha.test"}).json()["id"]
    assert vera.get(f"/api/v1/channels/{pk}/").json()["personal"] is False
    api_error(vera.delete(f"/api/v1/channels/{pk}/"), 403)
    api_error(post(vera, f"/api/v1/channels/{pk}/test/"), 403)
    assert vera.post(f"/settings/notifications/channels/{pk}/delete/").status_code == 403
    assert vera.post("/settings/notifications/telegram/").status_code == 403
    assert vera.post("/settings/notifications/telegram/", {"personal": "1"}).status_code == 200


def test_no_alert_after_the_membership_ends(w, client_for, telegram, frozen):
    fiona = client_for(w.fiona, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    vera = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    erin = client_for(w.erin, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    _link_personal(vera, telegram, VERA_CHAT)
    _link_personal(erin, telegram, ERIN_CHAT)
    team = post(fiona, "/api/v1/channels/", {"kind": "email", "address": "ops@alpha.test"}).json()["id"]
    with schema_context(w.alpha.schema_name):
        vera_channel = Channel.objects.get(user_id=w.vera.pk).pk
        erin_channel = Channel.objects.get(user_id=w.erin.pk).pk
    Membership.objects.filter(user=w.vera, organization=w.alpha).delete()
    with schema_context(w.alpha.schema_name):
        assert sorted(a.channel_id for a in _enqueue("a1")) == sorted([team, erin_channel])
        # Named explicitly, too: nothing for the former member.
        assert _enqueue("a2", kind="budget_actual") and not Alert.objects.filter(channel_id=vera_channel).exists()
        assert alert_enqueue(kind="anomaly", subject_type="anomaly", subject_id="1", dedup_key="a3", title="т",
                             text="т", link="", channel_ids=[vera_channel]) == []


def test_api_shape(w, client_for, telegram, frozen):
    vera = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    code = _link_personal(vera, telegram, VERA_CHAT)
    assert set(code) == {"code", "command", "bot_url", "expires_at", "personal"}
    assert code["command"] == f"/start {code['code']}"
    assert code["bot_url"] == f"https://t.me/infrazen_test_bot?start={code['code']}"
    [channel] = vera.get("/api/v1/channels/").json()
    assert channel == {
        "id": channel["id"], "kind": "telegram", "name": "@vera_viewer", "chat_id": "7001", "address": "",
        "enabled": True, "kinds": [], "quiet_start": None, "quiet_end": None, "throttle_seconds": 0,
        "personal": True, "created_at": "2026-12-07T12:00:00+03:00", "updated_at": "2026-12-07T12:00:00+03:00"}
    # The alert history: vera sees her alerts; alice (owner) does not see alerts of vera's personal channel.
    with schema_context(w.alpha.schema_name):
        _enqueue("a1")
    assert [a["channel"] for a in vera.get("/api/v1/alerts/").json()["results"]] == [channel["id"]]
    alice = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    assert alice.get("/api/v1/alerts/").json()["results"] == []
