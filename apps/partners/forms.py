"""Forms of the console's billing rule and statement pages; the services validate the values (their Russian
errors land on the fields)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .vocabulary import StatementStatus


class BillingRuleForm(forms.Form):
    organization = forms.ChoiceField(label=_("Client"), required=False)
    provider = forms.CharField(label=_("Provider"), max_length=100, required=False,
                               help_text=_("Empty: every provider."))
    service = forms.CharField(label=_("Service"), max_length=200, required=False,
                              help_text=_("Empty: every service."))
    markup_percent = forms.DecimalField(label=_("Markup, %"), max_digits=7, decimal_places=2, initial=0)
    provider_discount_percent = forms.DecimalField(label=_("Partner's discount from the provider, %"),
                                                   max_digits=5, decimal_places=2, initial=0)
    pass_through_percent = forms.DecimalField(label=_("Discount passed to the client, %"), max_digits=5,
                                              decimal_places=2, initial=0)
    fixed_monthly_fee = forms.DecimalField(label=_("Fixed monthly fee"), max_digits=20, decimal_places=2,
                                           initial=0)
    minimum_charge = forms.DecimalField(label=_("Minimum monthly charge"), max_digits=20, decimal_places=2,
                                        initial=0)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", _("All clients"))] + [(c.slug, c.name) for c in clients]


class StatementCreateForm(forms.Form):
    organization = forms.ChoiceField(label=_("Client"))
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(c.slug, c.name) for c in clients]


class StatementFilterForm(forms.Form):
    organization = forms.ChoiceField(label=_("Client"), required=False)
    month = forms.DateField(label=_("Month"), required=False, input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *StatementStatus.choices])

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", _("All clients"))] + [(c.slug, c.name) for c in clients]
