"""django-q2 entry points (public schema): deliver every organization's due alerts, poll the bot's updates."""

from __future__ import annotations

from django.conf import settings


def alerts_deliver_all_task() -> dict[str, int]:
    from .services import alerts_deliver_all

    return alerts_deliver_all()


def telegram_poll_task() -> int:
    """getUpdates once; nothing without a bot token (or while a webhook receives the updates)."""
    if not settings.TELEGRAM_BOT_TOKEN or settings.TELEGRAM_WEBHOOK_SECRET:
        return 0
    from .services import telegram_poll

    return telegram_poll()
