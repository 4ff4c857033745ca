"""Russian by default, English on request: pages, the language switch and API errors."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.utils import CYRILLIC, api_error, russian

TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def title(response) -> str:
    match = TITLE.search(response.content.decode())
    assert match, response.content[:300]
    return match[1]


@pytest.mark.parametrize("slug", [None, "alpha"])
def test_login_page_is_russian_by_default(w, client_for, slug):
    response = client_for(None, slug).get("/accounts/login/")
    assert response.status_code == 200
    assert response["Content-Language"] == "ru"
    assert CYRILLIC.search(title(response))
    assert "Войти" in response.content.decode()


@pytest.mark.parametrize("slug", [None, "alpha"])
def test_login_page_is_english_with_accept_language(w, client_for, slug):
    response = client_for(None, slug, HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert not CYRILLIC.search(title(response))
    assert "Войти" not in response.content.decode()


@pytest.mark.parametrize("slug", [None, "alpha"])
def test_language_switch_makes_pages_english(w, client_for, slug):
    client = client_for(None, slug)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/")
    assert page["Content-Language"] == "en"
    assert not CYRILLIC.search(title(page))
    # And back.
    client.post("/i18n/setlang/", {"language": "ru", "next": "/accounts/login/"})
    assert client.get("/accounts/login/")["Content-Language"] == "ru"


def test_language_switch_survives_logging_in(w, client_for):
    client = client_for(None, "alpha")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.post("/accounts/login/", {"login": "alice@alpha.test", "password": PASSWORD}).status_code == 302
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"


def test_api_errors_are_russian_by_default(w, client_for):
    error = api_error(client_for(None, "alpha").get("/api/v1/me/"), 401, "not_authenticated")
    assert CYRILLIC.search(error["message"])
    error = api_error(client_for(w.vera, "alpha").get("/api/v1/members/"), 403, "permission_denied")
    assert error["message"] == russian("Your role does not allow this action.")
    assert CYRILLIC.search(error["message"])


def test_own_api_error_messages_are_russian_by_default(w, client_for):
    response = client_for(None, "alpha").post(
        "/api/v1/auth/token/", {"email": "alice@alpha.test", "password": "nope-nope-1"}, content_type="application/json"
    )
    error = api_error(response, 401, "authentication_failed")
    assert error["message"] == russian("Invalid email or password.")
    assert CYRILLIC.search(error["message"])


def test_api_errors_are_english_with_accept_language(w, client_for):
    error = api_error(client_for(None, "alpha", HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/me/"), 401)
    assert error["message"] == "Authentication credentials were not provided."
    response = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/members/")
    assert api_error(response, 403)["message"] == "Your role does not allow this action."
