"""Swagger UI at /api/docs/ comes from our own static files, so it works without the internet."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest


class _References(HTMLParser):
    """Every ``src`` and ``href`` the page asks the browser to load."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def references_of(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("slug", [None, "alpha"])
def test_api_docs_page_loads_swagger_ui_from_the_site_itself(w, client_for, slug):
    client = client_for(None, slug)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()

    assert "cdn.jsdelivr.net" not in html
    assert not re.search(r"""["'](https?:)?//""", html), "the page names an external host"
    urls = references_of(html)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in urls
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js" in urls
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in urls
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png" in urls


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("swagger-ui-bundle.js", "javascript", b"SwaggerUIBundle"),
        ("swagger-ui-standalone-preset.js", "javascript", b"SwaggerUIStandalonePreset"),
        ("swagger-ui.css", "text/css", b".swagger-ui"),
        ("favicon-32x32.png", "image/png", b"\x89PNG"),
    ],
)
def test_the_swagger_ui_files_the_docs_page_names_are_served(w, client_for, path, content_type, marker):
    response = client_for(None, "alpha").get(f"/static/drf_spectacular_sidecar/swagger-ui-dist/{path}")
    assert response.status_code == 200
    assert content_type in response["Content-Type"]
    assert marker in body_of(response)
