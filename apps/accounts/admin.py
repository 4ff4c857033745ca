from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.common.admin_titles import AccusativeTitlesMixin
from apps.common.errors import ApplicationError

from . import services
from .models import ApiToken, Invitation, Membership, PartnerMembership, User
from .roles import Role


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("organization", "role", "created_at")
    readonly_fields = ("organization", "role", "created_at")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PartnerMembershipInline(MembershipInline):
    model = PartnerMembership
    fields = ("partner", "role", "created_at")
    readonly_fields = fields


@admin.register(User)
class UserAdmin(AccusativeTitlesMixin, DjangoUserAdmin):
    verbose_name_accusative = pgettext_lazy("accusative", "user")
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "full_name")
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "language")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    inlines = [MembershipInline, PartnerMembershipInline]
    actions = ["revoke_api_tokens"]

    def get_deleted_objects(self, objs, request):
        """The last owner of an organization cannot be deleted: the admin shows why and refuses the delete."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = [*protected, *services.user_delete_blockers(list(objs))]
        return deleted, model_count, perms_needed, protected

    @admin.action(description=_("Revoke API tokens"))
    def revoke_api_tokens(self, request, queryset):
        deleted, _rows = ApiToken.objects.filter(user__in=queryset).delete()
        self.message_user(request, _("API tokens revoked: %(count)d.") % {"count": deleted}, messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(AccusativeTitlesMixin, admin.ModelAdmin):
    """Membership changes go through the same services as the product (audit trail, last-owner rule)."""

    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role", "organization__kind", "organization")
    search_fields = ("user__email", "organization__name", "organization__slug")
    autocomplete_fields = ("user", "organization")
    list_select_related = ("user", "organization")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "organization", "created_at") if obj else ("created_at",)

    def save_model(self, request, obj, form, change):
        try:
            if change:
                role = obj.role
                obj.role = Membership.objects.get(pk=obj.pk).role
                services.membership_change_role(membership=obj, role=role, actor=request.user, actor_role=Role.OWNER)
            else:
                created = services.membership_add(organization=obj.organization, user=obj.user, role=obj.role,
                                                  actor=request.user)
                obj.pk = created.pk
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def get_deleted_objects(self, objs, request):
        """The admin refuses, with the reason, a delete that would leave an organization without an owner."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = [*protected, *services.membership_remove_blockers(list(objs))]
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        try:
            services.membership_remove(membership=obj, actor=request.user, actor_role=Role.OWNER)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("organization", "user"):
            self.delete_model(request, obj)


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(AccusativeTitlesMixin, admin.ModelAdmin):
    list_display = ("user", "partner", "role", "created_at")
    list_filter = ("role", "partner")
    search_fields = ("user__email", "partner__name")
    autocomplete_fields = ("user", "partner")
    list_select_related = ("user", "partner")


@admin.register(Invitation)
class InvitationAdmin(AccusativeTitlesMixin, admin.ModelAdmin):
    list_display = ("email", "organization", "role", "status", "created_at", "expires_at", "invited_by")
    list_filter = ("status", "role")
    search_fields = ("email", "organization__name", "organization__slug")
    list_select_related = ("organization", "invited_by")
    # The token hash is deliberately absent; invitations are created in the product.
    fields = ("organization", "email", "role", "status", "invited_by", "created_at", "expires_at",
              "accepted_at", "accepted_by")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Support sees which tokens exist and can revoke them; only the digest is stored, only the prefix is shown.

    Tokens are created by their owners (settings or POST /api/v1/auth/token/), never here.
    """

    list_display = ("name", "prefix", "user", "created", "expiry", "last_used_at")
    list_filter = ("created", "last_used_at")
    search_fields = ("name", "token_key", "user__email")
    list_select_related = ("user",)
    fields = ("name", "prefix", "user", "created", "expiry", "last_used_at")
    readonly_fields = fields

    @admin.display(description=_("prefix"))
    def prefix(self, obj: ApiToken) -> str:
        return f"{obj.token_key}…"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
