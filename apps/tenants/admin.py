from __future__ import annotations

from django.contrib import admin
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.common.admin_titles import AccusativeTitlesMixin

from .models import Domain, Organization, Partner
from .support import organization_data_snapshot


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    fields = ("domain", "is_primary")


class OrganizationInline(admin.TabularInline):
    model = Organization
    extra = 0
    fields = ("name", "slug", "kind", "is_active", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(AccusativeTitlesMixin, admin.ModelAdmin):
    verbose_name_accusative = pgettext_lazy("accusative", "partner (MSP)")
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [OrganizationInline]


@admin.register(Organization)
class OrganizationAdmin(AccusativeTitlesMixin, admin.ModelAdmin):
    verbose_name_accusative = pgettext_lazy("accusative", "organization")
    list_display = ("name", "slug", "kind", "partner", "currency", "is_active", "created_at", "data_link")
    list_filter = ("kind", "is_active", "partner", "currency")
    search_fields = ("name", "slug", "schema_name", "domains__domain")
    list_select_related = ("partner",)
    readonly_fields = ("schema_name", "slug", "created_at")
    fields = ("name", "slug", "schema_name", "kind", "partner", "currency", "timezone", "is_active", "created_at")
    inlines = [DomainInline]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(schema_name="public")

    def has_add_permission(self, request) -> bool:
        # Organizations are created with their schema by signup or `create_organization`.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("Data"))
    def data_link(self, obj):
        url = reverse("admin:tenants_organization_data", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Browse (read-only)"))

    def get_urls(self):
        return [
            path("<int:pk>/data/", self.admin_site.admin_view(self.data_view), name="tenants_organization_data"),
            *super().get_urls(),
        ]

    def data_view(self, request, pk: int):
        organization = get_object_or_404(self.get_queryset(request), pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": organization,
            "title": _("Data of %(name)s (read-only)") % {"name": organization.name},
            "tables": organization_data_snapshot(organization=organization, rows=int(request.GET.get("rows", 20))),
        }
        return TemplateResponse(request, "admin/tenants/organization/data.html", context)


@admin.register(Domain)
class DomainAdmin(AccusativeTitlesMixin, admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")
    list_filter = ("is_primary",)
    search_fields = ("domain", "tenant__name", "tenant__slug")
    list_select_related = ("tenant",)
