"""The budget form of the pages: the scope as separate fields, thresholds as comma-separated percents. Values go
to ``services.budget_create`` / ``budget_update``, which validate them (their Russian errors land on the fields)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.allocation.selectors import dimension_label, dimensions_list
from apps.notifications.selectors import channel_list
from apps.providers.selectors import connection_list

from .vocabulary import ALLOC_PREFIX, BudgetPeriod, alloc_dimension_key


def _percents(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class BudgetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    amount = forms.CharField(label=_("Amount"), max_length=40, help_text=_("Per period, in roubles."))
    period = forms.ChoiceField(label=_("Period"), choices=BudgetPeriod.choices, initial=BudgetPeriod.MONTH)
    provider = forms.CharField(label=_("Provider"), max_length=255, required=False,
                               help_text=_("As in the cost explorer, e.g. Yandex Cloud. Empty: every provider."))
    connection = forms.TypedChoiceField(label=_("Connection"), required=False, coerce=int, empty_value=None)
    service = forms.CharField(label=_("Service"), max_length=255, required=False)
    region = forms.CharField(label=_("Region"), max_length=255, required=False)
    tag_key = forms.CharField(label=_("Tag key"), max_length=255, required=False)
    tag_value = forms.CharField(label=_("Tag value"), max_length=1000, required=False,
                                help_text=_("Empty: any value of the key."))
    alloc_dimension = forms.ChoiceField(label=_("Allocation dimension"), required=False)
    alloc_value = forms.CharField(label=_("Dimension value"), max_length=255, required=False,
                                  help_text=_("As in the cost explorer, e.g. shop. The budget counts the cost "
                                              "allocated this value."))
    thresholds = forms.CharField(label=_("Thresholds on actual spend, %"), initial="50, 80, 100", required=False)
    forecast_thresholds = forms.CharField(label=_("Thresholds on the forecast, %"), initial="100", required=False)
    channels = forms.TypedMultipleChoiceField(label=_("Notify"), required=False, coerce=int,
                                              widget=forms.CheckboxSelectMultiple,
                                              help_text=_("None chosen: every channel subscribed to budget "
                                                          "alerts."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connection"].choices = [("", _("Any"))] + [(c.pk, c.name) for c in connection_list()]
        self.fields["channels"].choices = [(c.pk, c.name) for c in channel_list()]
        self.fields["alloc_dimension"].choices = [("", _("Any"))] + [
            (d.key, dimension_label(d)) for d in dimensions_list()]

    def clean(self):
        data = super().clean()
        if data.get("alloc_dimension") and not (data.get("alloc_value") or "").strip():
            self.add_error("alloc_value", _("Enter the value of the allocation dimension."))
        elif (data.get("alloc_value") or "").strip() and not data.get("alloc_dimension"):
            self.add_error("alloc_dimension", _("Choose the allocation dimension of the value."))
        return data

    @classmethod
    def initial_for(cls, budget) -> dict:
        scope = budget.scope or {}
        tag = scope.get("tag") or {}
        # The form offers one allocation dimension: the first of the scope's (the API may set several).
        dimension = next((alloc_dimension_key(k) for k in scope if alloc_dimension_key(k)), None)
        return {"alloc_dimension": dimension or "",
                "alloc_value": scope.get(f"{ALLOC_PREFIX}{dimension}", "") if dimension else "",
                "name": budget.name, "amount": str(budget.amount), "period": budget.period,
                "provider": scope.get("provider", ""), "connection": scope.get("connection"),
                "service": scope.get("service", ""), "region": scope.get("region", ""),
                "tag_key": tag.get("key", ""), "tag_value": tag.get("value") or "",
                "thresholds": ", ".join(str(t) for t in budget.thresholds),
                "forecast_thresholds": ", ".join(str(t) for t in budget.forecast_thresholds),
                "channels": [c.pk for c in budget.channels.all()]}

    def values(self) -> dict:
        data = self.cleaned_data
        scope = {key: data[key] for key in ("provider", "connection", "service", "region")
                 if data.get(key) not in (None, "")}
        if data.get("tag_key"):
            scope["tag"] = {"key": data["tag_key"], "value": data.get("tag_value") or None}
        if data.get("alloc_dimension") and (data.get("alloc_value") or "").strip():
            scope[f"{ALLOC_PREFIX}{data['alloc_dimension']}"] = data["alloc_value"].strip()
        return {"name": data["name"], "amount": data["amount"], "period": data["period"], "scope": scope,
                "thresholds": _percents(data.get("thresholds") or ""),
                "forecast_thresholds": _percents(data.get("forecast_thresholds") or ""),
                "channels": data.get("channels") or []}
