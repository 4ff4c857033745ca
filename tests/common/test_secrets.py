"""The one rule for secrets in provider JSON: stored without them, shown masked."""

from __future__ import annotations

import copy

from apps.common.secrets import is_secret_key, mask_secrets, strip_secrets


def test_the_stripper_reads_keys_in_any_spelling_and_keeps_the_rest():
    data = {"User-Data": 1, "userData": 2, "SSH_Keys": [3], "passwd": 4, "SecretAccessKey": 5, "access_key": 6,
            "apiKey": 7, "credentials": {"x": 8}, "PrivateKey": 9, "pass": 10, "adminPass": 11,
            "ssl_certificate": "-----BEGIN", "metadata": {"env": "prod"},
            "fine": {"Key": "env", "Value": "prod"}, "PrivateIpAddress": "10.0.0.1", "provider_key": "ok",
            "KeyName": "deploy", "items": [{"token": 12, "name": "kept"}]}
    assert strip_secrets(data) == {"fine": {"Key": "env", "Value": "prod"}, "PrivateIpAddress": "10.0.0.1",
                                   "provider_key": "ok", "KeyName": "deploy", "items": [{"name": "kept"}]}


def test_stripping_never_changes_its_input_and_returns_clean_json_as_it_is():
    dirty = {"a": {"b": [{"password": "x", "c": 1}], "d": [1, 2]}}
    before = copy.deepcopy(dirty)
    stripped = strip_secrets(dirty)
    assert dirty == before and stripped == {"a": {"b": [{"c": 1}], "d": [1, 2]}}
    assert stripped["a"]["d"] is dirty["a"]["d"]  # untouched parts are shared, not copied
    clean = {"a": {"b": [{"c": 1}]}, "e": "f"}
    assert strip_secrets(clean) is clean


def test_the_page_masks_non_empty_secret_values_with_the_same_rule():
    data = {"api_token": "tok", "password": "", "nested": [{"user-data": "#cloud-config", "name": "web"}]}
    assert mask_secrets(data, mask="***") == {"api_token": "***", "password": "",
                                              "nested": [{"user-data": "***", "name": "web"}]}
    assert is_secret_key("X-Auth-Token") and not is_secret_key("hostname")


def test_the_http_headers_that_carry_a_credential_are_secret_keys():
    for header in ("Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Auth-Token", "X-Token"):
        assert is_secret_key(header), header
    assert not is_secret_key("Content-Type") and not is_secret_key("X-Request-Id")
