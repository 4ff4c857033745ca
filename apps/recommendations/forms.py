"""The page's action forms: the dates and the reason a finding's lifecycle step takes (the services validate the
rest and say what is wrong in Russian)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .vocabulary import PolicyKind


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class SnoozeForm(forms.Form):
    until = forms.DateField(label=_("Snooze until"),
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class ApplyForm(forms.Form):
    applied_on = forms.DateField(label=_("Applied on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


ACTION_FORMS = {"dismiss": DismissForm, "snooze": SnoozeForm, "apply": ApplyForm}


# --- guardrail policies ------------------------------------------------------------------------------------------

def split_list(value: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]`` (commas or new lines)."""
    return [part.strip() for part in (value or "").replace("\n", ",").split(",") if part.strip()]


def plain_number(value: str) -> str:
    """What a person typed as a number («1 500,50») as the services read it («1500.50»)."""
    return (value or "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")


def _resource_kinds() -> list[tuple[str, Any]]:
    from apps.inventory.vocabulary import ResourceKind

    return list(ResourceKind.choices)


def _required_fields() -> list[tuple[str, str]]:
    from apps.inventory.models import Resource

    from .policies import REQUIRED_FIELDS

    return [(name, capfirst(Resource._meta.get_field(name).verbose_name)) for name in REQUIRED_FIELDS]


def _providers() -> list[tuple[str, Any]]:
    from apps.providers.registry import provider_choices

    return list(provider_choices())


def _connections() -> list[tuple[str, str]]:
    from apps.providers.models import ProviderConnection

    return [(str(pk), name) for pk, name in ProviderConnection.objects.order_by("name", "pk").values_list("pk", "name")]


# The form's fields of each kind's parameters; every kind shares the name, the switch and the scope.
KIND_FIELDS = {
    PolicyKind.REQUIRED_TAGS: ("tags", "business_fields"),
    PolicyKind.MAX_MONTHLY_COST: ("amount",),
    PolicyKind.FORBIDDEN_REGIONS: ("regions",),
    PolicyKind.FORBIDDEN_TYPES: ("types", "kinds"),
    PolicyKind.TTL: ("days", "environments"),
}
PARAM_FIELDS = {"fields": "business_fields"}  # a policy's parameter -> the form's field, where they differ
SCOPE_FIELDS = ("scope_providers", "scope_connections", "scope_kinds", "scope_regions", "scope_environments")
LIST_HELP = _("Separate values with commas.")


class PolicyForm(forms.Form):
    """One policy of a fixed ``kind``: the fields people fill, turned into the ``params`` and ``scope`` the
    services check with ``policy_clean`` (whose Russian messages come back on the fields)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    enabled = forms.BooleanField(label=_("The policy is on"), required=False, initial=True)
    tags = forms.CharField(label=_("Tags that must be set"), required=False, help_text=LIST_HELP)
    business_fields = forms.MultipleChoiceField(label=_("Fields that must be filled in"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    amount = forms.CharField(label=_("Largest monthly cost of one resource, ₽"), required=False)
    regions = forms.CharField(label=_("Forbidden regions"), required=False, help_text=LIST_HELP)
    types = forms.CharField(label=_("Forbidden provider resource types"), required=False,
                            help_text=_("As the provider names them, separated with commas."))
    kinds = forms.MultipleChoiceField(label=_("Forbidden kinds of resources"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    days = forms.CharField(label=_("Longest lifetime, days"), required=False)
    environments = forms.CharField(label=_("Environments"), required=False,
                                   help_text=_("Separated with commas; empty: every non-production environment."))
    scope_providers = forms.MultipleChoiceField(label=_("Providers"), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    scope_connections = forms.MultipleChoiceField(label=_("Connections"), required=False,
                                                  widget=forms.CheckboxSelectMultiple)
    scope_kinds = forms.MultipleChoiceField(label=_("Kinds of resources"), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    scope_regions = forms.CharField(label=_("Regions"), required=False, help_text=LIST_HELP)
    scope_environments = forms.CharField(label=_("Environments"), required=False, help_text=LIST_HELP)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["business_fields"].choices = _required_fields()
        self.fields["kinds"].choices = _resource_kinds()
        self.fields["scope_kinds"].choices = _resource_kinds()
        self.fields["scope_providers"].choices = _providers()
        self.fields["scope_connections"].choices = _connections()

    @classmethod
    def initial_of(cls, policy) -> dict[str, Any]:
        """The form's values of a stored policy."""
        params, scope = policy.params or {}, policy.scope or {}
        amount = params.get("amount")
        return {
            "name": policy.name, "enabled": policy.enabled,
            "tags": ", ".join(params.get("tags", [])), "business_fields": params.get("fields", []),
            "amount": str(amount).replace(".", ",") if amount not in (None, "") else "",
            "regions": ", ".join(params.get("regions", [])), "types": ", ".join(params.get("types", [])),
            "kinds": params.get("kinds", []),
            "days": params.get("days") or "", "environments": ", ".join(params.get("environments", [])),
            "scope_providers": scope.get("providers", []),
            "scope_connections": [str(pk) for pk in scope.get("connections", [])],
            "scope_kinds": scope.get("kinds", []), "scope_regions": ", ".join(scope.get("regions", [])),
            "scope_environments": ", ".join(scope.get("environments", [])),
        }

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in KIND_FIELDS[self.kind]]

    def scope_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SCOPE_FIELDS]

    def policy_values(self) -> dict[str, Any]:
        """``name``, ``enabled``, ``params`` and ``scope`` for the services (the form must be valid)."""
        data = self.cleaned_data
        if self.kind == PolicyKind.REQUIRED_TAGS:
            params: dict[str, Any] = {"tags": split_list(data["tags"]), "fields": list(data["business_fields"])}
        elif self.kind == PolicyKind.MAX_MONTHLY_COST:
            params = {"amount": plain_number(data["amount"])}
        elif self.kind == PolicyKind.FORBIDDEN_REGIONS:
            params = {"regions": split_list(data["regions"])}
        elif self.kind == PolicyKind.FORBIDDEN_TYPES:
            params = {"types": split_list(data["types"]), "kinds": list(data["kinds"])}
        else:
            params = {"days": plain_number(str(data["days"])),
                      "environments": [e.lower() for e in split_list(data["environments"])]}
        scope: dict[str, Any] = {}
        if data["scope_providers"]:
            scope["providers"] = list(data["scope_providers"])
        if data["scope_connections"]:
            scope["connections"] = [int(pk) for pk in data["scope_connections"]]
        if data["scope_kinds"]:
            scope["kinds"] = list(data["scope_kinds"])
        for key in ("regions", "environments"):
            values = split_list(data[f"scope_{key}"])
            if values:
                scope[key] = [v.lower() for v in values] if key == "environments" else values
        return {"name": data["name"].strip(), "enabled": data["enabled"], "params": params, "scope": scope}

    def add_service_errors(self, fields: dict[str, str]) -> None:
        """``policy_clean``'s problems (``params.tags``, ``scope.regions``...) on the form's fields."""
        for key, message in fields.items():
            section, _dot, name = str(key).partition(".")
            name = PARAM_FIELDS.get(name, name)
            field = name if section == "params" else f"scope_{name}" if section == "scope" else ""
            self.add_error(field if field in self.fields else None, message)
