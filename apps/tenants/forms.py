from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CURRENCY_CHOICES, TIMEZONE_CHOICES


class SignupForm(forms.Form):
    organization_name = forms.CharField(label=_("Organization name"), max_length=200)
    slug = forms.CharField(
        label=_("Address"), max_length=40, help_text=_("Latin letters, digits and hyphens, e.g. «acme».")
    )
    full_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Work email"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False))
    password_confirm = forms.CharField(label=_("Repeat password"), widget=forms.PasswordInput(render_value=False))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None and user.is_authenticated:
            for name in ("full_name", "email", "password", "password_confirm"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if "password" in self.fields and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", _("The passwords do not match."))
        return data


class OrganizationProfileForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=200)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES)


class RequisitesForm(forms.Form):
    """The legal entity's requisites; checked by ``requisites_validate`` (the service names every problem)."""

    prefix = "requisites"

    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=300,
        required=False,
        help_text=_("As in the registration documents, e.g. «ООО «Альфа»»."),
    )
    inn = forms.CharField(
        label=_("INN"),
        max_length=20,
        required=False,
        help_text=_("10 digits for a legal entity, 12 for an individual entrepreneur."),
    )
    kpp = forms.CharField(label=_("KPP"), max_length=20, required=False)
    legal_address = forms.CharField(label=_("Legal address"), max_length=500, required=False)

    def add_service_errors(self, fields: dict[str, str]) -> None:
        for field, message in fields.items():
            self.add_error(field if field in self.fields else None, message)
