from django.urls import path

from mailboxes import views

app_name = "mailboxes"
urlpatterns = [path("oauth/callback/", views.oauth_callback, name="oauth-callback")]
