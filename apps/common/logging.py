"""Logging filters: secrets are masked before a record leaves the process, and client errors (4xx) are
logged as one line without a traceback.

``redact`` knows the shapes secrets take in what we log (requests' header dicts, raw HTTP headers,
JSON and form bodies, Python reprs, URLs, PEM blocks, bare Yandex/OpenStack tokens). Which keys hold a
secret is the rule of ``apps.common.secrets`` (the one list of key markers), so a key that is stripped from
stored provider JSON is also masked in logs. The filter runs on every record, so a message is first
looked at with substring tests only; the patterns run when it holds a marker or a token prefix, and then
only for the markers it holds.
"""

from __future__ import annotations

import functools
import logging
import re

from apps.common.secrets import DROPPED_KEYS, SECRET_MARKERS

MASK = "***"


def _spelled(marker: str) -> str:
    """``privatekey`` -> a pattern that also reads ``private_key``, ``private-key``, ``Private.Key``."""
    return r"[_.\-]*".join(re.escape(char) for char in marker)


_DQ = r'"(?:[^"\\\r\n]|\\.)+"'  # a non-empty double-quoted string, escaped quotes included
_SQ = r"'(?:[^'\\\r\n]|\\.)+'"  # the same in single quotes (Python reprs)
_ESCAPED_DQ = r'\\"[^"\\\r\n]+\\"'  # a string inside JSON that is itself inside a JSON string
# A quoted value cut off by truncation (no closing quote on its line): everything to the end of the line.
_UNCLOSED = r"""(?:"[^"\r\n]*|'[^'\r\n]*)(?=[\r\n]|\Z)"""


@functools.lru_cache(maxsize=64)
def _key_value_pattern(markers: tuple[str, ...]) -> re.Pattern[str]:
    """Key/value shapes whose key holds one of ``markers`` (those the text contains: a pattern with one or
    two markers scans much faster than one with all of them)."""
    words = [_spelled(m) for m in markers if m not in DROPPED_KEYS]
    whole = [re.escape(m) for m in markers if m in DROPPED_KEYS]
    # A key with a marker inside it (``X-Auth-Token``, ``client_secret``, ``aws_secret_access_key``), or
    # one of the whole keys that are dropped (``pass``, ``pwd``). Keys are short: the bounds keep a long
    # word full of markers (a base64 blob) from costing quadratic time.
    key = "|".join(
        ([r"[\w.\-]{0,64}?(?:" + "|".join(words) + r")[\w.\-]{0,64}"] if words else [])
        + ([r"(?:" + "|".join(whole) + r")(?![\w.\-])"] if whole else [])
    )
    return re.compile(
        # "password": "two words" / 'secret_key': 'x' / \"token\": \"x\" / "pin": 1234 (null stays readable)
        rf"(?P<q>\\?[\"'])(?P<qkey>{key})(?P=q)[ \t]*[:=][ \t]*"
        rf"(?P<qvalue>b?{_DQ}|b?{_SQ}|{_ESCAPED_DQ}|{_UNCLOSED}|(?!(?:null|none|true|false)\b)[^\s,;{{}}\[\]\"'\\]+)"
        rf"|(?<![\w.\-])(?P<key>{key})[ \t]*(?:"
        # password=x&login=y / ?token=x / api_key = x  (a value ends where a URL or form parameter ends)
        rf"=[ \t]*(?P<evalue>b?{_DQ}|b?{_SQ}|[^\s&#,;\"'()\[\]{{}}<>]+)"
        # Authorization: Bearer x / X-Auth-Token: x / Set-Cookie: sessionid=x; Path=/  (to the end of the line)
        rf"|:[ \t]*(?P<cvalue>b?{_DQ}|b?{_SQ}|[^\s][^\r\n]*))",
        re.IGNORECASE,
    )


# A bare token in prose: Bearer/OAuth credentials, Yandex IAM (t1.) and OAuth (y0_, AQAAAA) tokens,
# OpenStack/Selectel Keystone (Fernet) tokens; long enough not to be an instance type like t1.micro.
_BARE_TOKEN = re.compile(
    r"\b(?:(?P<scheme>(?:Bearer|OAuth)[ \t]+)[A-Za-z0-9._~+/=\-]+"
    r"|(?P<prefix>t1\.|y[0-9]_|AQAAAA|gAAAAA)[A-Za-z0-9._=\-]{20,})"
)
_BARE_TOKEN_STARTS = ("Bearer", "OAuth", "t1.", "AQAAAA", "gAAAAA", *(f"y{digit}_" for digit in range(10)))
# The cheap first look (substring tests, no regular expression): a key can hold a secret only if the
# lower-cased text without separators contains one of the markers.
_MARKERS = (*SECRET_MARKERS, *sorted(DROPPED_KEYS))
# What an Authorization value starts with stays readable: it tells which credential was sent.
_AUTH_SCHEME = re.compile(r"(?:Bearer|Basic|Digest|OAuth|Token|Negotiate|Api-Key|AWS4-HMAC-SHA256)[ \t]+")
_PEM = re.compile(
    r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----).*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.DOTALL
)


def _masked_value(key: str, value: str) -> str:
    """``***`` in the value's own quotes (and bytes prefix); an Authorization value keeps its scheme."""
    prefix = "b" if value[:2] in ("b'", 'b"') else ""
    value = value[len(prefix):]
    quote = ""
    for opening in ('\\"', '"', "'"):
        if value.startswith(opening):
            quote = opening
            break
    closed = len(value) >= 2 * len(quote) and value.endswith(quote) if quote else False
    inner = value[len(quote):len(value) - len(quote)] if closed else value[len(quote):]
    scheme = _AUTH_SCHEME.match(inner) if "authorization" in key.lower() else None
    kept = scheme.group(0) if scheme else ""
    return f"{prefix}{quote}{kept}{MASK}{quote if closed else ''}"


def _mask_key_value(match: re.Match[str]) -> str:
    value_group = next(g for g in ("qvalue", "evalue", "cvalue") if match.group(g) is not None)
    head = match.group(0)[: match.start(value_group) - match.start()]
    return head + _masked_value(match.group("qkey") or match.group("key"), match.group(value_group))


def _mask_bare_token(match: re.Match[str]) -> str:
    return (match.group("scheme") or match.group("prefix")) + MASK


def redact(text: str) -> str:
    """``text`` with every secret it holds replaced by ``***``; everything else unchanged."""
    if "PRIVATE KEY-----" in text:
        text = _PEM.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2)}", text)
    squeezed = text.lower().replace("_", "").replace("-", "").replace(".", "")
    present = tuple(marker for marker in _MARKERS if marker in squeezed)
    if present:
        text = _key_value_pattern(present).sub(_mask_key_value, text)
    if any(start in text for start in _BARE_TOKEN_STARTS):
        text = _BARE_TOKEN.sub(_mask_bare_token, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Masks secrets in the message and in the formatted traceback (a URL with ``?token=`` in an
    exception message is as much a leak as one in the message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not kill logging
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class ClientErrorWithoutTracebackFilter(logging.Filter):
    """``django.request`` logs a 403 page (PermissionDenied) or a 400 (BadRequest, SuspiciousOperation)
    with the exception's traceback: for an expected refusal that is noise. Keep the one warning line."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info, record.exc_text = None, None
        return True
