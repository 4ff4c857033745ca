"""Allocation suggestions inferred from the estate of the last 30 days.

What is read (one pass each, no per-resource query): the daily rollup (``CostDaily``: billed cost in the
organization's currency per connection, resource, sub-account and allocation), the ledger's resource names of
the window, the inventory (names, cloud/folder/project, the business fields sync fills) and the tags (inventory
and ledger). Each resource becomes one *item* with its name values, hierarchy values, tags and, per dimension,
the cost of the window that is unallocated in that dimension today (cost split from a shared cost counts as
allocated, as in ``coverage``).

Candidates:

- naming conventions: environment tokens between separators (``shop-prod-web`` -> ``prod``) give one
  ``environment`` rule per environment (a regular expression anchored on separators); a leading token shared by
  two resources or more (``shop-...``) gives a ``business_unit`` rule on that prefix;
- provider hierarchy: cloud, folder and project names (and sub-accounts) holding an environment token or a
  leading name give ``hierarchy`` rules;
- existing partial tags whose key looks like a dimension (``env``, ``team``, ``owner``, ``проект``...) give one
  ``tag:<key> equals <value>`` rule per value; the business fields of the inventory (set by sync) give rules on
  the resources' IDs.

Each candidate is matched by the allocation engine itself over the items (so a suggestion allocates exactly what
it says once it is a rule); its gain is the unallocated cost of the matching items in its dimension (a new rule
comes after the existing ones, so only unallocated cost moves). Suggestions with no gain, or whose rule already
exists, are left out; the rest are sorted by gain.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Sum
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from apps.allocation.engine import (
    ConditionError,
    SignatureAttrs,
    _Index,
    compile_rule,
    conditions_as_json,
    conditions_validate,
    rule_matches,
)
from apps.allocation.models import AllocationSet, Dimension, Rule
from apps.allocation.vocabulary import TAG_FIELD_PREFIX, ConditionOp
from apps.costs.models import CostDaily, CostDailyTag, CostRecord
from apps.costs.selectors.ledger import organization_currency
from apps.inventory.models import Resource, ResourceTag

WINDOW_DAYS = 30
CENT = Decimal("0.01")
MAX_EXAMPLES = 5
MAX_IN_VALUES = 500
MAX_VALUE = 100
SUGGESTION_SOURCE = "suggestion:"
SEPARATORS = re.compile(r"[-_. ]+")
SEPARATOR_CLASS = "[-_. ]"
PREFIX_HEAD = re.compile(r"([^-_. ]+)[-_. ]")  # what prefix_regex() matches: the text before the first separator

# Environment tokens -> the canonical value.
ENVIRONMENTS: dict[str, tuple[str, ...]] = {
    "prod": ("prod", "production", "prd", "прод"),
    "stage": ("stage", "staging", "stg"),
    "dev": ("dev", "develop"),
    "test": ("test", "qa"),
}
ENV_OF_TOKEN = {token: env for env, tokens in ENVIRONMENTS.items() for token in tokens}
# Any environment token between separators (what environment_regex() matches), on casefolded names.
ENV_ANY = re.compile("(?:^|[-_. ])(" + "|".join(sorted((t for ts in ENVIRONMENTS.values() for t in ts), key=len,
                                                   reverse=True)) + ")(?=[-_. ]|$)")

# Tag keys (casefolded, '-' and spaces as '_') that name a dimension.
TAG_DIMENSIONS = {
    "env": "environment", "environment": "environment", "окружение": "environment", "среда": "environment",
    "team": "business_unit", "bu": "business_unit", "business_unit": "business_unit", "businessunit": "business_unit",
    "department": "business_unit", "команда": "business_unit", "отдел": "business_unit",
    "подразделение": "business_unit", "бизнес_юнит": "business_unit",
    "owner": "owner", "владелец": "owner",
    "project": "project", "проект": "project",
    "product": "product", "feature": "product", "продукт": "product",
    "cost_center": "cost_center", "costcenter": "cost_center", "cc": "cost_center", "цфо": "cost_center",
    "центр_затрат": "cost_center",
}
# Inventory business fields filled by sync -> dimension.
FIELD_DIMENSIONS = (("business_unit", "business_unit"), ("team", "business_unit"), ("environment", "environment"),
                    ("project", "project"), ("cost_center", "cost_center"), ("owner", "owner"),
                    ("feature_tag", "product"))
# Hierarchy names that say nothing about who pays.
GENERIC_NAMES = frozenset({"default", "main", "common", "general", "cloud", "folder", "project", "org",
                           "организация", "основной", "по", "умолчанию"})

CONTEXT = "allocation suggestion"
DIMENSION_NAMES = {
    "business_unit": pgettext_lazy(CONTEXT, "Business unit"),
    "project": pgettext_lazy(CONTEXT, "Project"),
    "environment": pgettext_lazy(CONTEXT, "Environment"),
    "cost_center": pgettext_lazy(CONTEXT, "Cost center"),
    "product": pgettext_lazy(CONTEXT, "Product"),
    "owner": pgettext_lazy(CONTEXT, "Owner"),
}


@dataclass
class Suggestion:
    id: str
    title: str
    name: str
    dimension: str
    value: str
    rule: dict[str, Any]
    resources: int
    coverage_gain: Decimal
    examples: list[str]
    words: str = ""


@dataclass
class Suggestions:
    start: date
    end: date
    currency: str
    items: list[Suggestion] = field(default_factory=list)


@dataclass
class _Item:
    connection_id: int | None
    resource_id: str
    names: list[str] = field(default_factory=list)
    hierarchy: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    # allocation id -> cost of the window
    costs: dict[int | None, Decimal] = field(default_factory=dict)

    @property
    def display(self) -> str:
        return self.names[0] if self.names else self.resource_id


@dataclass
class _Candidate:
    kind: str
    dimension: str
    value: str
    conditions: list[dict[str, Any]]
    detail: str = ""


def suggestion_window(today: date | None = None) -> tuple[date, date]:
    end = today or timezone.localdate()
    return end - timedelta(days=WINDOW_DAYS - 1), end


def dimension_title(key: str, dimensions: dict[str, Dimension]) -> str:
    if key in DIMENSION_NAMES and (key not in dimensions or dimensions[key].builtin):
        return str(DIMENSION_NAMES[key])
    return dimensions[key].name if key in dimensions else key


def tokens(text: str) -> list[str]:
    return [t for t in SEPARATORS.split(text.casefold()) if t]


def environment_regex(env: str) -> str:
    alternatives = "|".join(ENVIRONMENTS[env])
    return f"(?i)(^|{SEPARATOR_CLASS})({alternatives})({SEPARATOR_CLASS}|$)"


def prefix_regex(prefix: str) -> str:
    return f"(?i)^{re.escape(prefix)}{SEPARATOR_CLASS}"


def looks_like_id(text: str) -> bool:
    """Provider IDs (UUIDs, ``b1g8...``, numbers) are no names to suggest by."""
    plain = text.strip()
    if not plain:
        return True
    digits = sum(ch.isdigit() for ch in plain)
    if digits >= 4 or plain.isdigit():
        return True
    return bool(re.fullmatch(r"[0-9a-fA-F-]{16,}", plain)) or (len(plain) >= 16 and not SEPARATORS.search(plain))


_HEADS: dict[str, bool] = {}


def _prefix_token(text: str) -> str | None:
    parts = SEPARATORS.split(text.strip("-_. ").casefold(), maxsplit=1)
    if len(parts) < 2 or not parts[1]:
        return None
    head = parts[0]
    usable = _HEADS.get(head)
    if usable is None:
        usable = not (head in ENV_OF_TOKEN or len(head) < 2 or head.isdigit() or head in GENERIC_NAMES
                      or looks_like_id(head))
        if len(_HEADS) < 100_000:
            _HEADS[head] = usable
    return head if usable else None


def _tag_dimension(key: str) -> str | None:
    return TAG_DIMENSIONS.get(re.sub(r"[-\s]+", "_", key.strip().casefold()))


def _normalize_value(dimension: str, value: str) -> str:
    value = value.strip()
    if dimension == "environment":
        env = ENV_OF_TOKEN.get(value.casefold())
        if env:
            return env
    return value


# --- reading the estate -------------------------------------------------------------------------------------------

def _estate(start: date, end: date) -> list[_Item]:
    items: dict[tuple, _Item] = {}
    by_resource: dict[tuple[int | None, str], list[_Item]] = defaultdict(list)
    rows = (CostDaily.objects.filter(charge_date__range=(start, end), billed_cost_org__isnull=False).order_by()
            .values_list("connection_id", "resource_id", "sub_account_id", "signature__allocation_id")
            .annotate(total=Sum("billed_cost_org")))
    for connection_id, resource_id, sub_account, allocation_id, total in rows:
        key = (connection_id, resource_id or "", sub_account or "")
        item = items.get(key)
        if item is None:
            item = items[key] = _Item(connection_id=connection_id, resource_id=resource_id or "")
            if sub_account:
                item.hierarchy.append(sub_account)
            if resource_id:
                by_resource[(connection_id, resource_id)].append(item)
        item.costs[allocation_id] = item.costs.get(allocation_id, Decimal(0)) + (total or Decimal(0))

    # The ledger's own names of the window's resources.
    for connection_id, resource_id, name in (
            CostRecord.objects.filter(charge_date__range=(start, end)).exclude(resource_name="")
            .exclude(resource_id="").order_by().values_list("connection_id", "resource_id", "resource_name")
            .distinct()):
        for item in by_resource.get((connection_id, resource_id), ()):
            if name not in item.names:
                item.names.append(name)

    # Ledger tags of the window.
    for connection_id, resource_id, key, value in (
            CostDailyTag.objects.filter(charge_date__range=(start, end)).exclude(resource_id="").order_by()
            .values_list("connection_id", "resource_id", "tag_key", "tag_value").distinct()):
        for item in by_resource.get((connection_id, resource_id), ()):
            item.tags.setdefault(key, value or "")

    # The inventory: every live resource (those without cost of the window count for naming conventions).
    inventory = (Resource.objects.filter(is_deleted=False).order_by()
                 .annotate(cfg_cloud=KeyTextTransform("cloud_name", "provider_config"),
                           cfg_folder=KeyTextTransform("folder_name", "provider_config"),
                           cfg_project_name=KeyTextTransform("project_name", "provider_config"),
                           cfg_project=KeyTextTransform("project", "provider_config"))
                 .values_list("id", "connection_id", "resource_id", "resource_name", "project_id", "cfg_cloud",
                              "cfg_folder", "cfg_project_name", "cfg_project",
                              *(name for name, _dim in FIELD_DIMENSIONS)))
    by_pk: dict[int, list[_Item]] = {}
    for row in inventory:
        pk, connection_id, resource_id, name, project_id, *rest = row
        hierarchy = [v for v in (project_id, *rest[:4]) if v]
        fields = {f: v for (f, _dim), v in zip(FIELD_DIMENSIONS, rest[4:], strict=True) if v}
        targets = by_resource.get((connection_id, resource_id))
        if not targets:
            item = _Item(connection_id=connection_id, resource_id=resource_id)
            items[(connection_id, resource_id, "#inventory")] = item
            targets = [item]
        for item in targets:
            if name:
                if name in item.names:
                    item.names.remove(name)
                item.names.insert(0, name)
            for value in hierarchy:
                if value not in item.hierarchy:
                    item.hierarchy.append(value)
            item.fields.update(fields)
        by_pk[pk] = targets
    if by_pk:
        for pk, key, value in ResourceTag.objects.order_by().values_list("resource_id", "key", "value"):
            for item in by_pk.get(pk, ()):
                item.tags[key] = value or ""
    return list(items.values())


def _attrs(item: _Item) -> SignatureAttrs:
    names = tuple(dict.fromkeys(v for v in (*item.names, item.resource_id) if v))
    return SignatureAttrs(values={"name": names, "hierarchy": tuple(dict.fromkeys(item.hierarchy))},
                          tags=dict(item.tags), connection_id=item.connection_id, resource_id=item.resource_id)


def _unallocated(items: list[_Item], keys: list[str]) -> list[dict[str, Decimal]]:
    sets = {set_id: (values or {}, split_id) for set_id, values, split_id in
            AllocationSet.objects.values_list("id", "values", "split_id")}
    out = []
    for item in items:
        per: dict[str, Decimal] = defaultdict(Decimal)
        for allocation_id, amount in item.costs.items():
            values, split_id = sets.get(allocation_id, ({}, None)) if allocation_id is not None else ({}, None)
            if split_id is not None:
                continue
            for key in keys:
                if not values.get(key):
                    per[key] += amount
        out.append(per)
    return out


class _Matcher:
    """Which items a candidate's rule matches, with the engine's semantics: ``equals``/``in`` compare without
    case (lookups in dictionaries built in one pass), a name prefix is the text before the first separator, and
    any other condition goes through the engine's own index (a regex runs once per distinct value)."""

    def __init__(self, items: list[_Item]):
        self.items = items
        self.names: dict[str, set[int]] = defaultdict(set)
        self.prefixes: dict[str, set[int]] = defaultdict(set)
        self.hierarchy: dict[str, set[int]] = defaultdict(set)
        self.tags: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.envs: dict[str, set[int]] = defaultdict(set)
        for i, item in enumerate(items):
            for name in dict.fromkeys(v for v in (*item.names, item.resource_id) if v):
                folded = name.casefold()
                self.names[folded].add(i)
                head = PREFIX_HEAD.match(folded)
                if head:
                    self.prefixes[head.group(1)].add(i)
                for token in ENV_ANY.findall(folded):
                    self.envs[ENV_OF_TOKEN[token]].add(i)
            for value in item.hierarchy:
                self.hierarchy[value.casefold()].add(i)
            for key, value in item.tags.items():
                self.tags[(key, value.casefold())].add(i)
        self._index: _Index | None = None

    def _lookup(self, table: dict, values: list[str], key: str | None = None) -> set[int]:
        found: set[int] = set()
        for value in values:
            found |= table.get((key, value.casefold()) if key is not None else value.casefold(), set())
        return found

    def matching(self, candidate: _Candidate, compiled) -> set[int] | frozenset[int]:
        if len(compiled.conditions) == 1:
            condition = compiled.conditions[0]
            if candidate.kind == "prefix":
                return self.prefixes.get(candidate.detail.casefold(), set())
            if candidate.kind == "name":  # environment_regex(value)
                return self.envs.get(candidate.value, set())
            if condition.op in (ConditionOp.EQUALS, ConditionOp.IN):
                values = [condition.value] if condition.op == ConditionOp.EQUALS else list(condition.value)
                if condition.field == "name":
                    return self._lookup(self.names, values)
                if condition.field == "hierarchy":
                    return self._lookup(self.hierarchy, values)
                if condition.tag_key is not None:
                    return self._lookup(self.tags, values, condition.tag_key)
        if self._index is None:
            self._index = _Index([_attrs(item) for item in self.items])
        return set(rule_matches(self._index, compiled, range(len(self.items))))


# --- candidates ---------------------------------------------------------------------------------------------------

def _candidates(items: list[_Item], keys: set[str], matcher: _Matcher) -> list[_Candidate]:
    found: list[_Candidate] = []
    envs = set(matcher.envs)
    prefixes: dict[str, set[int]] = defaultdict(set)
    hierarchy_env: dict[str, set[str]] = defaultdict(set)
    hierarchy_prefix: dict[str, set[str]] = defaultdict(set)
    tag_values: dict[tuple[str, str, str], str] = {}
    field_values: dict[tuple[str, str], set[str]] = defaultdict(set)
    for index, item in enumerate(items):
        if item.names or item.resource_id:
            head = _prefix_token(item.display)
            if head:
                prefixes[head].add(index)
        for value in item.hierarchy:
            if looks_like_id(value):
                continue
            parts = tokens(value)
            for token in parts:
                env = ENV_OF_TOKEN.get(token)
                if env:
                    hierarchy_env[env].add(value)
            if parts and parts[0] not in ENV_OF_TOKEN and parts[0] not in GENERIC_NAMES and len(parts[0]) >= 2 \
                    and not parts[0].isdigit():
                hierarchy_prefix[parts[0]].add(value)
        tag_dims = set()
        for key, value in item.tags.items():
            dim = _tag_dimension(key)
            if dim and value and value.strip():
                tag_values[(key, value.strip().casefold(), dim)] = value.strip()
                tag_dims.add((dim, _normalize_value(dim, value).casefold()))
        for name, dim in FIELD_DIMENSIONS:
            value = item.fields.get(name, "").strip()
            if value and item.resource_id and (dim, _normalize_value(dim, value).casefold()) not in tag_dims:
                field_values[(dim, _normalize_value(dim, value))].add(item.resource_id)

    if "environment" in keys:
        for env in sorted(envs):
            found.append(_Candidate("name", "environment", env,
                                    [{"field": "name", "op": "regex", "value": environment_regex(env)}]))
        for env, names in sorted(hierarchy_env.items()):
            found.append(_Candidate("hierarchy", "environment", env, _hierarchy_conditions(names)))
    if "business_unit" in keys:
        for head, members in sorted(prefixes.items()):
            if len(members) >= 2:
                found.append(_Candidate("prefix", "business_unit", head,
                                        [{"field": "name", "op": "regex", "value": prefix_regex(head)}], head))
        for head, names in sorted(hierarchy_prefix.items()):
            found.append(_Candidate("hierarchy", "business_unit", head, _hierarchy_conditions(names)))
    for (key, _folded, dim), value in sorted(tag_values.items()):
        normalized = _normalize_value(dim, value)
        if dim in keys and len(normalized) <= MAX_VALUE:
            found.append(_Candidate("tag", dim, normalized,
                                    [{"field": f"{TAG_FIELD_PREFIX}{key}", "op": "equals", "value": value}], key))
    for (dim, value), resource_ids in sorted(field_values.items()):
        if dim in keys and len(value) <= MAX_VALUE and len(resource_ids) <= MAX_IN_VALUES:
            found.append(_Candidate("field", dim, value,
                                    [{"field": "name", "op": "in", "value": sorted(resource_ids)}]))
    return found


def _hierarchy_conditions(names: set[str]) -> list[dict[str, Any]]:
    ordered = sorted(names)[:MAX_IN_VALUES]
    if len(ordered) == 1:
        return [{"field": "hierarchy", "op": "equals", "value": ordered[0]}]
    return [{"field": "hierarchy", "op": "in", "value": ordered}]


# --- naming, identity, duplicates ---------------------------------------------------------------------------------

def _rule_name(candidate: _Candidate, dimension: str) -> str:
    values = {"dimension": dimension, "value": candidate.value, "detail": candidate.detail}
    if candidate.kind == "name":
        text = pgettext(CONTEXT, "%(dimension)s %(value)s by name") % values
    elif candidate.kind == "prefix":
        text = pgettext(CONTEXT, "%(dimension)s %(value)s by the name prefix «%(detail)s»") % values
    elif candidate.kind == "hierarchy":
        text = pgettext(CONTEXT, "%(dimension)s %(value)s by cloud, folder or project") % values
    elif candidate.kind == "tag":
        text = pgettext(CONTEXT, "%(dimension)s %(value)s by the tag %(detail)s") % values
    else:
        text = pgettext(CONTEXT, "%(dimension)s %(value)s from the inventory's resource fields") % values
    return text[:200]


def suggestion_id(*, dimension: str, value: str, conditions: list[dict[str, Any]]) -> str:
    text = json.dumps({"d": dimension, "v": value, "c": conditions}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _conditions_key(conditions: Any) -> str | None:
    try:
        normalized = conditions_as_json(conditions_validate(conditions))
    except ConditionError:  # a rule stored invalid duplicates nothing
        return None
    for item in normalized:
        value = item.get("value")
        if isinstance(value, list):
            item["value"] = sorted(str(v).casefold() for v in value)
        elif isinstance(value, str) and item["op"] != ConditionOp.REGEX:
            item["value"] = value.casefold()
    return json.dumps(sorted(normalized, key=lambda c: json.dumps(c, sort_keys=True)), ensure_ascii=False,
                      sort_keys=True)


def _existing() -> tuple[set[tuple[str, str]], set[str]]:
    """(conditions key, dimension) of every rule, and the suggestion ids already accepted."""
    pairs: set[tuple[str, str]] = set()
    accepted: set[str] = set()
    for conditions, actions, source in Rule.objects.values_list("conditions", "actions", "source"):
        key = _conditions_key(conditions)
        if key is not None:
            for dim, value in (actions or {}).items():
                if value:
                    pairs.add((key, dim))
        if source and source.startswith(SUGGESTION_SOURCE):
            accepted.add(source[len(SUGGESTION_SOURCE):])
    return pairs, accepted


def rule_words(*, conditions: list[dict[str, Any]], actions: dict[str, str],
               dimensions: dict[str, Dimension] | None = None) -> str:
    """The rule as a sentence: «Если имя ресурса соответствует выражению «…», то Окружение = prod»."""
    dimensions = dimensions if dimensions is not None else {d.key: d for d in Dimension.objects.all()}
    parts = []
    for condition in conditions:
        name = condition.get("field", "")
        if name.startswith(TAG_FIELD_PREFIX):
            subject = pgettext(CONTEXT, "the tag %(key)s") % {"key": name[len(TAG_FIELD_PREFIX):]}
        elif name == "hierarchy":
            subject = pgettext(CONTEXT, "the cloud, folder or project")
        else:
            subject = pgettext(CONTEXT, "the resource name")
        value = condition.get("value")
        op = condition.get("op")
        if op == ConditionOp.REGEX:
            parts.append(pgettext(CONTEXT, "%(subject)s matches «%(value)s»") % {"subject": subject, "value": value})
        elif op == ConditionOp.IN:
            shown = list(value or [])
            text = ", ".join(shown[:5]) + (" …" if len(shown) > 5 else "")
            parts.append(pgettext(CONTEXT, "%(subject)s is one of: %(values)s") % {"subject": subject,
                                                                                   "values": text})
        elif op == ConditionOp.EXISTS:
            parts.append(pgettext(CONTEXT, "%(subject)s is set") % {"subject": subject})
        else:
            parts.append(pgettext(CONTEXT, "%(subject)s equals «%(value)s»") % {"subject": subject, "value": value})
    then = ", ".join(f"{dimension_title(k, dimensions)} = {v}" for k, v in actions.items())
    if not parts:
        return pgettext(CONTEXT, "Always: %(actions)s") % {"actions": then}
    return pgettext(CONTEXT, "If %(conditions)s, then %(actions)s") % {
        "conditions": pgettext(CONTEXT, " and ").join(parts), "actions": then}


# --- the suggestions ----------------------------------------------------------------------------------------------

def allocation_suggestions(*, today: date | None = None) -> Suggestions:
    start, end = suggestion_window(today)
    dimensions = {d.key: d for d in Dimension.objects.all()}
    keys = list(dimensions)
    items = _estate(start, end)
    result = Suggestions(start=start, end=end, currency=organization_currency())
    if not items:
        return result
    unallocated = _unallocated(items, keys)
    matcher = _Matcher(items)
    existing, accepted = _existing()
    seen: set[str] = set()
    for candidate in _candidates(items, set(keys), matcher):
        try:
            compiled = compile_rule(id=None, conditions=candidate.conditions,
                                    actions={candidate.dimension: candidate.value})
        except ConditionError:  # noqa: S112 -- a candidate the engine refuses is no suggestion
            continue
        conditions = conditions_as_json(compiled.conditions)
        ident = suggestion_id(dimension=candidate.dimension, value=candidate.value, conditions=conditions)
        if ident in seen or ident in accepted or (_conditions_key(conditions), candidate.dimension) in existing:
            continue
        seen.add(ident)
        gain = Decimal(0)
        resources: set[tuple[int | None, str] | int] = set()
        moved: list[tuple[Decimal, int]] = []
        dimension = candidate.dimension
        for i in matcher.matching(candidate, compiled):
            amount = unallocated[i].get(dimension)
            if amount and amount > 0:
                gain += amount
                item = items[i]
                resources.add((item.connection_id, item.resource_id) if item.resource_id else i)
                moved.append((amount, i))
        if gain <= 0:
            continue
        top = sorted(((amount, items[i].display) for amount, i in
                      heapq.nlargest(MAX_EXAMPLES * 4, moved, key=lambda pair: pair[0])),
                     key=lambda pair: (-pair[0], pair[1]))
        examples = list(dict.fromkeys(name for _amount, name in top if name))[:MAX_EXAMPLES]
        dim_title = dimension_title(candidate.dimension, dimensions)
        name = _rule_name(candidate, dim_title)
        count = len(resources)
        title = ngettext("%(name)s: %(count)s resource", "%(name)s: %(count)s resources", count) % {
            "name": name, "count": count}
        actions = {candidate.dimension: candidate.value}
        result.items.append(Suggestion(
            id=ident, title=title, name=name, dimension=candidate.dimension, value=candidate.value,
            rule={"name": name, "conditions": conditions, "actions": actions}, resources=count,
            coverage_gain=gain.quantize(CENT, rounding=ROUND_HALF_UP), examples=examples,
            words=rule_words(conditions=conditions, actions=actions, dimensions=dimensions)))
    result.items.sort(key=lambda s: (-s.coverage_gain, s.dimension, s.value, s.id))
    return result


def suggestion_get(*, suggestion_id: str, today: date | None = None) -> Suggestion | None:
    for suggestion in allocation_suggestions(today=today).items:
        if suggestion.id == suggestion_id:
            return suggestion
    return None


def unallocated_error() -> str:
    return _("The suggestion is not found or is out of date: refresh the list.")
