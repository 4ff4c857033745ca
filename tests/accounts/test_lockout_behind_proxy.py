"""Behind a trusted reverse proxy, the per-address login limit counts each client, not the proxy."""

from __future__ import annotations

from django.test import Client, override_settings
from django.utils.translation import gettext, override

from tests.conftest import BASE, PASSWORD

LOCKED_OUT = "Too many failed login attempts. Try again later."
PROXY = "10.0.0.5"  # every request reaches the web process from the proxy's address


def _login(client: Client, email: str, password: str, client_address: str) -> str:
    response = client.post(
        "/accounts/login/",
        {"login": email, "password": password},
        HTTP_X_FORWARDED_FOR=client_address,
        REMOTE_ADDR=PROXY,
    )
    return response.content.decode()


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1, ACCOUNT_RATE_LIMITS={"login_failed": "2/15m/ip,50/15m/key"})
def test_one_clients_failed_logins_through_the_proxy_do_not_lock_out_the_others(w):
    with override("ru"):
        locked_out = gettext(LOCKED_OUT)
    attacker, neighbour = Client(HTTP_HOST=BASE), Client(HTTP_HOST=BASE)
    for email in ("vera@alpha.test", "fiona@alpha.test"):
        assert locked_out not in _login(attacker, email, "wrong", "203.0.113.7")
    assert locked_out in _login(attacker, "erin@alpha.test", PASSWORD, "203.0.113.7")

    assert locked_out not in _login(neighbour, "erin@alpha.test", PASSWORD, "198.51.100.20")
    assert "_auth_user_id" in neighbour.session


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0, ACCOUNT_RATE_LIMITS={"login_failed": "2/15m/ip,50/15m/key"})
def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(w):
    with override("ru"):
        locked_out = gettext(LOCKED_OUT)
    client = Client(HTTP_HOST=BASE)
    for number, email in enumerate(("vera@alpha.test", "fiona@alpha.test")):
        assert locked_out not in _login(client, email, "wrong", f"203.0.113.{number}")
    assert locked_out in _login(client, "erin@alpha.test", PASSWORD, "203.0.113.99")
