"""VK Cloud's OpenStack services beyond the shared client (``apps/providers/plugins/openstack/client.py``):
Trove databases, Magnum clusters, and (until the shared package has them) Cinder snapshots and Glance images.
HTTP only, through the shared client's authenticated ``get``/``paged``: each is a plain function of an
``OpenStackClient``, so moving one into the shared package later is a one-line switch in ``plugin.py``.

Paging as each API documents it:
- Trove ``GET /v1.0/{project_id}/instances``: ``limit`` + ``marker``, the next page in ``links`` (rel=next);
- Magnum ``GET /v1/clusters``: ``limit`` + ``marker``, the next page's URL in ``next``;
- Cinder ``GET /v3/{project_id}/snapshots/detail``: ``snapshots_links`` (the shared ``paged``);
- Glance ``GET /v2/images?owner=<project>``: the next page's path (``/v2/images?marker=...``) in ``next``.
"""

from __future__ import annotations

from typing import Any

from apps.providers.exceptions import ProviderBadResponse
from apps.providers.plugins.openstack.client import MAX_PAGES, PAGE_SIZE, OpenStackClient

MAGNUM_VERSION = {"OpenStack-API-Version": "container-infra latest"}


def _with_project(url: str, project_id: str) -> str:
    """A catalog URL that may or may not end with the project (Trove, Cinder)."""
    url = url.rstrip("/")
    return url if not project_id or url.endswith(project_id) else f"{url}/{project_id}"


def _pages(client: OpenStackClient, url: str, *, items_key: str, endpoint: str, next_of,
           headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_url, params = url, {"limit": PAGE_SIZE}
    for _page in range(MAX_PAGES):
        body = client.get(next_url, endpoint=endpoint, params=params, headers=headers)
        page = body.get(items_key) if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise ProviderBadResponse(endpoint=endpoint, detail=f"{items_key} is not a list")
        items.extend(item for item in page if isinstance(item, dict))
        following = next_of(body)
        if not page or not following:
            break
        next_url, params = str(following), None
    return items


def _links_next(body: dict[str, Any]) -> str | None:
    links = body.get("links") if isinstance(body.get("links"), list) else []
    return next((link.get("href") for link in links if isinstance(link, dict) and link.get("rel") == "next"), None)


def trove_instances(client: OpenStackClient, database_url: str) -> list[dict[str, Any]]:
    """Trove ``/v1.0/{project_id}/instances``: the project's database instances."""
    base = _with_project(database_url, client.token().project_id)
    return _pages(client, f"{base}/instances", items_key="instances", endpoint="database/instances",
                  next_of=_links_next)


def magnum_clusters(client: OpenStackClient, container_infra_url: str) -> list[dict[str, Any]]:
    """Magnum ``/v1/clusters`` (the catalog URL usually ends with ``/v1`` already)."""
    base = container_infra_url.rstrip("/")
    base = base if base.endswith("/v1") else f"{base}/v1"
    return _pages(client, f"{base}/clusters", items_key="clusters", endpoint="container-infra/clusters",
                  next_of=lambda body: body.get("next"), headers=MAGNUM_VERSION)


