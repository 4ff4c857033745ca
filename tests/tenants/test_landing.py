"""The landing page advertises only the providers that can be connected; the others are marked «скоро»."""

from __future__ import annotations

import re


def _lineup(html: str) -> dict[str, str]:
    badge = re.search(r"<span[^>]*data-provider-lineup>(.*?)</span>\s*<h1", html, re.S)
    assert badge, "no provider lineup on the landing page"
    return dict(re.findall(r'<span data-provider="([a-z]+)"[^>]*>([^<]+)</span>', badge[1]))


def test_the_landing_page_marks_providers_without_a_plugin_as_coming_soon(w, client_for):
    html = client_for(None, None, HTTP_ACCEPT_LANGUAGE="ru").get("/").content.decode()
    assert _lineup(html) == {
        "yandex": "Yandex Cloud",
        "vk": "VK Cloud (скоро)",
        "selectel": "Selectel",
        "cloudru": "Cloud.ru (скоро)",
        "timeweb": "Timeweb Cloud",
    }


def test_a_provider_becomes_connectable_on_the_landing_page_once_registered(w, client_for, monkeypatch):
    from apps.providers import registry

    monkeypatch.setitem(registry.PROVIDERS, "timeweb", registry.PROVIDERS["beget"])
    registry.get_spec.cache_clear()
    try:
        html = client_for(None, None, HTTP_ACCEPT_LANGUAGE="ru").get("/").content.decode()
    finally:
        monkeypatch.undo()
        registry.get_spec.cache_clear()
    assert "(скоро)" not in _lineup(html)["timeweb"]
