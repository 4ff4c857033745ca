"""The page's action forms: the dates and the reason a finding's lifecycle step takes (the services validate the
rest and say what is wrong in Russian)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
