"""Settings, read once from the environment (and an optional `.env` file) with django-environ.

Defaults are the embedded ones a newcomer needs (SQLite and a file-system broker under `var/`);
with DEBUG off they are production-safe and refuse to start without a real secret key.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)  # home of the embedded defaults (SQLite file, broker folders, media)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

# Fernet keys, newest first; older keys still decrypt, so keys can be rotated (see rotate_keys).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    # The API reference page's Swagger UI bundle, served from our static files (no CDN): BSD licence.
    "drf_spectacular_sidecar",
    # Sign-in security (intake/sign_in.py, intake/two_factor.py): one-time passwords, failed sign-ins.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    # Failed worker tasks, stored for the admin (intake/task_results.py).
    "django_celery_results",
    "intake",
    "mailboxes",
    "acd_points",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the session passed the second factor
    "intake.middleware.CurrentTenantMiddleware",
    "intake.two_factor.SecondFactorMiddleware",  # after the tenant's: reads the memberships
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout met anywhere into the sign-in page's 429
]

ROOT_URLCONF = "intake.urls"
WSGI_APPLICATION = "intake.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "intake.context_processors.tenancy",
                "acd_points.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'intake.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; the timeout rides out short write locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What the API's rate limits count in (acd_points/api/throttling.py). The embedded default is the memory of
# one process, right for `make run`'s single web process; with several (gunicorn workers, machines) set a
# shared one, e.g. redis://redis:6379/1, so that a rate is per user and not per process.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A cache that went away costs a request two seconds, not a hung worker (the limits then let it pass).
    CACHES["default"].setdefault("OPTIONS", {}).update({"socket_connect_timeout": 2, "socket_timeout": 2})

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sign-in security: throttling failed sign-ins (django-axes) and two-factor authentication (django-otp).
# axes' backend comes first: it refuses a locked-out account or address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "intake.sign_in.SignInAttemptHandler"  # the database handler, a limit per parameter
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own: an account, an address
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)  # per account
AXES_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)  # ours: an office shares one
AXES_COOLOFF_TIME = env.int("LOGIN_COOLOFF_MINUTES", default=15) / 60  # axes reads a float as hours
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the wait announced on the page stays true
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "intake.sign_in.lockout_response"
AXES_CLIENT_IP_CALLABLE = "intake.sign_in.client_address"  # REMOTE_ADDR unless proxies are trusted:
AXES_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)  # ours: proxies adding X-Forwarded-For
AXES_DISABLE_ACCESS_LOG = True  # no table of every successful sign-in that nothing reads or sweeps
AXES_VERBOSE = False
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Intake portal")  # the name authenticator apps show

LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("pl", _("Polish"))]
FORMAT_MODULE_PATH = ["intake.formats"]  # English dates in ISO order, 24-hour (2026-12-01 08:51)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Warsaw")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"  # never served directly: downloads go through views that check access
# The companies' file areas on the server (OCR folders, folders set during a point's work).
ACD_FILES_ROOT = env.path("ACD_FILES_ROOT", default=str(VAR_DIR / "acd-files"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Production safety: everything below only relaxes when DEBUG is on.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", False) else None
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# The container's health check asks over plain HTTP from inside: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# No page is ever framed by another site; the PDF preview's response (its frame on the mail page) and the
# mail page in the list's preview pane (?pane=1) allow the portal itself (SAMEORIGIN, set by their views,
# which this middleware setting leaves alone).
X_FRAME_OPTIONS = "DENY"

# Celery: a broker that needs no server by default (kombu's file-system transport under var/).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    # A broker server that refuses or stalls (connection accepted, no answer) costs a publish seconds,
    # never a hung request: the work waits in the database and beat runs it (intake/jobs.py). The read
    # timeout stays above the worker's 1-second BRPOP, which it must not cut short.
    else {"visibility_timeout": 3600, "socket_timeout": 2.0, "socket_connect_timeout": 2.0}
)
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
# One quick retry (a pooled connection the broker closed when it restarted), then the caller goes on.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Only failures are stored (django-celery-results), for the admin's list of failed tasks; a success
# stores nothing. Kept 30 days, then beat's daily clean-up removes them.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = 30 * 24 * 3600
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # mailboxes.polling.scheduling.TICK: each buffer is polled within 5 s of its interval.
    "poll-due-buffers": {"task": "mailboxes.tasks.poll_due_buffers", "schedule": 10.0},
    "remove-orphaned-mail-files": {
        "task": "mailboxes.tasks.remove_orphaned_mail_files",
        "schedule": 6 * 3600.0,
    },
    "run-due-follow-up-work": {"task": "acd_points.tasks.run_due_follow_up_work", "schedule": 60.0},
    # Notifications: those whose retry time came, digests held past a dead poll, claims of dead workers.
    "send-due-notifications": {"task": "mailboxes.tasks.send_due_notifications", "schedule": 60.0},
}

# The REST API (acd_points/api): API tokens only, never the session, so CSRF does not apply to it.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["acd_points.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *(["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Per user, counted atomically in the default cache: across processes when CACHE_URL is shared (Redis).
    "DEFAULT_THROTTLE_CLASSES": ["acd_points.api.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_RATE", default="600/minute"),
        "failed_token": env("API_FAILED_TOKEN_RATE", default="10/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Intake portal API",
    "DESCRIPTION": "ACD points, their mails with attachments, and documents, for ERP integrations. "
    "Every call acts as the employee the token was issued to, with that employee's permissions.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema describes shapes, not data: integrators may fetch it without a token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {"MailStateEnum": "mailboxes.models.Message.State"},
    # Answers every operation has (401, 404, 429 with Retry-After), download types, links between operations.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "acd_points.api.schema.complete_answers",
    ],
    # The reference page (Swagger UI) from our static files; no call to the public validator either.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "persistAuthorization": False, "tryItOutEnabled": False},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Scrubs the secrets of the connection in progress from every record (importing it also installs the
    # record factory that does so for loggers with handlers of their own).
    "filters": {"secrets": {"()": "mailboxes.protocols.log_scrubbing.SecretFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["secrets"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # tnefparse logs a line per winmail.dat at INFO ("Skipping checksum…"): noise, not news.
    "loggers": {"tnefparse": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Mail servers. Tenants type host names, so internal addresses are refused unless listed here (CIDRs).
MAIL_ALLOWED_NETWORKS = env.list("MAIL_ALLOWED_NETWORKS", default=[])
MAIL_TIMEOUT_SECONDS = env.float("MAIL_TIMEOUT_SECONDS", default=20.0)
# Microsoft identity platform: the authority host, a CA bundle to trust it with (only for a private
# authority, as in tests), and the redirect URI registered in Entra (default: built from the request).
MS_AUTHORITY_HOST = env("MS_AUTHORITY_HOST", default="https://login.microsoftonline.com")
MS_AUTHORITY_CA_BUNDLE = env("MS_AUTHORITY_CA_BUNDLE", default="")
MS_OAUTH_REDIRECT_URI = env("MS_OAUTH_REDIRECT_URI", default="")

# Notifications: mails link back to the portal, so they need its public address (no request to ask).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
