"""Admin page titles that read right in Russian.

Django's admin builds «Изменить %s», «Добавить %s», «Выберите %s для изменения» and the «Добавить …» button
from the model's nominative ``verbose_name``, which gives «Изменить организация». A model admin with this
mixin names the accusative form once (``pgettext_lazy("accusative", "organization")`` -> «организацию»);
Django's own phrases, which every other model (third-party ones included) still gets, are phrased
case-neutrally in the project catalog («Изменение: запланированная задача»).
"""

from __future__ import annotations

from django.utils.translation import pgettext


class AccusativeTitlesMixin:
    verbose_name_accusative = None  # lazy text; the nominative verbose_name when the two forms coincide

    def _accusative(self) -> str:
        return str(self.verbose_name_accusative or self.model._meta.verbose_name)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:
            title = pgettext("admin title", "Add %s")
        elif self.has_change_permission(request):
            title = pgettext("admin title", "Change %s")
        else:
            title = pgettext("admin title", "View %s")
        extra_context = {"title": title % self._accusative(), **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        if request.GET.get("_popup"):
            title = pgettext("admin title", "Select %s")
        elif self.has_change_permission(request):
            title = pgettext("admin title", "Select %s to change")
        else:
            title = pgettext("admin title", "Select %s to view")
        extra_context = {
            "title": title % self._accusative(),
            "add_object_name": self._accusative(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)
