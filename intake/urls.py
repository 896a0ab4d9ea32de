from django.contrib.auth import views as auth_views
from django.urls import include, path

from intake import views
from intake.admin import site as admin_site

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tenant/switch/", views.switch_tenant, name="switch-tenant"),
    path("profile/", views.profile, name="profile"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("mailboxes/", include("mailboxes.urls")),
    path("acd/", include("acd_points.urls")),
    path("api/v1/", include("acd_points.api.urls")),
    path("admin/", admin_site.urls),
]
