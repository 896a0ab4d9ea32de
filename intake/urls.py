from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from intake import views
from intake.admin import site as admin_site

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.sign_in_verify, name="sign-in-verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tenant/switch/", views.switch_tenant, name="switch-tenant"),
    path("profile/", views.profile, name="profile"),
    path("profile/two-factor/", views.two_factor_page, name="two-factor"),
    path("profile/two-factor/set-up/", views.two_factor_set_up, name="two-factor-set-up"),
    path(
        "profile/two-factor/recovery-codes/",
        views.two_factor_recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("profile/two-factor/turn-off/", views.two_factor_turn_off, name="two-factor-turn-off"),
    path("security/sign-in/", views.sign_in_security, name="sign-in-security"),
    path("security/sign-in/reset/", views.sign_in_security_reset, name="sign-in-security-reset"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("mailboxes/", include("mailboxes.urls")),
    path("acd/", include("acd_points.urls")),
    path("api/v1/", include("acd_points.api.urls")),
    # The API reference (Swagger UI), readable without a token like the schema it renders; trying an
    # operation needs one (Authorize).
    path(
        "api/v1/reference/",
        SpectacularSwaggerView.as_view(url_name="api:schema"),
        name="api-reference",
    ),
    path("api/", include("acd_points.api.errors")),  # any other API path: a JSON 404
    path("admin/", admin_site.urls),
]
