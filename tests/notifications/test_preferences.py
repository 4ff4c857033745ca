"""«Мои уведомления» (``/settings/notifications/personal/``): a member chooses the alert kinds and quiet hours of
their own personal channels; nobody reaches another member's channels through the page."""

from __future__ import annotations

from datetime import time

import pytest
from django_tenants.utils import schema_context

from apps.notifications.models import Channel
from apps.notifications.vocabulary import AlertKind, ChannelKind
from tests.utils import russian

pytestmark = pytest.mark.django_db

PAGE = "/settings/notifications/personal/"


@pytest.fixture
def channels(w):
    """Vera's personal Telegram chat, Alice's personal chat and an organization channel of alpha."""
    with schema_context(w.alpha.schema_name):
        mine = Channel.objects.create(kind=ChannelKind.TELEGRAM, name="Вера", chat_id="111", user_id=w.vera.pk)
        hers = Channel.objects.create(kind=ChannelKind.TELEGRAM, name="Алиса", chat_id="222", user_id=w.alice.pk)
        org = Channel.objects.create(kind=ChannelKind.TELEGRAM, name="Команда", chat_id="333")
    return {"mine": mine.pk, "hers": hers.pk, "org": org.pk}


def _channel(w, pk: int) -> Channel:
    with schema_context(w.alpha.schema_name):
        return Channel.objects.get(pk=pk)


def test_member_saves_kinds_and_quiet_hours_of_their_own_channel(w, client_for, channels):
    client = client_for(w.vera, "alpha")
    page = client.get(PAGE)
    assert page.status_code == 200 and "Мои уведомления" in page.content.decode()
    assert [c.pk for c in page.context["channels"]] == [channels["mine"]]
    response = client.post(PAGE, {"kinds": ["budget_actual", "anomaly", "sync_failed"], "quiet_start": "22:00",
                                  "quiet_end": "08:00"})
    assert response.status_code == 302
    mine = _channel(w, channels["mine"])
    assert (mine.kinds, mine.quiet_start, mine.quiet_end) == (["budget_actual", "anomaly", "sync_failed"],
                                                              time(22), time(8))
    assert mine.subscribed("anomaly") and not mine.subscribed("recommendation")
    # Nobody else's channel changed.
    for key in ("hers", "org"):
        other = _channel(w, channels[key])
        assert (other.kinds, other.quiet_start, other.quiet_end) == ([], None, None)


def test_every_kind_chosen_is_stored_as_every_kind(w, client_for, channels):
    client_for(w.vera, "alpha").post(PAGE, {"kinds": list(AlertKind.values)})
    assert _channel(w, channels["mine"]).kinds == []


def test_bad_input_is_refused_in_russian(w, client_for, channels):
    client = client_for(w.vera, "alpha")
    response = client.post(PAGE, {"kinds": ["anomaly"], "quiet_start": "22:00"})
    assert response.status_code == 400
    assert response.context["form"].errors["quiet_end"] == [russian("Set both ends of the quiet hours, or neither.")]
    response = client.post(PAGE, {"quiet_start": "", "quiet_end": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["kinds"] == [
        russian("Choose at least one kind of alert, or switch the channel off.")]
    assert _channel(w, channels["mine"]).kinds == []


def test_user_cannot_edit_another_users_preferences(w, client_for, channels):
    # Charlie (beta) cannot open alpha at all; Alice's save touches only her own chat, never Vera's.
    assert client_for(w.charlie, "alpha").get(PAGE).status_code in (403, 404)
    client_for(w.alice, "alpha").post(PAGE, {"kinds": ["runway"]})
    assert _channel(w, channels["hers"]).kinds == ["runway"]
    assert _channel(w, channels["mine"]).kinds == []
    # And the channel actions refuse another user's personal channel.
    response = client_for(w.alice, "alpha").post(f"/settings/notifications/channels/{channels['mine']}/toggle/")
    assert response.status_code == 404 and _channel(w, channels["mine"]).enabled


def test_without_a_personal_channel_the_page_explains_and_saves_nothing(w, client_for, channels):
    client = client_for(w.adam, "alpha")
    assert "личного канала" in client.get(PAGE).content.decode()
    response = client.post(PAGE, {"kinds": ["anomaly"]})
    assert response.status_code == 302
