"""Forms of the business metrics and unit costs pages (the services check the values again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.allocation.selectors import dimension_label, dimensions_list
from apps.allocation.vocabulary import MetricGranularity


def _dimension_choices() -> list[tuple[str, str]]:
    return [("", _("No breakdown (totals only)"))] + [(d.key, dimension_label(d)) for d in dimensions_list()]


class MetricForm(forms.Form):
    key = forms.RegexField(label=_("Key"), regex=r"^[a-z][a-z0-9_]{0,39}$", max_length=40,
                           help_text=_("Latin lowercase letters, digits and underscores, e.g. orders."))
    name = forms.CharField(label=_("Name"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=40, help_text=_("What one unit is, e.g. «заказ»."))
    granularity = forms.ChoiceField(label=_("Granularity"), choices=MetricGranularity.choices,
                                    initial=MetricGranularity.DAY)
    dimension = forms.ChoiceField(label=_("Broken down by"), required=False,
                                  help_text=_("An allocation dimension whose values the figures may carry, e.g. "
                                              "a product."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = _dimension_choices()


class MetricUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
