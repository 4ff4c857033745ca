"""Tag governance (``/settings/tags/``): required keys and per key the allowed values, kept in the organization's
tag governance policy and evaluated by the guardrails on real resources; viewers read, cannot change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django_tenants.utils import schema_context

from apps.common.errors import ApplicationError
from apps.inventory.models import ResourceTag
from apps.recommendations import selectors, services
from apps.recommendations.models import Finding, Policy
from apps.recommendations.policies import policy_clean
from tests.recommendations.conftest import connection_make, volume_make
from tests.utils import russian

pytestmark = pytest.mark.django_db

PAGE = "/settings/tags/"
NOW = datetime(2030, 6, 12, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def estate(w):
    """Three disks: «disk-ok» env=prod, team=data; «disk-qa» env=qa (not allowed), team=web; «disk-bare» only
    env=stage (team missing)."""
    with schema_context(w.alpha.schema_name):
        conn = connection_make()
        disks = {}
        for name, tags in (("disk-ok", {"env": "prod", "team": "data"}), ("disk-qa", {"env": "qa", "team": "web"}),
                           ("disk-bare", {"env": "stage"})):
            disk = volume_make(conn, name)
            ResourceTag.objects.bulk_create([ResourceTag(resource=disk, key=k, value=v) for k, v in tags.items()])
            disks[name] = disk.pk
    return disks


def _rows(data: list[tuple[str, str]]) -> dict[str, list[str]]:
    return {"key": [k for k, _v in data], "values": [v for _k, v in data]}


def test_manager_sets_rules_and_the_guardrails_flag_disallowed_values(w, client_for, estate):
    client = client_for(w.adam, "alpha")
    page = client.get(PAGE)
    assert page.status_code == 200 and "Управление тегами" in page.content.decode()
    # env: only prod or stage; team: any value, but required. The third row is left blank.
    response = client.post(PAGE, _rows([("env", "prod, stage"), ("team", ""), ("", "")]))
    assert response.status_code == 302 and response["Location"] == PAGE
    with schema_context(w.alpha.schema_name):
        policy = selectors.tag_governance_policy()
        assert policy.params == {"tags": ["env", "team"], "fields": [], "allowed": {"env": ["prod", "stage"],
                                                                                    "team": []}}
        services.evaluate_now()
        found = {f.resource_id: f for f in Finding.objects.filter(policy=policy, status="open")}
    # disk-ok: env=prod allowed, team set -> clean. disk-qa: env=qa not in [prod, stage]. disk-bare: team missing.
    assert set(found) == {estate["disk-qa"], estate["disk-bare"]}
    assert found[estate["disk-qa"]].evidence["disallowed"] == ["#env=qa"]
    assert found[estate["disk-qa"]].evidence["missing"] == []
    assert found[estate["disk-bare"]].evidence["missing"] == ["#team"]
    # The page counts the open violations.
    assert client.get(PAGE).context["violations"] == 2


def test_allowing_the_value_clears_the_violation(w, client_for, estate):
    client = client_for(w.adam, "alpha")
    client.post(PAGE, _rows([("env", "prod, stage, qa")]))
    with schema_context(w.alpha.schema_name):
        services.evaluate_now()
        assert not Finding.objects.filter(category="policy", status="open").exists()


def test_the_page_edits_the_existing_required_tags_policy(w, client_for, estate):
    with schema_context(w.alpha.schema_name):
        existing = services.policy_create(actor=w.adam, name="Теги", kind="required_tags",
                                          params={"tags": ["owner"], "fields": ["cost_center"]})
    client = client_for(w.adam, "alpha")
    assert [r["key"] for r in client.get(PAGE).context["rows"] if r["key"]] == ["owner"]
    client.post(PAGE, _rows([("owner", ""), ("env", "prod")]))
    with schema_context(w.alpha.schema_name):
        assert Policy.objects.count() == 1
        existing.refresh_from_db()
        # The business fields set on the policy's own form stay.
        assert existing.params == {"tags": ["owner", "env"], "fields": ["cost_center"],
                                   "allowed": {"owner": [], "env": ["prod"]}}


def test_a_duplicate_key_is_refused_in_russian(w, client_for, estate):
    response = client_for(w.adam, "alpha").post(PAGE, _rows([("env", "prod"), ("env", "stage")]))
    assert response.status_code == 400
    assert response.context["error"] == russian("The tag key «%(key)s» is listed twice.", key="env")
    with schema_context(w.alpha.schema_name):
        assert not Policy.objects.exists()


def test_viewer_reads_the_rules_but_cannot_change_them(w, client_for, estate):
    client = client_for(w.vera, "alpha")
    assert client.get(PAGE).status_code == 200
    assert client.post(PAGE, _rows([("env", "prod")])).status_code == 403
    with schema_context(w.alpha.schema_name):
        assert not Policy.objects.exists()


def test_policy_clean_checks_allowed_values():
    params, _scope = policy_clean(kind="required_tags", params={"allowed": {" env ": ["prod", " prod "]}}, scope={})
    assert params == {"tags": [], "fields": [], "allowed": {"env": ["prod"]}}
    with pytest.raises(ApplicationError) as caught:
        policy_clean(kind="required_tags", params={"tags": ["env"], "allowed": {"env": "prod"}}, scope={})
    assert set(caught.value.extra["fields"]) == {"params.allowed"}
