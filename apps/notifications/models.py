"""Notification channels (Telegram chats, email addresses), one-time link codes for Telegram, and the alert
outbox: every alert is a row first (one per channel), delivered by the worker. All in the organization's schema."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .vocabulary import AlertKind, AlertStatus, ChannelKind


class Channel(models.Model):
    """Where alerts go: a Telegram chat (private chat, group or channel) or an email address."""

    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=200)
    chat_id = models.CharField(_("Telegram chat ID"), max_length=64, blank=True)
    address = models.EmailField(_("email address"), blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Alert kinds the channel receives; empty = every kind.
    kinds = models.JSONField(_("alert kinds"), default=list, blank=True)
    # Quiet hours in the organization's time zone (Europe/Moscow): alerts wait until they end.
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    # At least this many seconds between two messages to the channel (0 = no limit).
    throttle_seconds = models.PositiveIntegerField(_("minimum interval, s"), default=0)
    last_sent_at = models.DateTimeField(_("last message sent"), null=True, blank=True, editable=False)
    created_by_id = models.BigIntegerField(_("created by (user ID)"), null=True, blank=True, editable=False)
    # A personal channel: only this user (public-schema user id) sees and manages it, and it receives alerts only
    # while the user is a member of the organization. Empty = an organization channel.
    user_id = models.BigIntegerField(_("personal channel of (user ID)"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")

    def __str__(self) -> str:
        return self.name

    @property
    def target(self) -> str:
        return self.chat_id if self.kind == ChannelKind.TELEGRAM else self.address

    @property
    def personal(self) -> bool:
        return self.user_id is not None

    def subscribed(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class LinkCode(models.Model):
    """A one-time code the user sends the bot as ``/start <code>`` to link a Telegram chat."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    created_by_id = models.BigIntegerField(_("created by (user ID)"), null=True, blank=True)
    # A personal code links its creator's private chat as the creator's personal channel.
    personal = models.BooleanField(_("personal channel"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    channel = models.ForeignKey(Channel, verbose_name=_("channel"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("Telegram link code")
        verbose_name_plural = _("Telegram link codes")

    def __str__(self) -> str:
        return self.code


class Alert(models.Model):
    """One message to one channel (the outbox row): queued, then sent, retried or failed with the reason."""

    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices)
    subject_type = models.CharField(_("subject type"), max_length=32)
    subject_id = models.CharField(_("subject ID"), max_length=64)
    dedup_key = models.CharField(_("deduplication key"), max_length=255)
    channel = models.ForeignKey(Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="alerts")
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    link = models.URLField(_("link"), max_length=1000, blank=True)
    # [{"text": ..., "action": "ack"|"snooze"}] inline buttons besides the link.
    buttons = models.JSONField(_("buttons"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.QUEUED,
                              db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    error = models.TextField(_("error"), blank=True)
    # What people pressed: [{"action", "user", "at"}].
    callbacks = models.JSONField(_("button presses"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # A file sent with the message (a scheduled report): an email attachment, a Telegram document.
    attachment_name = models.CharField(_("attachment name"), max_length=255, blank=True)
    attachment_type = models.CharField(_("attachment content type"), max_length=100, blank=True)
    attachment = models.BinaryField(_("attachment"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [models.UniqueConstraint(fields=["channel", "dedup_key"], name="notifications_alert_dedup")]
        indexes = [models.Index(fields=["channel", "status", "created_at"], name="notifications_alert_pending")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.dedup_key} → {self.channel_id} {self.status}"
