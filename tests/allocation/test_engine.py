"""apps.allocation.engine without the database: condition validation (a regex error points at its position, in
Russian), and evaluation: first match per dimension, overrides first, equals without case, in, exists, tags."""

from __future__ import annotations

import pytest
from django.utils import translation

from apps.allocation.engine import (
    ConditionError,
    SignatureAttrs,
    compile_rule,
    conditions_validate,
    evaluate,
    regex_error,
    rules_matching,
)


def sig(name: str, *, service: str = "Compute Cloud", region: str = "ru-central1", tags: dict | None = None,
        connection_id: int | None = 1, hierarchy: tuple[str, ...] = ()) -> SignatureAttrs:
    return SignatureAttrs(values={"name": (name,), "service": (service,), "region": (region,),
                                  "hierarchy": hierarchy, "provider": ("Yandex Cloud", "yandex")},
                          tags=tags or {}, connection_id=connection_id, resource_id=name)


def rule(rule_id: int, conditions: list, actions: dict):
    return compile_rule(id=rule_id, conditions=conditions, actions=actions)


ESTATE = [
    sig("shop-prod-web", tags={"team": "shop"}),
    sig("shop-dev-web"),
    sig("crm-prod-db", service="Managed PostgreSQL", hierarchy=("b1g-cloud", "crm-folder")),
    sig("legacy-box", region="ru-central1-b", tags={"owner": ""}),
]


def test_a_bad_regex_points_at_the_position_in_russian():
    with translation.override("ru"):
        with pytest.raises(ConditionError) as caught:
            conditions_validate([{"field": "name", "op": "equals", "value": "a"},
                                 {"field": "name", "op": "regex", "value": "web-[0-9"}])
    message = caught.value.message
    # "web-[0-9": the unterminated set starts at the 5th character
    assert message.startswith("Условие 2: Ошибка в регулярном выражении в позиции 5 (web- ⟶ [0-9)")
    assert caught.value.extra == {"conditions": [message]}


def test_regex_error_is_none_for_a_good_pattern_and_counts_from_one():
    assert regex_error(r"^shop-(prod|dev)-\d+$") is None
    with translation.override("en"):
        assert "position 1 " in regex_error("*shop")


@pytest.mark.parametrize(("raw", "fragment"), [
    ([{"field": "colour", "op": "equals", "value": "x"}], "«colour»"),
    ([{"field": "name", "op": "like", "value": "x"}], "«like»"),
    ([{"field": "name", "op": "equals", "value": " "}], "укажите значение"),
    ([{"field": "name", "op": "in", "value": []}], "«одно из»"),
    ("name=shop", "список"),
])
def test_bad_conditions_are_explained(raw, fragment):
    with translation.override("ru"), pytest.raises(ConditionError) as caught:
        conditions_validate(raw)
    assert fragment in caught.value.message


def test_in_accepts_a_comma_separated_text_and_exists_drops_the_value():
    parsed = conditions_validate([{"field": "region", "op": "in", "value": "ru-central1, ru-central1-b"},
                                  {"field": "tag:team", "op": "exists", "value": "ignored"}])
    assert [(c.field, c.op, c.value) for c in parsed] == [
        ("region", "in", ("ru-central1", "ru-central1-b")), ("tag:team", "exists", None)]


def test_first_matching_rule_wins_per_dimension_and_the_rest_stays_unallocated():
    rules = [
        rule(1, [{"field": "name", "op": "regex", "value": "-prod-"}], {"environment": "prod"}),
        rule(2, [{"field": "name", "op": "regex", "value": "^shop-"}], {"business_unit": "shop",
                                                                          "environment": "dev"}),
        rule(3, [], {"business_unit": "other"}),  # no condition: everything not yet allocated
    ]
    result = evaluate(ESTATE, rules=rules)
    assert result.values == [
        {"environment": "prod", "business_unit": "shop"},
        {"business_unit": "shop", "environment": "dev"},
        {"environment": "prod", "business_unit": "other"},
        {"business_unit": "other"},
    ]
    assert result.rule_of[0] == {"environment": 1, "business_unit": 2}


def test_equals_ignores_case_and_in_matches_any_value():
    rules = [rule(1, [{"field": "service", "op": "equals", "value": "managed postgresql"}], {"product": "crm"}),
             rule(2, [{"field": "region", "op": "in", "value": ["RU-CENTRAL1-B", "kz1"]}], {"product": "legacy"}),
             rule(3, [{"field": "provider", "op": "equals", "value": "YANDEX"}], {"cost_center": "cloud"})]
    result = evaluate(ESTATE, rules=rules)
    assert [v.get("product") for v in result.values] == [None, None, "crm", "legacy"]
    assert all(v["cost_center"] == "cloud" for v in result.values)  # any of the provider's values matches


def test_tag_value_and_presence_and_hierarchy():
    rules = [rule(1, [{"field": "tag:team", "op": "equals", "value": "SHOP"}], {"owner": "shop-team"}),
             rule(2, [{"field": "tag:owner", "op": "exists"}], {"owner": "nobody"}),  # present, even empty
             rule(3, [{"field": "hierarchy", "op": "equals", "value": "crm-folder"}], {"project": "crm"})]
    result = evaluate(ESTATE, rules=rules)
    assert [v.get("owner") for v in result.values] == ["shop-team", None, None, "nobody"]
    assert [v.get("project") for v in result.values] == [None, None, "crm", None]


def test_all_conditions_must_hold():
    both = rule(1, [{"field": "name", "op": "regex", "value": "^shop-"},
                    {"field": "name", "op": "regex", "value": "prod"}], {"environment": "prod"})
    assert [v.get("environment") for v in evaluate(ESTATE, rules=[both]).values] == ["prod", None, None, None]


def test_overrides_win_and_unknown_dimensions_are_ignored():
    rules = [rule(1, [], {"business_unit": "all", "gone": "x"})]
    overrides = {(1, "shop-dev-web"): {"business_unit": "lab"}, (None, "legacy-box"): {"business_unit": "old"}}
    result = evaluate(ESTATE, rules=rules, overrides=overrides, dimensions=["business_unit"])
    assert [v["business_unit"] for v in result.values] == ["all", "lab", "all", "old"]
    assert result.rule_of[1] == {"business_unit": 0}
    assert all("gone" not in v for v in result.values)


def test_rules_matching_lists_each_rules_signatures():
    rules = [rule(1, [{"field": "name", "op": "regex", "value": "prod"}], {"environment": "prod"}),
             rule(2, [], {"environment": "dev"})]
    assert rules_matching(ESTATE, rules) == [frozenset({0, 2}), frozenset({0, 1, 2, 3})]
