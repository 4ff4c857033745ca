"""The settings index lists every section with a line about it, each only to the roles its page admits."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _sections(client) -> list[str]:
    response = client.get("/settings/")
    assert response.status_code == 200
    return [s.url_name for s in response.context["sections"]]


def test_owner_sees_every_section_in_russian(w, client_for):
    client = client_for(w.alice, "alpha")
    assert _sections(client) == [
        "settings_organization", "settings_members", "settings_invitations", "notifications_settings",
        "notifications_preferences", "settings_tags", "settings_api_tokens", "recommendations_policies",
        "settings_audit"]
    html = client.get("/settings/").content.decode()
    assert "Профиль организации и реквизиты" in html and "Управление тегами" in html
    for section in client.get("/settings/").context["sections"]:
        assert client.get(_url(section.url_name)).status_code == 200, section.url_name


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name, urlconf="infrazen.urls_tenant")


def test_viewer_sees_only_what_the_role_opens(w, client_for):
    # A viewer has no members or audit permission.
    assert _sections(client_for(w.vera, "alpha")) == [
        "settings_organization", "notifications_settings", "notifications_preferences", "settings_tags",
        "settings_api_tokens", "recommendations_policies"]
