from django.urls import path

from . import views

urlpatterns = [
    path("auth/handoff/<uuid:handoff_id>/", views.handoff_accept, name="handoff_accept"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/members/", views.members, name="settings_members"),
    path("settings/members/<int:membership_id>/role/", views.member_update, name="settings_member_update"),
    path("settings/members/<int:membership_id>/remove/", views.member_remove, name="settings_member_remove"),
    path("settings/invitations/", views.invitations, name="settings_invitations"),
    path("settings/invitations/<int:invitation_id>/revoke/", views.invitation_revoke,
         name="settings_invitation_revoke"),
    path("settings/audit/", views.audit_log, name="settings_audit"),
    path("settings/api-tokens/", views.api_tokens, name="settings_api_tokens"),
    path("settings/api-tokens/<str:prefix>/revoke/", views.api_token_revoke, name="settings_api_token_revoke"),
]
