from django.urls import path

from . import views

urlpatterns = [
    path("settings/notifications/", views.notifications_settings, name="notifications_settings"),
    path("settings/notifications/personal/", views.preferences, name="notifications_preferences"),
    path("settings/notifications/email/", views.channel_email_add, name="notifications_email_add"),
    path("settings/notifications/telegram/", views.telegram_link_code, name="notifications_telegram_link"),
    path("settings/notifications/channels/<int:pk>/<str:action>/", views.channel_action,
         name="notifications_channel_action"),
]

webhook_urlpatterns = [
    path("telegram/webhook/", views.telegram_webhook, name="telegram_webhook"),
]
