from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EmailChannelForm(forms.Form):
    address = forms.EmailField(label=_("Email address"))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
