"""The explicit provider registry: key -> dotted path of its ``ProviderSpec``.

Imported lazily, so loading models or settings never imports provider clients. Adding a provider
means adding one line here (see CONTRIBUTING.md).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from .plugins.base import ProviderPlugin, ProviderSpec

PROVIDERS: dict[str, str] = {
    "beget": "apps.providers.plugins.beget.spec.SPEC",
    "yandex": "apps.providers.plugins.yandex.spec.SPEC",
    "selectel": "apps.providers.plugins.selectel.spec.SPEC",
    "aws": "apps.providers.plugins.aws.spec.SPEC",
    "openstack": "apps.providers.plugins.openstack.spec.SPEC",
    "cloudru": "apps.providers.plugins.cloudru.spec.SPEC",
    "vkcloud": "apps.providers.plugins.vkcloud.spec.SPEC",
    "timeweb": "apps.providers.plugins.timeweb.spec.SPEC",
}
# The keys a client may send, for the API schema's enum (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
PROVIDER_KEYS: tuple[str, ...] = tuple(PROVIDERS)


class UnknownProvider(KeyError):
    pass


def provider_keys() -> list[str]:
    return list(PROVIDERS)


@cache
def get_spec(key: str) -> ProviderSpec:
    try:
        path = PROVIDERS[key]
    except KeyError:
        raise UnknownProvider(key) from None
    return import_string(path)


def provider_choices() -> list[tuple[str, str]]:
    """Model and form choices: (key, label). A callable, so migrations do not freeze the list."""
    return [(key, str(get_spec(key).label)) for key in PROVIDERS]


def build_plugin(key: str, *, credentials: dict[str, Any], endpoint: str = "", **options: Any) -> ProviderPlugin:
    spec = get_spec(key)
    plugin_class = import_string(spec.plugin)
    return plugin_class(credentials=credentials, endpoint=endpoint or spec.default_endpoint, **options)
