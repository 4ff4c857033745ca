"""Fake Telegram Bot API: ``/bot<token>/<method>`` as documented (shared/providers/telegram/FACTS.md).

Answers ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description", "parameters"?}`` with the
matching HTTP status. Checks what Telegram checks: the token (401 Unauthorized), the chat (400 chat not found for
chats outside ``chats`` when it is set; 403 for ``blocked`` chats; 400 with ``migrate_to_chat_id`` for a group in
``migrated``), ``parse_mode=HTML`` entities (400 can't parse
entities), the text length after entity parsing (400 message is too long), inline keyboards (url or
callback_data of 1-64 bytes). Records every sent message (``messages``), callback answers (``answers``).

Faults (``fail``) hit the next ``times`` sendMessage calls: ``flood`` (429 with ``parameters.retry_after``),
``blocked`` (403 bot was blocked by the user), ``down`` (502 Bad Gateway, an HTML page as nginx gives).
Updates for getUpdates are queued with ``push_update``; ``offset`` confirms the ones before it.
"""

from __future__ import annotations

import html
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .server import Reply, Request

TOKEN = "123456:TEST-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "InfraZen", "username": "infrazen_test_bot"}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
                "tg-spoiler", "blockquote", "tg-emoji"}
TAG = re.compile(r"<(/?)([a-zA-Z-]+)([^<>]*)>")
ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def _error(status: int, description: str, **parameters: Any) -> Reply:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Reply(status, body)


def parse_html(text: str) -> str | None:
    """The visible text of a HTML-mode message, or None when Telegram could not parse its entities."""
    out, pos, stack = [], 0, []
    for match in TAG.finditer(text):
        out.append(text[pos:match.start()])
        closing, name = match.group(1), match.group(2).lower()
        if name not in ALLOWED_TAGS:
            return None
        if closing:
            if not stack or stack.pop() != name:
                return None
        else:
            stack.append(name)
        pos = match.end()
    out.append(text[pos:])
    if stack:
        return None
    visible = "".join(out)
    if "<" in visible or ">" in visible:  # every <, > and & outside a tag must be an entity
        return None
    for index, char in enumerate(visible):
        if char == "&" and not ENTITY.match(visible, index):
            return None
    return html.unescape(visible)


@dataclass
class FakeTelegram:
    token: str = TOKEN
    chats: set[str] | None = None  # None = every chat exists
    blocked: set[str] = field(default_factory=set)
    migrated: dict[str, int] = field(default_factory=dict)  # old group id -> its supergroup's id
    messages: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._next_update = 1
        self._next_message = 1

    # --- test controls
    def fail(self, kind: str, *, times: int = 1, retry_after: int = 5) -> None:
        with self._lock:
            self.faults.append({"kind": kind, "times": times, "retry_after": retry_after})

    def push_update(self, **update: Any) -> dict[str, Any]:
        with self._lock:
            update = {"update_id": self._next_update, **update}
            self._next_update += 1
            self.updates.append(update)
        return update

    def push_text(self, chat: dict[str, Any], text: str, user: dict[str, Any] | None = None) -> dict[str, Any]:
        sender = user or {"id": chat["id"] if chat.get("type") == "private" else 777, "is_bot": False,
                          "first_name": "Tester"}
        return self.push_update(message={"message_id": 1, "from": sender, "chat": chat, "date": int(time.time()),
                                         "text": text})

    def sent_to(self, chat_id: Any) -> list[dict[str, Any]]:
        return [m for m in self.messages if str(m["chat_id"]) == str(chat_id)]

    # --- the API
    def handle(self, request: Request, fault) -> Reply | None:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", request.path)
        if match is None:
            return None
        token, method = match.groups()
        if token != self.token:
            return _error(401, "Unauthorized")
        params = dict(request.form)
        if isinstance(request.json, dict):
            params.update(request.json)
        params.update(request.query)
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        if method.lower() == "senddocument":
            return handler(params, request.files)
        return handler(params)

    def _m_getme(self, params: dict[str, Any]) -> Reply:
        return Reply(200, {"ok": True, "result": BOT})

    def _take_fault(self) -> dict[str, Any] | None:
        with self._lock:
            for fault in self.faults:
                if fault["times"] > 0:
                    fault["times"] -= 1
                    return fault
        return None

    def _m_sendmessage(self, params: dict[str, Any]) -> Reply:
        fault = self._take_fault()
        if fault is not None:
            if fault["kind"] == "flood":
                seconds = fault["retry_after"]
                return _error(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
            if fault["kind"] == "blocked":
                return _error(403, "Forbidden: bot was blocked by the user")
            if fault["kind"] == "down":
                return Reply(502, raw=b"<html><head><title>502 Bad Gateway</title></head></html>",
                             headers={"Content-Type": "text/html"})
        chat_id = params.get("chat_id")
        text = params.get("text")
        if chat_id in (None, ""):
            return _error(400, "Bad Request: chat_id is empty")
        if not text:
            return _error(400, "Bad Request: message text is empty")
        if str(chat_id) in self.migrated:
            return _error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                          migrate_to_chat_id=self.migrated[str(chat_id)])
        if str(chat_id) in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if self.chats is not None and str(chat_id) not in self.chats:
            return _error(400, "Bad Request: chat not found")
        visible = text
        if params.get("parse_mode") == "HTML":
            visible = parse_html(text)
            if visible is None:
                return _error(400, "Bad Request: can't parse entities: unsupported start tag or unescaped character")
        if len(visible) > 4096:
            return _error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if markup is not None:
            problem = self._check_markup(markup)
            if problem:
                return _error(400, f"Bad Request: {problem}")
        with self._lock:
            message_id = self._next_message
            self._next_message += 1
            record = {"message_id": message_id, "chat_id": chat_id, "text": text, "visible": visible,
                      "parse_mode": params.get("parse_mode"), "reply_markup": markup}
            self.messages.append(record)
        chat = {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else 0,
                "type": "private" if str(chat_id).lstrip("-") == str(chat_id) else "group"}
        return Reply(200, {"ok": True, "result": {"message_id": message_id, "from": BOT, "chat": chat,
                                                  "date": int(time.time()), "text": visible}})

    def _m_senddocument(self, params: dict[str, Any], files: dict[str, dict[str, Any]]) -> Reply:
        """A file uploaded as multipart/form-data (``document``) with an optional HTML caption (1024 characters
        after entity parsing, like Telegram); ``reply_markup`` arrives JSON-encoded in the form."""
        fault = self._take_fault()
        if fault is not None and fault["kind"] == "down":
            return Reply(502, raw=b"<html><head><title>502 Bad Gateway</title></head></html>",
                         headers={"Content-Type": "text/html"})
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            return _error(400, "Bad Request: chat_id is empty")
        if str(chat_id) in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if self.chats is not None and str(chat_id) not in self.chats:
            return _error(400, "Bad Request: chat not found")
        upload = files.get("document")
        if upload is None or not upload["content"]:
            return _error(400, "Bad Request: there is no document in the request")
        if len(upload["content"]) > 50 * 1024 * 1024:
            return _error(413, "Request Entity Too Large")
        caption = params.get("caption") or ""
        visible = caption
        if caption and params.get("parse_mode") == "HTML":
            visible = parse_html(caption)
            if visible is None:
                return _error(400, "Bad Request: can't parse entities: unsupported start tag or unescaped character")
        if len(visible) > 1024:
            return _error(400, "Bad Request: message caption is too long")
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            import json

            markup = json.loads(markup)
        if markup is not None:
            problem = self._check_markup(markup)
            if problem:
                return _error(400, f"Bad Request: {problem}")
        with self._lock:
            message_id = self._next_message
            self._next_message += 1
            self.documents.append({"message_id": message_id, "chat_id": chat_id, "caption": caption,
                                   "visible": visible, "parse_mode": params.get("parse_mode"),
                                   "reply_markup": markup, "filename": upload["filename"],
                                   "content_type": upload["content_type"], "content": upload["content"]})
        return Reply(200, {"ok": True, "result": {"message_id": message_id, "from": BOT,
                                                  "chat": {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit()
                                                           else 0, "type": "private"},
                                                  "date": int(time.time()), "caption": visible,
                                                  "document": {"file_name": upload["filename"],
                                                               "file_size": len(upload["content"])}}})

    @staticmethod
    def _check_markup(markup: Any) -> str:
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            return "field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays"
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    return "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                kinds = [k for k in ("url", "callback_data") if k in button]
                if len(kinds) != 1:
                    return "can't parse inline keyboard button: exactly one of the optional fields must be used"
                if "callback_data" in button and not 1 <= len(str(button["callback_data"]).encode()) <= 64:
                    return "BUTTON_DATA_INVALID"
                # Telegram refuses links it cannot open: other schemes, and hosts that are no public domain.
                url = re.match(r"https?://([^/:?#]+)", str(button.get("url", "")))
                if "url" in button and (url is None or "." not in url.group(1)
                                        or url.group(1).endswith(".localhost")):
                    return "BUTTON_URL_INVALID"
        return ""

    def _m_answercallbackquery(self, params: dict[str, Any]) -> Reply:
        if not params.get("callback_query_id"):
            return _error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.answers.append(dict(params))
        return Reply(200, {"ok": True, "result": True})

    def _m_getupdates(self, params: dict[str, Any]) -> Reply:
        offset = params.get("offset")
        with self._lock:
            if offset is not None:
                self.updates = [u for u in self.updates if u["update_id"] >= int(offset)]
            result = list(self.updates[: int(params.get("limit") or 100)])
        return Reply(200, {"ok": True, "result": result})
