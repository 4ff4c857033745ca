"""Reads: channels, alert history, the bot link."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from .models import Alert, Channel


def channel_list() -> QuerySet[Channel]:
    return Channel.objects.all()


def channel_get(*, pk: int) -> Channel:
    return Channel.objects.get(pk=pk)


def alert_list(*, status: str | None = None, kind: str | None = None, channel: int | None = None) -> QuerySet[Alert]:
    alerts = Alert.objects.select_related("channel")
    if status:
        alerts = alerts.filter(status__in=status.split(","))
    if kind:
        alerts = alerts.filter(kind__in=kind.split(","))
    if channel:
        alerts = alerts.filter(channel_id=channel)
    return alerts.order_by("-created_at", "-id")


def bot_link(code: str) -> str:
    """``https://t.me/<bot>?start=<code>`` when the bot's username is configured, else ""."""
    username = settings.TELEGRAM_BOT_USERNAME.lstrip("@")
    return f"https://t.me/{username}?start={code}" if username else ""
