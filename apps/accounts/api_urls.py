from django.urls import path

from . import api

urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="api_token"),
    path("me/", api.MeApi.as_view(), name="api_me"),
    path("members/", api.MemberListApi.as_view(), name="api_members"),
    path("members/<int:pk>/", api.MemberDetailApi.as_view(), name="api_member_detail"),
    path("invitations/", api.InvitationListApi.as_view(), name="api_invitations"),
    path("invitations/<int:pk>/", api.InvitationDetailApi.as_view(), name="api_invitation_detail"),
]

public_urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="api_token"),
    path("partner/organizations/", api.PartnerOrganizationListApi.as_view(), name="api_partner_organizations"),
]
