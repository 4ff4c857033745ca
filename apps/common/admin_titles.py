"""Admin page titles that read right in Russian.

Django's admin builds «Изменить %s», «Добавить %s», «Выберите %s для изменения» and the «Добавить …» button
from the model's nominative ``verbose_name``, which gives «Изменить организация». A model admin with this
mixin names the accusative form once (``pgettext_lazy("accusative", "organization")`` -> «организацию»);
the admin's other sentences that embed a model name are phrased case-neutrally in the project catalog.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class AccusativeTitlesMixin:
    verbose_name_accusative = None  # lazy text; the nominative verbose_name when the two forms coincide

    def _accusative(self) -> str:
        return str(self.verbose_name_accusative or self.model._meta.verbose_name)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:
            title = _("Add %s")
        elif self.has_change_permission(request):
            title = _("Change %s")
        else:
            title = _("View %s")
        extra_context = {"title": title % self._accusative(), **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        if request.GET.get("_popup"):
            title = _("Select %s")
        elif self.has_change_permission(request):
            title = _("Select %s to change")
        else:
            title = _("Select %s to view")
        extra_context = {
            "title": title % self._accusative(),
            "add_object_name": self._accusative(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)
