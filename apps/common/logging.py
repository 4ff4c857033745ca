"""Log filter that masks anything that looks like a secret before it leaves the process."""

from __future__ import annotations

import logging
import re

_SECRET_KEYS = r"(password|passwd|secret|token|api[_-]?key|authorization|credentials|private[_-]?key|x-token)"
_PATTERNS = [
    re.compile(_SECRET_KEYS + r"(['\"]?\s*[:=]\s*['\"]?)([^'\"\s,;&}]+)", re.IGNORECASE),
    re.compile(r"(Bearer\s+|Token\s+|OAuth\s+)([A-Za-z0-9._~+/=-]+)", re.IGNORECASE),
]
MASK = "***"


def redact(text: str) -> str:
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _PATTERNS[1].sub(lambda m: f"{m.group(1)}{MASK}", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not kill logging
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True
