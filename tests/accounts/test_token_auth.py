"""API tokens: issued for email + password to those with access to the host, with lockout after failures."""

from __future__ import annotations

import pytest

from apps.accounts.models import ApiToken, User
from tests.conftest import PASSWORD
from tests.utils import api_error

WRONG = "Wrong-Horse-41"


def obtain(client_for, slug, email, password):
    return client_for(None, slug).post(
        "/api/v1/auth/token/", {"email": email, "password": password}, content_type="application/json"
    )


def assert_no_password(response, *passwords):
    for password in passwords:
        assert password.encode() not in response.content
        for value in response.headers.values():
            assert password not in value


def test_member_gets_a_token_that_works(w, client_for):
    response = obtain(client_for, "alpha", "alice@alpha.test", PASSWORD)
    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    key = response.json()["token"]
    assert ApiToken.objects.filter(user=w.alice).count() == 1
    assert_no_password(response, PASSWORD)

    me = client_for(None, "alpha", HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["user"]["email"] == "alice@alpha.test"


def test_email_is_case_insensitive(w, client_for):
    assert obtain(client_for, "alpha", "Alice@Alpha.TEST", PASSWORD).status_code == 200


def test_every_exchange_issues_a_new_token_and_both_work(w, client_for):
    # Only hashes are stored, so an earlier token cannot be handed out again: each exchange makes a new one.
    first = obtain(client_for, "alpha", "vera@alpha.test", PASSWORD).json()["token"]
    second = obtain(client_for, "alpha", "vera@alpha.test", PASSWORD).json()["token"]
    assert first != second
    for key in (first, second):
        assert client_for(None, "alpha", HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me/").status_code == 200


def test_operator_gets_a_token_on_a_client_host(w, client_for):
    assert obtain(client_for, "gamma", "oscar@msp.test", PASSWORD).status_code == 200


def test_member_of_another_organization_gets_no_token(w, client_for):
    response = obtain(client_for, "beta", "alice@alpha.test", PASSWORD)
    api_error(response, 403, "permission_denied")
    assert not ApiToken.objects.filter(user=w.alice).exists()
    assert_no_password(response, PASSWORD)


def test_wrong_password_is_401_with_the_error_shape(w, client_for):
    response = obtain(client_for, "alpha", "alice@alpha.test", WRONG)
    api_error(response, 401, "authentication_failed")
    assert not ApiToken.objects.filter(user=w.alice).exists()
    assert_no_password(response, WRONG, PASSWORD)


def test_unknown_email_is_401_like_a_wrong_password(w, client_for):
    api_error(obtain(client_for, "alpha", "nobody@alpha.test", WRONG), 401, "authentication_failed")


def test_inactive_user_gets_no_token(w, client_for):
    User.objects.filter(pk=w.vera.pk).update(is_active=False)
    api_error(obtain(client_for, "alpha", "vera@alpha.test", PASSWORD), 401, "authentication_failed")
    assert not ApiToken.objects.filter(user=w.vera).exists()


def test_malformed_input_is_400_and_does_not_echo_the_password(w, client_for):
    response = client_for(None, "alpha").post(
        "/api/v1/auth/token/", {"email": "not-an-email", "password": WRONG}, content_type="application/json"
    )
    error = api_error(response, 400, "invalid")
    assert "email" in error["details"]
    assert_no_password(response, WRONG)


def test_five_wrong_passwords_lock_the_account(w, client_for):
    responses = [obtain(client_for, "alpha", "alice@alpha.test", WRONG) for _ in range(5)]
    assert [r.status_code for r in responses] == [401] * 5
    locked = obtain(client_for, "alpha", "alice@alpha.test", PASSWORD)
    api_error(locked, 429, "throttled")
    assert not ApiToken.objects.filter(user=w.alice).exists()
    for response in [*responses, locked]:
        assert_no_password(response, WRONG, PASSWORD)
    # Another account is not affected.
    assert obtain(client_for, "beta", "bob@beta.test", PASSWORD).status_code == 200


def test_four_wrong_passwords_do_not_lock_the_account(w, client_for):
    for _ in range(4):
        assert obtain(client_for, "alpha", "alice@alpha.test", WRONG).status_code == 401
    assert obtain(client_for, "alpha", "alice@alpha.test", PASSWORD).status_code == 200


def test_lockout_counts_failures_on_every_host(w, client_for):
    for slug in ["beta", "gamma", None, "alpha", "beta"]:
        assert obtain(client_for, slug, "alice@alpha.test", WRONG).status_code == 401
    api_error(obtain(client_for, "alpha", "alice@alpha.test", PASSWORD), 429, "throttled")


def test_lockout_also_blocks_the_login_page(w, client_for):
    for _ in range(5):
        obtain(client_for, "alpha", "alice@alpha.test", WRONG)
    client = client_for(None, "alpha")
    response = client.post("/accounts/login/", {"login": "alice@alpha.test", "password": PASSWORD})
    assert response.status_code != 302
    assert client.get("/").status_code == 302  # not logged in


def test_operator_gets_a_token_on_the_public_host(w, client_for, token_client):
    response = obtain(client_for, None, "oscar@msp.test", PASSWORD)
    assert response.status_code == 200
    key = response.json()["token"]
    listed = client_for(None, None, HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/partner/organizations/")
    assert {o["slug"] for o in listed.json()["results"]} == {"alpha", "gamma"}


@pytest.mark.parametrize("email", ["alice@alpha.test", "charlie@beta.test"])
def test_plain_members_get_no_token_on_the_public_host(w, client_for, email):
    api_error(obtain(client_for, None, email, PASSWORD), 403, "permission_denied")
    assert not ApiToken.objects.filter(user__email=email).exists()
