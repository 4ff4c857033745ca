"""The landing page advertises the providers that can be connected; one without a plugin is marked «скоро»."""

from __future__ import annotations

import re


def _lineup(html: str) -> dict[str, str]:
    badge = re.search(r"<span[^>]*data-provider-lineup>(.*?)</span>\s*<h1", html, re.S)
    assert badge, "no provider lineup on the landing page"
    return dict(re.findall(r'<span data-provider="([a-z]+)"[^>]*>([^<]+)</span>', badge[1]))


def test_the_landing_page_lists_the_connectable_russian_clouds(w, client_for):
    html = client_for(None, None, HTTP_ACCEPT_LANGUAGE="ru").get("/").content.decode()
    assert _lineup(html) == {
        "yandex": "Yandex Cloud",
        "vkcloud": "VK Cloud",
        "selectel": "Selectel",
        "cloudru": "Cloud.ru Evolution",
        "timeweb": "Timeweb Cloud",
    }


def test_a_provider_without_a_plugin_is_shown_as_coming_soon(w, client_for, monkeypatch):
    from apps.providers import registry

    monkeypatch.delitem(registry.PROVIDERS, "timeweb")
    registry.get_spec.cache_clear()
    try:
        html = client_for(None, None, HTTP_ACCEPT_LANGUAGE="ru").get("/").content.decode()
    finally:
        monkeypatch.undo()
        registry.get_spec.cache_clear()
    assert _lineup(html)["timeweb"] == "Timeweb (скоро)"
