"""AWS through the connections API, against a moto server over real HTTP (the connection's endpoint)."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context

from apps.providers.models import ProviderConnection
from tests.fakecloud.aws import ACCOUNT_ID, aws_client, reset_moto, set_auth, start_moto

URL = "/api/v1/connections/"


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


@pytest.fixture(scope="module")
def moto_url():
    server, url = start_moto()
    yield url
    server.stop()


@pytest.fixture
def iam_keys(moto_url):
    """A real IAM user and key inside moto, with moto checking every later request's signature and policy."""
    reset_moto(moto_url)
    set_auth(moto_url, free_calls=3)
    iam = aws_client(moto_url, "iam")
    iam.create_user(UserName="infrazen")
    iam.put_user_policy(UserName="infrazen", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:GetCallerIdentity",
                                                                              "ec2:Describe*", "ce:Get*"],
                                                "Resource": "*"}]}))
    key = iam.create_access_key(UserName="infrazen")["AccessKey"]
    yield key["AccessKeyId"], key["SecretAccessKey"]
    set_auth(moto_url, free_calls="inf")


def _body(endpoint, key_id, secret, **extra):
    return {"provider": "aws", "name": "AWS prod", "endpoint": endpoint,
            "credentials": {"access_key_id": key_id, "secret_access_key": secret, "regions": "eu-central-1"},
            **extra}


def test_an_aws_connection_is_created_and_tested_against_a_moto_server(w, token_client, moto_url, iam_keys):
    key_id, secret = iam_keys
    client = token_client(w.alice, "alpha")
    created = client.post(URL, json.dumps(_body(moto_url, key_id, secret)), content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["provider"] == "aws" and "credentials" not in data
    assert sorted(data["credential_fields_set"]) == ["access_key_id", "regions", "secret_access_key"]
    response = client.post(f"{URL}{data['id']}/test/")
    assert response.status_code == 200, response.content
    info = response.json()["account_info"]
    assert info["account_id"] == ACCOUNT_ID and info["currency"] == "USD"
    detail = client.get(f"{URL}{data['id']}/").json()
    assert detail["status"] == "ok" and detail["account_info"]["server"]["regions"] == ["eu-central-1"]
    for text in (created.content, response.content, json.dumps(detail).encode()):
        assert secret.encode() not in text


def test_wrong_aws_keys_give_a_clear_error_and_nothing_is_stored(w, token_client, moto_url, iam_keys):
    key_id, _secret = iam_keys
    client = token_client(w.alice, "alpha")
    wrong = "wrong-secret-access-key-0000000000000000"
    response = client.post(f"{URL}test/", json.dumps(_body(moto_url, key_id, wrong)), content_type="application/json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "provider_auth" and error["message"]
    assert error["details"]["permanent"] is True
    assert "SignatureDoesNotMatch" in error["details"]["detail"]
    assert wrong not in response.content.decode()
    with schema_context(w.alpha.schema_name):
        assert ProviderConnection.objects.count() == 0


def test_an_unknown_access_key_is_an_auth_error_on_a_saved_connection(w, token_client, moto_url, iam_keys):
    client = token_client(w.alice, "alpha")
    created = client.post(URL, json.dumps(_body(moto_url, "AKIAUNKNOWNKEY000000", "whatever-secret")),
                          content_type="application/json")
    response = client.post(f"{URL}{created.json()['id']}/test/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "provider_auth"
    detail = client.get(f"{URL}{created.json()['id']}/").json()
    assert detail["status"] == "error" and detail["last_error_code"] == "provider_auth"
    assert "whatever-secret" not in json.dumps(detail)


def test_the_providers_list_offers_aws_with_a_secret_key_field(w, token_client):
    providers = token_client(w.vera, "alpha").get("/api/v1/providers/").json()
    aws = next(p for p in providers if p["key"] == "aws")
    fields = {f["name"]: f for f in aws["credential_fields"]}
    assert fields["secret_access_key"]["secret"] and not fields["access_key_id"]["secret"]
    assert fields["regions"]["required"] is False and fields["role_arn"]["required"] is False


def test_an_aws_connection_syncs_end_to_end_and_a_second_sync_changes_nothing(w, token_client, moto_url):
    from apps.providers.sync import sync_run_execute
    from tests.fakecloud.aws import TEST_KEY_ID, TEST_SECRET, seed_account

    reset_moto(moto_url)
    estate = seed_account(moto_url, seed=3, instances=2, regions=("eu-central-1",))
    client = token_client(w.alice, "alpha")
    body = _body(moto_url, TEST_KEY_ID, TEST_SECRET)
    connection_id = client.post(URL, json.dumps(body), content_type="application/json").json()["id"]

    def sync() -> dict:
        response = client.post(f"{URL}{connection_id}/sync/")
        assert response.status_code == 202, response.content
        run_id = response.json()["id"]
        with schema_context(w.alpha.schema_name):
            sync_run_execute(sync_run_id=run_id, plugin_options={"max_attempts": 2, "read_timeout": 5})
        run = client.get(f"/api/v1/sync/runs/{run_id}/")
        assert TEST_SECRET not in run.content.decode()
        return run.json()

    first = sync()
    assert first["status"] == "success", first
    # 2 instances + their 2 root volumes + the orphan volume + 2 Elastic IPs
    assert first["resources_found"] == 7 and first["resources_created"] == 7
    listed = client.get("/api/v1/resources/?page_size=100").json()["results"]
    by_id = {item["resource_id"]: item for item in listed}
    idle = by_id[estate["idle_address"]]
    assert idle["provider"] == "aws" and idle["currency"] == "USD" and idle["status"] == "inactive"
    assert idle["daily_cost"].startswith("0.12")
    assert by_id[estate["volumes"][0]]["status"] == "inactive"
    assert {by_id[i]["resource_type"] for _r, i in estate["instances"]} == {"ec2_instance"}
    second = sync()
    assert second["status"] == "success" and second["resources_created"] == 0
    assert second["resources_found"] == 7
