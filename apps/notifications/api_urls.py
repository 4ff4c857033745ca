from django.urls import path

from . import api

urlpatterns = [
    path("channels/", api.ChannelListApi.as_view(), name="api_channels"),
    path("channels/link-code/", api.LinkCodeApi.as_view(), name="api_channel_link_code"),
    path("channels/<int:pk>/", api.ChannelDetailApi.as_view(), name="api_channel_detail"),
    path("channels/<int:pk>/test/", api.ChannelTestApi.as_view(), name="api_channel_test"),
    path("alerts/", api.AlertListApi.as_view(), name="api_alerts"),
]
