from django.urls import path

from mailboxes.connections import views
from mailboxes.notifications import views as notification_views

app_name = "mailboxes"
urlpatterns = [
    path("oauth/callback/", views.oauth_callback, name="oauth-callback"),
    path("notifications/", notification_views.preferences, name="notification-preferences"),
    path("notifications/settings/", notification_views.notification_settings, name="notification-settings"),
]
