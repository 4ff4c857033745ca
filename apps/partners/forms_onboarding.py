"""Forms of the partner's requisites page and the «new client» page (the services check the values)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.roles import Role
from apps.tenants.forms import RequisitesForm
from apps.tenants.models import CURRENCY_CHOICES, TIMEZONE_CHOICES

INVITATION_ROWS = 3


class PartnerRequisitesForm(RequisitesForm):
    prefix = None

    name = forms.CharField(label=_("Partner name"), max_length=200)
    field_order = ["name", "legal_name", "inn", "kpp", "legal_address"]


class ClientNewForm(RequisitesForm):
    prefix = None

    name = forms.CharField(label=_("Organization name"), max_length=200)
    slug = forms.CharField(label=_("Address"), max_length=40, required=False,
                           help_text=_("Latin letters, digits and hyphens; empty: made from the name."))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="RUB")
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES, initial="Europe/Moscow")
    field_order = ["name", "slug", "currency", "timezone", "legal_name", "inn", "kpp", "legal_address"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for index in range(1, INVITATION_ROWS + 1):
            self.fields[f"email_{index}"] = forms.EmailField(label=_("User's email"), required=False)
            self.fields[f"role_{index}"] = forms.ChoiceField(label=_("Role"), choices=Role.choices,
                                                             initial=Role.OWNER if index == 1 else Role.VIEWER)

    def requisites(self) -> dict[str, str]:
        return {f: self.cleaned_data[f] for f in ("legal_name", "inn", "kpp", "legal_address")}

    def invitations(self) -> list[dict[str, str]]:
        return [{"email": self.cleaned_data[f"email_{i}"], "role": self.cleaned_data[f"role_{i}"]}
                for i in range(1, INVITATION_ROWS + 1) if self.cleaned_data.get(f"email_{i}")]

    def invitation_rows(self):
        return [(self[f"email_{i}"], self[f"role_{i}"]) for i in range(1, INVITATION_ROWS + 1)]

    def main_fields(self):
        return [self[name] for name in ("name", "slug", "currency", "timezone")]

    def requisites_fields(self):
        return [self[name] for name in ("legal_name", "inn", "kpp", "legal_address")]
