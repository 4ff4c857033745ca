"""Reads: channels, alert history, the bot link."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from .models import Alert, Channel


def _visible(user) -> Q:
    """Organization channels and, with ``user``, that user's personal ones (never another user's)."""
    mine = Q(user_id__isnull=True)
    if user is not None and getattr(user, "pk", None) is not None:
        mine |= Q(user_id=user.pk)
    return mine


def channel_list(*, user=None) -> QuerySet[Channel]:
    """The organization's channels, plus ``user``'s personal channels when given."""
    return Channel.objects.filter(_visible(user))


def channel_get(*, pk: int, user=None) -> Channel:
    """A channel ``user`` may see: another user's personal channel is ``DoesNotExist``."""
    return Channel.objects.filter(_visible(user)).get(pk=pk)


def alert_list(*, status: str | None = None, kind: str | None = None, channel: int | None = None,
               user=None) -> QuerySet[Alert]:
    """Alerts of the channels ``user`` may see (see ``channel_list``)."""
    visible = Q(channel__user_id__isnull=True)
    if user is not None and getattr(user, "pk", None) is not None:
        visible |= Q(channel__user_id=user.pk)
    alerts = Alert.objects.select_related("channel").filter(visible)
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


def personal_channel_list(*, user) -> QuerySet[Channel]:
    """``user``'s own personal channels (nobody else's), for their notification preferences."""
    return Channel.objects.filter(user_id=getattr(user, "pk", None) or -1)
