"""A provider's display details come from its ``ProviderSpec`` alone: registering a new one shows its tile,
colours, label, limit and spec-key labels on every page without editing anything else."""

from __future__ import annotations

import json
import re

import pytest
from django.template import Context, Template
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.inventory.models import Resource
from apps.providers import registry
from apps.providers.models import ProviderConnection
from apps.providers.plugins.base import Brand, Capability, CredentialField, ProviderSpec
from apps.providers.templatetags.providers_ui import chart_colors


class AcmePlugin:  # never built: the pages only read the spec
    pass


ACME = ProviderSpec(
    key="acmecloud",
    label="Acme Cloud",
    icon="",
    plugin="tests.providers.test_provider_display.AcmePlugin",
    credential_fields=(CredentialField("api_key", "API key", secret=True, widget="password"),),
    capabilities=frozenset({Capability.RESOURCES, Capability.ACCOUNT_INFO}),
    brand=Brand(badge="ACM", color="#123456", color_light="#ABCDEF", ink="#000000"),
    aliases=("ACME",),
    limit_labels={"gpu_hours": "GPU hours a month"},
    spec_labels={"gpu_model": ("GPU model", ""), "gpu_share": ("GPU share", "%")},
)


@pytest.fixture
def acme(monkeypatch):
    monkeypatch.setitem(registry.PROVIDERS, "acmecloud", "tests.providers.test_provider_display.ACME")
    registry.get_spec.cache_clear()
    yield ACME
    registry.get_spec.cache_clear()


def _connect(w) -> ProviderConnection:
    now = timezone.now()
    with schema_context(w.alpha.schema_name):
        connection = ProviderConnection.objects.create(
            provider="acmecloud", name="Acme production", credentials={"api_key": "k"},
            account_info={"account_id": "acme-1", "currency": "RUB", "balance": "10",
                          "limits": {"gpu_hours": {"used": "30", "limit": "100", "unit": "h"},
                                     "api_calls": {"used": "1", "limit": "2", "unit": ""}}})
        Resource.objects.create(connection=connection, provider="acmecloud", resource_id="g-1",
                                resource_name="trainer", resource_type="gpu_server", status="running",
                                specs={"gpu_model": "A100", "gpu_share": 50, "cpu_cores": 8},
                                first_seen_at=now, last_seen_at=now)
    return connection


TILE = re.compile(r'<span class="conn-logo provider-logo"[^>]*data-provider-logo="acmecloud"[^>]*>[^<]*</span>')


def _tiles(html: str) -> list[str]:
    return TILE.findall(html)


def test_a_registered_provider_shows_its_tile_label_and_limit_labels_on_the_connections_page(w, client_for, acme):
    _connect(w)
    html = client_for(w.alice, "alpha").get("/connections/").content.decode()
    tiles = _tiles(html)
    assert len(tiles) >= 3  # its card, its option in the add dialog and the header of its form
    for tile in tiles:
        assert ">ACM</span>" in tile
    # Its colours come from the site's brand stylesheet (the CSP allows no style attributes), linked by the page.
    assert '<link rel="stylesheet" href="/providers/brands.css">' in html
    css = client_for(w.alice, "alpha").get("/providers/brands.css")
    assert css["Content-Type"].startswith("text/css")
    assert ('[data-provider-logo="acmecloud"] { --provider-color: #123456; --provider-color-light: #ABCDEF; '
            "--provider-ink: #000000; }") in css.content.decode()
    assert 'data-provider-pick="acmecloud"' in html and "Acme Cloud" in html
    assert "GPU hours a month" in html  # its own limit label
    assert "Api calls" in html  # a limit it did not label: the name in words


def test_its_resources_page_uses_its_label_tile_and_spec_key_labels(w, client_for, acme):
    connection = _connect(w)
    client = client_for(w.vera, "alpha")
    html = client.get("/resources/").content.decode()
    assert _tiles(html) and "<h2>Acme Cloud</h2>" in html
    assert '<option value="acmecloud">Acme Cloud</option>' in html
    assert "<dt>GPU model</dt><dd>A100</dd>" in html and "<dt>GPU share</dt><dd>50\u00a0%</dd>" in html
    assert "<dt>vCPU</dt><dd>8</dd>" in html  # a provider-neutral key keeps the inventory's label
    with schema_context(w.alpha.schema_name):
        pk = Resource.objects.get(connection=connection).pk
    detail = client.get(f"/resources/{pk}/").content.decode()
    assert "Acme Cloud · Acme production" in detail and "<dt>GPU model</dt><dd>A100</dd>" in detail


def test_its_brand_colour_reaches_the_charts_under_its_label_and_aliases(acme):
    colors = chart_colors()
    assert colors["Acme Cloud"] == colors["ACME"] == "#123456"
    html = Template('{% load providers_ui %}{% provider_colors_json "c" %}').render(Context())
    assert json.loads(re.search(r">(.*)</script>", html).group(1))["ACME"] == "#123456"


def test_a_provider_key_without_a_plugin_gets_its_first_letters_on_the_app_colours():
    html = Template('{% load providers_ui %}{% provider_logo "gone" "dash-logo" %}|{{ "gone"|provider_label }}').render(
        Context())
    assert html == '<span class="dash-logo provider-logo" data-provider-logo="gone" aria-hidden="true">GON</span>|gone'


def test_every_registered_provider_has_a_brand():
    assert {"beget", "yandex", "selectel", "aws"} <= set(registry.provider_keys())  # the loop checks something
    for key in registry.provider_keys():
        brand = registry.get_spec(key).brand
        assert brand is not None and brand.badge and brand.color, key


def test_a_brand_colour_must_be_a_hex_colour():
    with pytest.raises(ValueError):
        Brand(badge="X", color="red; background: url(x)")
