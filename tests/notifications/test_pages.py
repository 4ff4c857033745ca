"""The «Уведомления» settings page: channels, add email, «Подключить Telegram» with the one-time code and the bot
link, test button, alert history with status and error; the tab under Settings."""

from __future__ import annotations

from django_tenants.utils import schema_context

from apps.notifications.models import Alert, Channel, LinkCode


def test_page_lists_channels_and_history_and_manages(w, client_for, telegram):
    with schema_context(w.alpha.schema_name):
        channel = Channel.objects.create(kind="telegram", name="Дежурные", chat_id="5551")
        Alert.objects.create(kind="anomaly", subject_type="anomaly", subject_id="1", dedup_key="a:1",
                             channel=channel, title="Аномалия Compute", text="т", status="failed",
                             error="Пользователь заблокировал бота.", next_attempt_at="2026-12-07T12:00+03:00",
                             created_at="2026-12-07T12:00+03:00")
    alice = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    page = alice.get("/settings/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Уведомления" in html and "Дежурные" in html and "Подключить Telegram" in html
    assert "Аномалия Compute" in html and "Пользователь заблокировал бота." in html
    assert 'href="/settings/notifications/"' in alice.get("/settings/organization/").content.decode()
    # «Подключить Telegram»: the code and the bot's link.
    linked = alice.post("/settings/notifications/telegram/")
    assert linked.status_code == 200
    with schema_context(w.alpha.schema_name):
        code = LinkCode.objects.get().code
    html = linked.content.decode()
    assert f"/start {code}" in html and f"https://t.me/infrazen_test_bot?start={code}" in html
    # Add an email channel, test the Telegram one.
    assert alice.post("/settings/notifications/email/", {"address": "ops@alpha.test"}).status_code == 302
    assert alice.post(f"/settings/notifications/channels/{channel.pk}/test/").status_code == 302
    assert len(telegram.messages) == 1
    with schema_context(w.alpha.schema_name):
        assert list(Channel.objects.order_by("id").values_list("kind", "address")) == [
            ("telegram", ""), ("email", "ops@alpha.test")]
    bad = alice.post("/settings/notifications/email/", {"address": "not-an-email"})
    assert bad.status_code == 400


def test_viewer_sees_but_cannot_change(w, client_for):
    vera = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    page = vera.get("/settings/notifications/")
    assert page.status_code == 200 and "Подключить Telegram" not in page.content.decode()
    assert vera.post("/settings/notifications/telegram/").status_code == 403
    assert vera.post("/settings/notifications/email/", {"address": "v@alpha.test"}).status_code == 403
    with schema_context(w.alpha.schema_name):
        assert not LinkCode.objects.exists() and not Channel.objects.exists()
