"""An MSP operator works in the partner's client organizations without memberships, via single-use hand-offs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.accounts.models import LoginHandoff, Membership
from apps.accounts.services import handoff_create
from tests.utils import api_error

HANDOFF = re.compile(r"^http://(?P<host>[a-z0-9-]+\.infrazen\.test)(?P<path>/auth/handoff/(?P<id>[0-9a-f-]{36})/)$")


def test_operator_has_no_membership_of_his_own(w):
    assert not Membership.objects.filter(user=w.oscar).exists()


@pytest.mark.parametrize("slug", ["alpha", "gamma"])
def test_operator_opens_the_partner_clients(w, client_for, slug):
    client = client_for(w.oscar, slug)
    assert client.get("/").status_code == 200
    assert client.get("/settings/members/").status_code == 200
    me = client.get("/api/v1/me/").json()
    assert (me["via"], me["role"], me["organization"]["slug"]) == ("partner", "admin", slug)


def test_operator_is_refused_outside_the_partner(w, client_for, token_client):
    assert client_for(w.oscar, "beta").get("/").status_code == 403
    assert client_for(w.oscar, "beta").get("/settings/members/").status_code == 403
    api_error(client_for(w.oscar, "beta").get("/api/v1/me/"), 403, "permission_denied")
    api_error(token_client(w.oscar, "beta").get("/api/v1/members/"), 403, "permission_denied")


def test_member_role_wins_over_partner_role(w, client_for):
    from apps.accounts.roles import Role

    Membership.objects.create(user=w.oscar, organization=w.alpha, role=Role.VIEWER)
    me = client_for(w.oscar, "alpha").get("/api/v1/me/").json()
    assert (me["via"], me["role"]) == ("member", "viewer")


def test_organization_list_shows_the_partner_clients_only(w, client_for):
    response = client_for(w.oscar, None).get("/orgs/")
    assert response.status_code == 200
    listed = {o.slug for o in response.context["clients"]} | {o.slug for o in response.context["organizations"]}
    assert listed == {"alpha", "gamma"}


def test_member_of_one_organization_is_sent_straight_into_it(w, client_for):
    response = client_for(w.charlie, None).get("/orgs/")
    assert response.status_code == 302
    match = HANDOFF.match(response["Location"])
    assert match and match["host"] == "beta.infrazen.test", response["Location"]


def follow_go(client, slug: str) -> re.Match:
    response = client.get(f"/go/{slug}/")
    assert response.status_code == 302
    match = HANDOFF.match(response["Location"])
    assert match, response["Location"]
    return match


def test_go_hands_the_operator_over_to_the_client_host(w, client_for):
    match = follow_go(client_for(w.oscar, None), "alpha")
    assert match["host"] == "alpha.infrazen.test"

    fresh = client_for(None, "alpha")
    response = fresh.get(match["path"])
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert fresh.get("/").status_code == 200
    assert fresh.get("/api/v1/me/").json()["user"]["email"] == "oscar@msp.test"


def test_go_keeps_a_local_next_path_and_drops_a_foreign_one(w, client_for):
    client = client_for(w.oscar, None)
    match = client.get("/go/alpha/?next=/settings/members/")
    fresh = client_for(None, "alpha")
    assert fresh.get(HANDOFF.match(match["Location"])["path"])["Location"] == "/settings/members/"
    match = client.get("/go/alpha/?next=//evil.com/")
    fresh = client_for(None, "alpha")
    assert fresh.get(HANDOFF.match(match["Location"])["path"])["Location"] == "/"
    for foreign in ("http://evil.com/", "/\\evil.com"):
        match = client.get("/go/alpha/", {"next": foreign})
        location = client_for(None, "alpha").get(HANDOFF.match(match["Location"])["path"])["Location"]
        assert location.startswith("/") and not location.startswith("//") and "\\" not in location, location


@pytest.mark.parametrize("slug", ["beta", "nosuch", "public"])
def test_go_to_an_organization_out_of_reach_is_not_found(w, client_for, slug):
    assert client_for(w.oscar, None).get(f"/go/{slug}/").status_code == 404
    assert not LoginHandoff.objects.filter(user=w.oscar).exists()


def test_handoff_link_is_single_use(w, client_for):
    match = follow_go(client_for(w.oscar, None), "alpha")
    first = client_for(None, "alpha")
    assert first.get(match["path"])["Location"] == "/"

    second = client_for(None, "alpha")
    response = second.get(match["path"])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert second.get("/").status_code == 302  # still anonymous
    assert "_auth_user_id" not in second.session


def test_handoff_link_expires(w, client_for):
    match = follow_go(client_for(w.oscar, None), "alpha")
    LoginHandoff.objects.filter(pk=match["id"]).update(
        created_at=timezone.now() - timedelta(seconds=settings.HANDOFF_MAX_AGE + 1)
    )
    fresh = client_for(None, "alpha")
    response = fresh.get(match["path"])
    assert response["Location"].startswith("/accounts/login/")
    assert fresh.get("/").status_code == 302


def test_handoff_link_just_before_expiry_still_works(w, client_for):
    match = follow_go(client_for(w.oscar, None), "alpha")
    LoginHandoff.objects.filter(pk=match["id"]).update(
        created_at=timezone.now() - timedelta(seconds=settings.HANDOFF_MAX_AGE - 10)
    )
    fresh = client_for(None, "alpha")
    assert fresh.get(match["path"])["Location"] == "/"
    assert fresh.get("/").status_code == 200


def test_handoff_for_alpha_does_not_work_on_gamma(w, client_for):
    match = follow_go(client_for(w.oscar, None), "alpha")
    on_gamma = client_for(None, "gamma")
    response = on_gamma.get(match["path"])
    assert response["Location"].startswith("/accounts/login/")
    assert on_gamma.get("/").status_code == 302
    # Not consumed by the failed attempt: it still works where it belongs.
    assert client_for(None, "alpha").get(match["path"])["Location"] == "/"


def test_handoff_stops_working_when_access_is_gone(w, client_for):
    handoff = handoff_create(user=w.erin, organization=w.alpha)
    Membership.objects.filter(user=w.erin, organization=w.alpha).delete()
    fresh = client_for(None, "alpha")
    assert fresh.get(f"/auth/handoff/{handoff.pk}/")["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in fresh.session


def test_malformed_handoff_id_is_not_found(w, client_for):
    assert client_for(None, "alpha").get("/auth/handoff/not-a-uuid/").status_code == 404


def test_partner_api_lists_the_partner_clients(w, token_client):
    response = token_client(w.oscar, None).get("/api/v1/partner/organizations/")
    assert response.status_code == 200
    assert {o["slug"] for o in response.json()["results"]} == {"alpha", "gamma"}
    assert {o["host"] for o in response.json()["results"]} == {"alpha.infrazen.test", "gamma.infrazen.test"}


def test_partner_api_refuses_non_operators(w, token_client, client_for):
    api_error(token_client(w.alice, None).get("/api/v1/partner/organizations/"), 403, "permission_denied")
    api_error(client_for(None, None).get("/api/v1/partner/organizations/"), 401, "not_authenticated")


def test_partner_api_is_only_on_the_public_host(w, token_client):
    assert token_client(w.oscar, "alpha").get("/api/v1/partner/organizations/").status_code == 404


def test_an_operator_finds_the_msp_console_in_a_client_organization_switcher(w, client_for):
    html = client_for(w.oscar, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/").content.decode()
    link = re.search(r'<a href="([^"]+)" data-msp-console>.*?</a>', html, re.S)
    assert link, "no MSP console link"
    assert link[1] == "http://infrazen.test/console/"
    assert "Консоль MSP" in link[0]


def test_a_member_without_a_partner_sees_no_msp_console_link(w, client_for):
    html = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/").content.decode()
    assert "data-msp-console" not in html and "Консоль MSP" not in html
