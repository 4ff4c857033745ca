from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class BillingImportForm(forms.Form):
    file = forms.FileField(label=_("Billing file"),
                           help_text=_("FOCUS 1.0-1.3 CSV (also gzip) or Parquet, or a Yandex Cloud detail CSV."))
    connection = forms.TypedChoiceField(label=_("Connection"), required=False, coerce=int, empty_value=None)
    skip_invalid = forms.BooleanField(label=_("Skip invalid rows"), required=False,
                                      help_text=_("Import the valid rows and list the skipped ones."))

    def __init__(self, *args, connections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.connections = {c.pk: c for c in connections}
        self.fields["connection"].choices = [("", _("Not tied to a connection"))] + [
            (c.pk, c.name) for c in connections]

    def clean_connection(self):
        value = self.cleaned_data.get("connection")
        return self.connections.get(value) if value else None
