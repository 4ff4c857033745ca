"""Writes: the alert outbox (enqueue, deliver), channels, Telegram link codes and the bot's updates.

``alert_enqueue`` is the interface the other apps call: one ``Alert`` row per channel, unique per (channel,
dedup_key), so an alert is never queued twice. ``alerts_deliver`` sends what is due, oldest first per channel: a
channel is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` for each message, so two workers never send the same
row; a 429 waits Telegram's ``retry_after``, 5xx/timeouts back off exponentially (the later alerts of the channel
wait behind, so they still go out in order), 400/403 fail with the Russian reason. Quiet hours and the channel's
minimum interval delay delivery.
"""

from __future__ import annotations

import html
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email import encoders
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tenants.utils import get_tenant_model, schema_context

from apps.accounts.selectors import member_user_ids
from apps.audit.services import audit_event_record
from apps.common.errors import ApplicationError

from .links import current_organization
from .models import Alert, Channel, LinkCode
from .telegram import CAPTION_LIMIT, DOCUMENT_LIMIT, MESSAGE_LIMIT, TelegramClient, TelegramError
from .vocabulary import CALLBACK_ACTIONS, PENDING, AlertKind, AlertStatus, ChannelKind

logger = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=60)
BACKOFF_MAX = timedelta(hours=1)
ELLIPSIS = "…"


# --- the outbox ---------------------------------------------------------------------------------------------------

def alert_enqueue(*, kind: str, subject_type: str, subject_id: str, dedup_key: str, title: str, text: str,
                  link: str, buttons: list[dict] | None = None, channel_ids: list[int] | None = None,
                  attachment: bytes | None = None, attachment_name: str = "",
                  attachment_type: str = "") -> list[Alert]:
    """Queue the alert for each enabled channel subscribed to ``kind`` (or the ``channel_ids`` given); returns the
    rows created now (a channel that already has ``dedup_key`` gets nothing). ``attachment`` (bytes, with its file
    name and content type) goes with the message: attached to the email, sent to Telegram as a document."""
    if kind not in AlertKind.values:
        raise ValueError(f"unknown alert kind {kind!r}")
    channels, members = _recipients(channel_ids)
    now = timezone.now()
    created = []
    for channel in channels:
        if channel_ids is None and not channel.subscribed(kind):
            continue
        if channel.user_id is not None and channel.user_id not in members:
            continue  # a personal channel of someone who left the organization
        alert = Alert(kind=kind, subject_type=subject_type[:32], subject_id=str(subject_id)[:64],
                      dedup_key=dedup_key[:255], channel=channel, title=str(title)[:300],
                      text=_trim(str(text), MESSAGE_LIMIT), link=link, buttons=list(buttons or []),
                      status=AlertStatus.QUEUED, next_attempt_at=now, created_at=now,
                      attachment=attachment, attachment_name=str(attachment_name)[:255],
                      attachment_type=str(attachment_type)[:100])
        try:
            with transaction.atomic():
                alert.save()
        except IntegrityError:
            continue  # already queued (or sent) for this channel
        created.append(alert)
    return created


def _recipients(channel_ids: list[int] | None = None) -> tuple[list[Channel], set[int]]:
    """The enabled channels (of ``channel_ids`` when given) and which personal channels' users are still members
    of the organization. Two queries."""
    channels = Channel.objects.filter(enabled=True)
    if channel_ids is not None:
        channels = channels.filter(pk__in=channel_ids)
    channels = list(channels)
    owners = {c.user_id for c in channels if c.user_id is not None}
    members = member_user_ids(organization=current_organization(), user_ids=owners) if owners else set()
    return channels, members


def alerts_enqueue_many(items: list[dict[str, Any]]) -> int:
    """``alert_enqueue`` for many alerts at once (each item: its keyword arguments, without ``channel_ids``): the
    same channels, subscriptions and deduplication, in a fixed number of statements whatever their number; returns
    how many rows were queued."""
    if not items:
        return 0
    for item in items:
        if item["kind"] not in AlertKind.values:
            raise ValueError(f"unknown alert kind {item['kind']!r}")
    channels, members = _recipients()
    channels = [c for c in channels if c.user_id is None or c.user_id in members]
    if not channels:
        return 0
    keys = {str(item["dedup_key"])[:255] for item in items}
    taken = set(Alert.objects.filter(dedup_key__in=keys, channel__in=channels).values_list("channel_id", "dedup_key"))
    now = timezone.now()
    rows = [Alert(kind=item["kind"], subject_type=str(item["subject_type"])[:32],
                  subject_id=str(item["subject_id"])[:64], dedup_key=str(item["dedup_key"])[:255], channel=channel,
                  title=str(item["title"])[:300], text=_trim(str(item["text"]), MESSAGE_LIMIT), link=item["link"],
                  buttons=list(item.get("buttons") or []), status=AlertStatus.QUEUED, next_attempt_at=now,
                  created_at=now)
            for item in items for channel in channels
            if channel.subscribed(item["kind"]) and (channel.pk, str(item["dedup_key"])[:255]) not in taken]
    Alert.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def telegram_html(title: str, text: str, *, limit: int = MESSAGE_LIMIT) -> str:
    """``<b>title</b>`` and the text, HTML-escaped, within ``limit`` characters (the text is cut, never an
    entity)."""
    head = f"<b>{html.escape(title, quote=False)}</b>\n\n" if title else ""
    body = html.escape(text, quote=False)
    if len(head) + len(body) <= limit:
        return head + body
    room = limit - len(head) - len(ELLIPSIS)
    out, used = [], 0
    for char in text:
        piece = html.escape(char, quote=False)
        if used + len(piece) > room:
            break
        out.append(piece)
        used += len(piece)
    return head + "".join(out) + ELLIPSIS


def telegram_keyboard(alert: Alert, *, with_link: bool = True) -> list[list[dict]]:
    rows = []
    if alert.link and with_link:
        rows.append([{"text": _("Open in InfraZen"), "url": alert.link}])
    tenant_id = current_organization().pk
    actions = [{"text": str(b.get("text") or b["action"])[:64],
                "callback_data": f"a:{tenant_id}:{alert.pk}:{b['action']}"}
               for b in alert.buttons if isinstance(b, dict) and b.get("action") in CALLBACK_ACTIONS]
    urls = [{"text": str(b.get("text"))[:64], "url": b["url"]}
            for b in alert.buttons if isinstance(b, dict) and b.get("url") and not b.get("action")]
    if actions or urls:
        rows.append(actions + urls)
    return rows


def _in_quiet_hours(channel: Channel, now: datetime) -> datetime | None:
    """The moment quiet hours end, when ``now`` is inside them (organization time zone)."""
    start, end = channel.quiet_start, channel.quiet_end
    if start is None or end is None or start == end:
        return None
    local = timezone.localtime(now)
    moment = local.time()
    inside = start <= moment < end if start < end else (moment >= start or moment < end)
    if not inside:
        return None
    day = local.date() if moment < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=local.tzinfo)


def _hold_until(channel: Channel, now: datetime) -> datetime | None:
    quiet = _in_quiet_hours(channel, now)
    if quiet is not None:
        return quiet
    if channel.throttle_seconds and channel.last_sent_at is not None:
        ready = channel.last_sent_at + timedelta(seconds=channel.throttle_seconds)
        if ready > now:
            return ready
    return None


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


@dataclass
class _Outcome:
    sent: bool
    final: bool = False
    wait: timedelta | None = None
    error: str = ""


def _send(channel: Channel, alert: Alert, client: TelegramClient) -> _Outcome:
    if channel.kind == ChannelKind.EMAIL:
        body = alert.text + (f"\n\n{alert.link}" if alert.link else "")
        try:
            message = EmailMessage(alert.title, body, settings.DEFAULT_FROM_EMAIL, [channel.address])
            if alert.attachment is not None and alert.attachment_name:
                message.attach(_mime_attachment(alert))
            message.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 -- SMTP errors of every kind wait for the next attempt
            return _Outcome(False, error=_("Email was not sent: %(error)s") % {"error": type(exc).__name__})
        return _Outcome(True)
    try:
        _telegram_send(channel, alert, client)
    except TelegramError as exc:
        if exc.kind == "rejected":
            return _Outcome(False, final=True, error=exc.reason)
        wait = None
        if exc.kind == "rate_limited":
            wait = timedelta(seconds=max(exc.retry_after or 1.0, 1.0))
        return _Outcome(False, wait=wait, error=exc.reason)
    return _Outcome(True)


def _mime_attachment(alert: Alert) -> MIMEBase:
    """The alert's file, base64 byte for byte (``EmailMessage.attach`` would decode a text/* file and rewrite its
    line endings: a CSV must arrive as generated)."""
    maintype, _sep, subtype = (alert.attachment_type or "application/octet-stream").split(";")[0].partition("/")
    part = MIMEBase(maintype.strip() or "application", subtype.strip() or "octet-stream")
    part.set_payload(bytes(alert.attachment))
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=alert.attachment_name)
    return part


def _telegram_send(channel: Channel, alert: Alert, client: TelegramClient) -> None:
    """sendMessage, following the two refusals that say how to succeed: a group that became a supergroup (its new
    id from now on, ``migrate_to_chat_id``) and a URL button Telegram will not open (``BUTTON_URL_INVALID``, e.g. a
    development ``localhost``: the link goes into the text, the action buttons stay)."""
    document = bytes(alert.attachment) if alert.attachment is not None and alert.attachment_name else None
    if document is not None and len(document) > DOCUMENT_LIMIT:
        document = None  # over the Bot API's 50 MB: the message goes with the link to the archive instead
    text, buttons = telegram_html(alert.title, alert.text), telegram_keyboard(alert)
    if document is None and alert.attachment is not None and alert.attachment_name:
        note = _("The file is larger than Telegram allows (50 MB): download it in InfraZen.")
        text = telegram_html(alert.title, f"{alert.text}\n\n{note}")
    if document is not None:
        text = telegram_html(alert.title, alert.text, limit=CAPTION_LIMIT)
    migrated = link_in_text = False
    while True:
        try:
            if document is not None:
                client.send_document(chat_id=channel.chat_id, document=document, filename=alert.attachment_name,
                                     content_type=alert.attachment_type or "application/octet-stream",
                                     caption=text, buttons=buttons)
            else:
                client.send_message(chat_id=channel.chat_id, text=text, buttons=buttons)
            return
        except TelegramError as exc:
            if exc.migrate_to and not migrated:
                migrated = True
                channel.chat_id = exc.migrate_to
                channel.save(update_fields=["chat_id", "updated_at"])
            elif (exc.kind == "rejected" and "button_url_invalid" in exc.description.lower() and alert.link
                  and not link_in_text):
                link_in_text = True
                limit = (CAPTION_LIMIT if document is not None else MESSAGE_LIMIT) - len(html.escape(alert.link)) - 2
                text = f"{telegram_html(alert.title, alert.text, limit=limit)}\n\n{html.escape(alert.link)}"
                buttons = telegram_keyboard(alert, with_link=False)
            else:
                raise


def alerts_deliver(*, now: datetime | None = None, client: TelegramClient | None = None) -> dict[str, int]:
    """Send the due alerts of the current organization; returns the counts ``sent``, ``retrying``, ``failed``."""
    now = now or timezone.now()
    client = client or TelegramClient.from_settings()
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    channel_ids = (Alert.objects.filter(status__in=PENDING).order_by().values_list("channel_id", flat=True)
                   .distinct())
    with translation.override(settings.LANGUAGE_CODE):  # the worker has no request language
        for channel_id in sorted(set(channel_ids)):
            _deliver_channel(channel_id, now=now, client=client, counts=counts)
    return counts


def _deliver_channel(channel_id: int, *, now: datetime, client: TelegramClient, counts: dict[str, int]) -> None:
    while True:
        with transaction.atomic():
            channel = Channel.objects.select_for_update(skip_locked=True).filter(pk=channel_id).first()
            if channel is None:
                return  # another worker is delivering this channel
            alert = (Alert.objects.select_for_update(skip_locked=True)
                     .filter(channel=channel, status__in=PENDING).order_by("created_at", "id").first())
            if alert is None or alert.next_attempt_at > now or not channel.enabled:
                return  # nothing due: the oldest waits, and the later ones wait behind it (order); a channel
                # that is switched off keeps its alerts until it is on again
            hold = _hold_until(channel, now)
            if hold is not None:
                alert.next_attempt_at = hold
                alert.save(update_fields=["next_attempt_at"])
                return
            outcome = _send(channel, alert, client)
            alert.attempts += 1
            if outcome.sent:
                alert.status, alert.sent_at, alert.error = AlertStatus.SENT, now, ""
                channel.last_sent_at = now
                channel.save(update_fields=["last_sent_at"])
                counts["sent"] += 1
            elif outcome.final:
                alert.status, alert.error = AlertStatus.FAILED, outcome.error
                counts["failed"] += 1
            else:
                alert.status, alert.error = AlertStatus.RETRYING, outcome.error
                alert.next_attempt_at = now + (outcome.wait or _backoff(alert.attempts))
                counts["retrying"] += 1
            alert.save(update_fields=["status", "sent_at", "error", "attempts", "next_attempt_at"])
            if not (outcome.sent or outcome.final):
                return


def alerts_deliver_pending(*, max_wait: float = 60.0, sleep=None,
                           client: TelegramClient | None = None) -> list[Alert]:
    """Deliver now, synchronously (``run_checks``): send what is due, wait out a ``retry_after`` (or backoff, quiet
    hours) that ends within ``max_wait`` seconds and send again; longer waits are left to the worker. Returns the
    alerts sent, in order."""
    import time as time_module

    sleep = sleep or time_module.sleep
    client = client or TelegramClient.from_settings()
    pending = list(Alert.objects.filter(status__in=PENDING).values_list("pk", flat=True))
    deadline = timezone.now() + timedelta(seconds=max_wait)
    while True:
        alerts_deliver(client=client)
        upcoming = (Alert.objects.filter(status__in=PENDING, channel__enabled=True).order_by("next_attempt_at")
                    .values_list("next_attempt_at", flat=True).first())
        now = timezone.now()
        if upcoming is None or upcoming > deadline:
            break
        sleep(max((upcoming - now).total_seconds(), 0.0))
    return list(Alert.objects.filter(pk__in=pending, status=AlertStatus.SENT).order_by("sent_at", "id"))


def alerts_deliver_all(*, now: datetime | None = None) -> dict[str, int]:
    """Every organization's due alerts (the worker's minute schedule, from the public schema): only the schemas that
    hold an alert waiting to go out are visited (one query per 250 organizations finds them)."""
    from apps.common.tenancy import schemas_having

    totals = {"sent": 0, "retrying": 0, "failed": 0}
    client = TelegramClient.from_settings()
    for schema in schemas_having(Alert.objects.filter(status__in=PENDING)):
        with schema_context(schema):
            for key, value in alerts_deliver(now=now, client=client).items():
                totals[key] += value
    return totals


# --- channels -----------------------------------------------------------------------------------------------------

CHANNEL_FIELDS = ("name", "chat_id", "address", "enabled", "kinds", "quiet_start", "quiet_end", "throttle_seconds")


def _channel_clean(channel: Channel) -> None:
    errors = {}
    if channel.kind == ChannelKind.TELEGRAM:
        channel.address = ""
        if not str(channel.chat_id).strip():
            errors["chat_id"] = [_("Enter the Telegram chat ID.")]
    else:
        channel.chat_id = ""
        if not channel.address:
            errors["address"] = [_("Enter the email address.")]
    unknown = [k for k in channel.kinds or [] if k not in AlertKind.values]
    if unknown:
        errors["kinds"] = [_("Unknown alert kinds: %(kinds)s") % {"kinds": ", ".join(map(str, unknown))}]
    if (channel.quiet_start is None) != (channel.quiet_end is None):
        errors["quiet_end"] = [_("Set both ends of the quiet hours, or neither.")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, extra={"fields": errors, "field": next(iter(errors))})


def channel_create(*, actor, kind: str, name: str = "", **values: Any) -> Channel:
    channel = Channel(kind=kind, created_by_id=getattr(actor, "pk", None))
    for field in CHANNEL_FIELDS:
        if field in values and values[field] is not None:
            setattr(channel, field, values[field])
    channel.chat_id = str(channel.chat_id or "").strip()
    channel.name = name or channel.address or channel.chat_id
    _channel_clean(channel)
    channel.save()
    _audit("notification_channel.created", actor, channel)
    return channel


def channel_update(*, channel: Channel, actor, **values: Any) -> Channel:
    for field in CHANNEL_FIELDS:
        if field in values:
            setattr(channel, field, values[field])
    channel.chat_id = str(channel.chat_id or "").strip()
    _channel_clean(channel)
    channel.save()
    _audit("notification_channel.updated", actor, channel)
    return channel


def channel_delete(*, channel: Channel, actor) -> None:
    _audit("notification_channel.deleted", actor, channel)
    channel.delete()


def _audit(action: str, actor, channel: Channel) -> None:
    if actor is None:
        return
    audit_event_record(schema_name=db_connection.schema_name, action=action, actor=actor,
                       target=f"{channel.name} (#{channel.pk})"[:254], data={"kind": channel.kind})


def channel_test(*, channel: Channel, actor=None, client: TelegramClient | None = None) -> None:
    """Send a test message now (not through the outbox); a refusal is an ``ApplicationError`` in Russian."""
    organization = current_organization().name
    title = _("InfraZen: test message")
    text = _("Notifications of «%(organization)s» will arrive here.") % {"organization": organization}
    if channel.kind == ChannelKind.EMAIL:
        try:
            send_mail(title, text, settings.DEFAULT_FROM_EMAIL, [channel.address], fail_silently=False)
        except Exception as exc:  # noqa: BLE001
            raise ApplicationError(_("Email was not sent: %(error)s") % {"error": type(exc).__name__}) from None
    else:
        client = client or TelegramClient.from_settings()
        try:
            client.send_message(chat_id=channel.chat_id, text=telegram_html(title, text))
        except TelegramError as exc:
            raise ApplicationError(exc.reason, extra={"telegram": exc.kind}) from None
    if actor is not None:
        _audit("notification_channel.tested", actor, channel)


# --- Telegram linking and updates ------------------------------------------------------------------------------

def link_code_create(*, actor, personal: bool = False) -> LinkCode:
    """A one-time code for ``/start <code>``: ``<organization id>-<random>``, so the bot finds the organization.
    A ``personal`` code links the actor's private chat as the actor's personal channel."""
    tenant_id = current_organization().pk
    code = f"{tenant_id}-{secrets.token_hex(6)}"
    minutes = settings.NOTIFY_LINK_CODE_MINUTES
    owner = getattr(actor, "pk", None)
    if personal and owner is None:
        raise ValueError("a personal link code needs the user it belongs to")
    return LinkCode.objects.create(code=code, created_by_id=owner, personal=personal,
                                   expires_at=timezone.now() + timedelta(minutes=minutes))


def _tenant_schema(tenant_id: str) -> Any:
    try:
        pk = int(tenant_id)
    except (TypeError, ValueError):
        return None
    model = get_tenant_model()
    with schema_context("public"):
        return model.objects.filter(pk=pk).exclude(schema_name="public").first()


def _chat_name(chat: dict) -> str:
    if chat.get("title"):
        return str(chat["title"])
    if chat.get("username"):
        return f"@{chat['username']}"
    names = " ".join(str(chat.get(k) or "") for k in ("first_name", "last_name")).strip()
    return names or str(chat.get("id"))


def telegram_link(*, code: str, chat: dict, now: datetime | None = None) -> Channel | None:
    """Link ``chat`` (an update's ``message.chat``) to the organization whose code it is; None = no valid code.
    Runs from any schema."""
    now = now or timezone.now()
    organization = _tenant_schema(code.split("-", 1)[0]) if "-" in code else None
    if organization is None:
        return None
    with schema_context(organization.schema_name):
        with transaction.atomic():
            link = (LinkCode.objects.select_for_update()
                    .filter(code=code, used_at__isnull=True, expires_at__gt=now).first())
            if link is None:
                return None
            if link.personal and chat.get("type") != "private":
                return None  # a personal channel is the user's own private chat with the bot
            chat_id = str(chat["id"])
            owner = link.created_by_id if link.personal else None
            channel = Channel.objects.filter(kind=ChannelKind.TELEGRAM, chat_id=chat_id, user_id=owner).first()
            if channel is None:
                channel = Channel.objects.create(kind=ChannelKind.TELEGRAM, chat_id=chat_id, user_id=owner,
                                                 name=_chat_name(chat)[:200], created_by_id=link.created_by_id)
            elif not channel.enabled:
                channel.enabled = True
                channel.save(update_fields=["enabled", "updated_at"])
            link.used_at, link.channel = now, channel
            link.save(update_fields=["used_at", "channel"])
        audit_event_record(schema_name=organization.schema_name, action="notification_channel.linked",
                           target=f"{channel.name} (#{channel.pk})"[:254],
                           data={"kind": "telegram", "personal": channel.user_id is not None})
        channel.organization_name = organization.name
    return channel


def telegram_callback(*, data: str, user: dict, now: datetime | None = None) -> str:
    """Record a button press (``a:<organization>:<alert>:<action>``) on its alert; returns the answer to show."""
    now = now or timezone.now()
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != "a" or parts[3] not in CALLBACK_ACTIONS:
        return _("Unknown button.")
    organization = _tenant_schema(parts[1])
    if organization is None:
        return _("Unknown button.")
    with schema_context(organization.schema_name), transaction.atomic():
        alert = Alert.objects.select_for_update().filter(pk=parts[2]).first() if parts[2].isdigit() else None
        if alert is None:
            return _("This alert no longer exists.")
        alert.callbacks = [*alert.callbacks, {"action": parts[3], "user": user.get("id"),
                                              "username": user.get("username", ""),
                                              "at": timezone.localtime(now).isoformat()}]
        alert.save(update_fields=["callbacks"])
        handler_path = (getattr(settings, "NOTIFY_CALLBACK_ACTIONS", None) or {}).get(parts[3])
        if handler_path:
            return _callback_act(handler_path, alert=alert, action=parts[3])
    return _("Acknowledged.") if parts[3] == "ack" else _("Snoozed.")


def _callback_act(handler_path: str, *, alert: Alert, action: str) -> str:
    """Run the button's handler (``settings.NOTIFY_CALLBACK_ACTIONS``) in its own savepoint: a failure keeps the
    recorded press and answers that the action failed."""
    try:
        with transaction.atomic():
            return str(import_string(handler_path)(alert=alert, subject_id=alert.subject_id))
    except Exception:  # noqa: BLE001 -- the press is recorded; the answer says the action failed
        logger.exception("The %s button of alert %s failed (%s)", action, alert.pk, handler_path)
        return _("The action failed; try it in InfraZen.")


def telegram_update_process(update: dict, *, client: TelegramClient | None = None,
                            now: datetime | None = None) -> str | None:
    """One Bot API ``Update`` (from the webhook or getUpdates): ``/start <code>`` links the chat, a callback
    query is recorded and answered. Returns what was done (``linked``, ``bad_code``, ``callback``) or None."""
    client = client or TelegramClient.from_settings()
    with translation.override(settings.LANGUAGE_CODE):
        return _update_process(update, client=client, now=now)


def _update_process(update: dict, *, client: TelegramClient, now: datetime | None) -> str | None:
    message = update.get("message") or update.get("channel_post")
    if isinstance(message, dict):
        text = str(message.get("text") or "").strip()
        parts = text.split()
        if not parts or not parts[0].split("@", 1)[0] == "/start":
            return None
        chat = message.get("chat") or {}
        if "id" not in chat:
            return None
        channel = telegram_link(code=parts[1], chat=chat, now=now) if len(parts) > 1 else None
        if channel is None:
            reply = _("The code was not found or has expired. Get a new one on the «Notifications» page in "
                      "InfraZen.")
        else:
            reply = _("This chat is connected to «%(organization)s»: InfraZen alerts will arrive here.") % {
                "organization": channel.organization_name}
        try:
            client.send_message(chat_id=chat["id"], text=html.escape(reply, quote=False))
        except TelegramError as exc:
            logger.warning("Telegram reply failed: %s", exc.reason)
        return "linked" if channel is not None else "bad_code"
    callback = update.get("callback_query")
    if isinstance(callback, dict) and callback.get("id"):
        answer = telegram_callback(data=str(callback.get("data") or ""), user=callback.get("from") or {}, now=now)
        try:
            client.answer_callback_query(callback_query_id=str(callback["id"]), text=answer)
        except TelegramError as exc:
            logger.warning("Telegram answerCallbackQuery failed: %s", exc.reason)
        return "callback"
    return None


OFFSET_CACHE_KEY = "notifications:telegram:offset"


def telegram_poll(*, client: TelegramClient | None = None) -> int:
    """getUpdates once (no long poll) from the last offset; returns how many updates were processed."""
    from django.core.cache import cache

    if not settings.TELEGRAM_BOT_TOKEN and client is None:
        return 0
    client = client or TelegramClient.from_settings()
    offset = cache.get(OFFSET_CACHE_KEY)
    try:
        updates = client.get_updates(offset=offset)
    except TelegramError as exc:
        logger.warning("Telegram getUpdates failed: %s", exc.reason)
        return 0
    for update in sorted(updates, key=lambda u: u.get("update_id", 0)):
        try:
            telegram_update_process(update, client=client)
        except Exception:  # noqa: BLE001 -- one bad update must not block the others
            logger.exception("Telegram update %s failed", update.get("update_id"))
        cache.set(OFFSET_CACHE_KEY, int(update.get("update_id", 0)) + 1, None)
    return len(updates)


def quiet_time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def personal_preferences_update(*, user, kinds: list[str], quiet_start: time | None,
                                quiet_end: time | None) -> list[Channel]:
    """The alert kinds and quiet hours of every personal channel of ``user`` (only theirs: the user is the
    actor and the owner). All kinds chosen is stored as «every kind» (so new kinds reach the user too)."""
    kinds = list(dict.fromkeys(kinds))
    if kinds and set(kinds) >= set(AlertKind.values):
        kinds = []
    elif not kinds:
        raise ApplicationError(_("Choose at least one kind of alert, or switch the channel off."),
                               extra={"fields": {"kinds": [_("Choose at least one kind of alert.")]},
                                      "field": "kinds"})
    channels = list(Channel.objects.filter(user_id=user.pk))
    with transaction.atomic():
        for channel in channels:
            channel_update(channel=channel, actor=user, kinds=kinds, quiet_start=quiet_start, quiet_end=quiet_end)
    return channels
