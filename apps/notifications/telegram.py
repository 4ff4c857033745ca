"""The Telegram Bot API client over the shared HTTP session (apps/common/http.py).

Every method is ``POST {TELEGRAM_API_URL}/bot<token>/<method>`` with a JSON body; the answer is
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description", "parameters": {"retry_after"}}``.
No retries here: the outbox (services.alerts_deliver) retries with its own backoff and Telegram's retry_after.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from apps.common.http import build_session

# Telegram counts the message after entity parsing; we keep the HTML we send within it too.
MESSAGE_LIMIT = 4096
# A document's caption (after entity parsing), and the largest file a bot may upload (50 MB).
CAPTION_LIMIT = 1024
DOCUMENT_LIMIT = 50 * 1024 * 1024


class TelegramError(Exception):
    """``kind``: ``rate_limited`` (429, ``retry_after`` s), ``unavailable`` (5xx, timeout, no connection),
    ``token`` (401/404: the bot token is wrong), ``rejected`` (400/403: chat not found, bot blocked; final),
    ``not_configured`` (no token). ``reason`` is the Russian text shown in the UI."""

    def __init__(self, kind: str, reason: str, *, code: int | None = None, description: str = "",
                 retry_after: float | None = None, migrate_to: str | None = None):
        super().__init__(reason)
        self.migrate_to = migrate_to  # a group that became a supergroup answers its new chat id
        self.kind = kind
        self.reason = reason
        self.code = code
        self.description = description
        self.retry_after = retry_after


def _reason(code: int, description: str) -> tuple[str, str]:
    text = description.lower()
    if code in (401, 404):
        return "token", _("Telegram did not accept the bot token (TELEGRAM_BOT_TOKEN): check it.")
    if code == 403:
        if "blocked" in text:
            return "rejected", _("The user has blocked the bot.")
        if "kicked" in text or "not a member" in text:
            return "rejected", _("The bot was removed from the chat.")
        return "rejected", _("The bot may not write to this chat: %(description)s") % {"description": description}
    if code == 400:
        if "chat not found" in text:
            return "rejected", _("Chat not found: the bot has never been added to it, or the chat was deleted.")
        return "rejected", _("Telegram refused the message: %(description)s") % {"description": description}
    if code == 429:
        return "rate_limited", _("Telegram asked to wait (too many messages).")
    if code >= 500:
        return "unavailable", _("Telegram is unavailable (HTTP %(code)s).") % {"code": code}
    return "rejected", _("Telegram refused the message: %(description)s") % {"description": description or code}


@dataclass
class TelegramClient:
    token: str
    base_url: str

    @classmethod
    def from_settings(cls) -> TelegramClient:
        return cls(token=settings.TELEGRAM_BOT_TOKEN, base_url=settings.TELEGRAM_API_URL.rstrip("/"))

    def __post_init__(self) -> None:
        # Connection errors are not retried here either: a message must never go out twice.
        self.session = build_session(connect_timeout=5.0, read_timeout=15.0, retries=0)

    def call(self, method: str, payload: dict[str, Any] | None = None, *, read_timeout: float = 15.0,
             files: dict[str, tuple[str, bytes, str]] | None = None) -> Any:
        """``files`` (field -> (file name, bytes, content type)) sends multipart/form-data: the other fields as
        form values, objects as JSON, as the Bot API reads them."""
        if not self.token:
            raise TelegramError("not_configured", _("The Telegram bot is not configured (TELEGRAM_BOT_TOKEN)."))
        url = f"{self.base_url}/bot{self.token}/{method}"
        if files:
            form = {key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    for key, value in (payload or {}).items()}
            request = {"data": form, "files": files}
        else:
            request = {"json": payload or {}}
        try:
            response = self.session.post(url, timeout=(5.0, read_timeout), **request)
        except requests.Timeout:
            raise TelegramError("unavailable", _("Telegram did not answer in time.")) from None
        except requests.RequestException:
            raise TelegramError("unavailable", _("Could not connect to Telegram.")) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("ok") is True and 200 <= response.status_code < 300:
            return body.get("result")
        code = response.status_code
        description = ""
        retry_after = None
        migrate_to = None
        if isinstance(body, dict):
            code = int(body.get("error_code") or code)
            description = str(body.get("description") or "")
            parameters = body.get("parameters") or {}
            if isinstance(parameters, dict) and parameters.get("retry_after") is not None:
                retry_after = float(parameters["retry_after"])
            if isinstance(parameters, dict) and parameters.get("migrate_to_chat_id") is not None:
                migrate_to = str(parameters["migrate_to_chat_id"])
        if retry_after is None and response.headers.get("Retry-After"):
            try:
                retry_after = float(response.headers["Retry-After"])
            except ValueError:
                retry_after = None
        if code == 200:  # {"ok": false} with HTTP 200 or a body that is not the Bot API's
            code = 502
        kind, reason = _reason(code, description)
        raise TelegramError(kind, reason, code=code, description=description, retry_after=retry_after,
                            migrate_to=migrate_to)

    def send_message(self, *, chat_id: str | int, text: str, buttons: list[list[dict]] | None = None) -> Any:
        payload: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML",
                                   "link_preview_options": {"is_disabled": True}}
        if buttons:
            payload["reply_markup"] = {"inline_keyboard": buttons}
        return self.call("sendMessage", payload)

    def send_document(self, *, chat_id: str | int, document: bytes, filename: str, content_type: str,
                      caption: str = "", buttons: list[list[dict]] | None = None) -> Any:
        payload: dict[str, Any] = {"chat_id": str(chat_id), "caption": caption, "parse_mode": "HTML"}
        if buttons:
            payload["reply_markup"] = {"inline_keyboard": buttons}
        return self.call("sendDocument", payload, files={"document": (filename, document, content_type)},
                         read_timeout=120.0)

    def answer_callback_query(self, *, callback_query_id: str, text: str = "") -> Any:
        return self.call("answerCallbackQuery", {"callback_query_id": callback_query_id, "text": text})

    def get_updates(self, *, offset: int | None = None, timeout: int = 0) -> list[dict]:
        payload: dict[str, Any] = {"timeout": timeout, "allowed_updates": ["message", "callback_query"]}
        if offset is not None:
            payload["offset"] = offset
        return list(self.call("getUpdates", payload, read_timeout=timeout + 15.0) or [])

    def get_me(self) -> dict:
        return self.call("getMe") or {}
