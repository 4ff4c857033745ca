"""The one rule for secret-looking keys in provider JSON: what is dropped before it is stored, and what a
page masks when it shows stored JSON.

The sync engine strips every record's ``provider_config`` with ``strip_secrets`` before the inventory
sees it, so a plugin cannot forget it; pages mask with ``mask_secrets`` in case older rows still hold one.
A key is compared lower-cased with ``-``, ``_``, ``.`` and spaces removed, so ``user-data``,
``user_data`` and ``UserData`` are one key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Substrings of a normalized key: passwords, secrets, tokens, private and access keys, credentials,
# certificates, SSH keys, cloud-init user data (where passwords and keys are pasted), and the HTTP headers
# that carry a credential (Authorization, Cookie, Set-Cookie). The log filter (apps.common.logging) masks
# the values of the same keys.
SECRET_MARKERS: tuple[str, ...] = (
    "password", "passwd", "passphrase", "adminpass", "secret", "token", "privatekey", "accesskey", "apikey",
    "credential", "certificate", "sshkey", "authorizedkey", "userdata", "authorization", "cookie",
)
# Whole keys dropped with everything under them: instance metadata is where cloud-init, user data and
# SSH keys live (Yandex, OpenStack).
DROPPED_KEYS: frozenset[str] = frozenset({"metadata", "pass", "pwd"})
_NOISE = re.compile(r"[\s_.\-]+")


def _normalized(key: Any) -> str:
    return _NOISE.sub("", str(key).lower())


def is_secret_key(key: Any) -> bool:
    """Whether values under ``key`` must never be stored or shown."""
    name = _normalized(key)
    return name in DROPPED_KEYS or any(marker in name for marker in SECRET_MARKERS)


def strip_secrets(value: Any) -> Any:
    """JSON-like ``value`` without the keys (at any depth) that hold secrets: a copy where something was
    dropped, ``value`` itself where nothing was (a sync's 10 000 clean payloads are not duplicated)."""
    if isinstance(value, Mapping):
        kept = {k: strip_secrets(v) for k, v in value.items() if not is_secret_key(k)}
        same = len(kept) == len(value) and all(kept[k] is v for k, v in value.items())
        return value if same else kept
    if isinstance(value, list | tuple):
        items = [strip_secrets(v) for v in value]
        return value if all(new is old for new, old in zip(items, value, strict=True)) else items
    return value


def mask_secrets(value: Any, *, mask: str) -> Any:
    """A copy of JSON-like ``value`` with the non-empty values under secret keys replaced by ``mask``."""
    if isinstance(value, Mapping):
        return {k: (mask if is_secret_key(k) and v not in (None, "", {}, []) else mask_secrets(v, mask=mask))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_secrets(v, mask=mask) for v in value]
    return value
