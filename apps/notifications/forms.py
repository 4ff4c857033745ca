from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .vocabulary import AlertKind


class EmailChannelForm(forms.Form):
    address = forms.EmailField(label=_("Email address"))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)


class PreferencesForm(forms.Form):
    """A member's own notification preferences: the alert kinds their personal channels receive, quiet hours."""

    kinds = forms.MultipleChoiceField(label=_("Alerts I receive"), widget=forms.CheckboxSelectMultiple,
                                      required=False)
    quiet_start = forms.TimeField(label=_("Quiet hours from"), required=False,
                                  widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_end = forms.TimeField(label=_("Quiet hours until"), required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                                help_text=_("In the organization's time zone; alerts wait until the quiet hours end."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = AlertKind.choices

    def clean(self):
        data = super().clean()
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None) and not self.errors:
            self.add_error("quiet_end", _("Set both ends of the quiet hours, or neither."))
        return data
