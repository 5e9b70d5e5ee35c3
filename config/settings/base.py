"""Settings shared by every mode, read from the environment (12-factor).

Modes: ``config.settings.dev`` (the embedded default used by ``make run``),
``config.settings.test`` (the test suite) and ``config.settings.production``.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    # Our apps, in their one-way dependency order:
    # members <- tiers <- points <- privileges <- services
    "members",
    "tiers",
    "points",
    "points.rewards",  # the rewards catalogue (积分商城): a sub-app of points, label "rewards"
    "privileges",
    "services",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "members.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 0),
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A busy timeout lets the embedded default serve a few concurrent requests.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "members.backends.PhoneOrUsernameBackend",
]
LOGIN_URL = "members:login"
LOGIN_REDIRECT_URL = "members:home"
LOGOUT_REDIRECT_URL = "members:landing"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "phone", "name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Upload limits: the request body is capped before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int(
    "DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 12 * 1024 * 1024
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Email and SMS: console backends by default.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "member@radiator.example"
)
SMS_BACKEND = os.environ.get("SMS_BACKEND", "members.sms.ConsoleSmsBackend")

# Celery: with no broker configured, tasks run eagerly in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "radiator",
    }
}
if os.environ.get("CACHE_URL", "").startswith("redis://"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["CACHE_URL"],
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Radiator member programme: dealer API",
    "DESCRIPTION": "Token-authenticated, dealer-scoped API (see docs/api.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Dealer API: stable names where several resources have a status or kind.
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "services.models.Booking.Status",
        "PhotoKindEnum": "services.models.BookingPhoto.Kind",
        "VoucherKindEnum": "services.api.vouchers.KINDS",
        "VoucherStatusEnum": "services.api.vouchers.STATUSES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
}

# Programme settings (the business knobs that are not operator data).
# Each app documents its own in docs/ and reads them with getattr(settings, NAME, default).

# members (docs/configuration.md): one-time codes, sign-in lockout, proxies.
MEMBERS_CODE_TTL_SECONDS = env_int("MEMBERS_CODE_TTL_SECONDS", 600)
MEMBERS_CODE_MAX_ATTEMPTS = env_int("MEMBERS_CODE_MAX_ATTEMPTS", 5)
MEMBERS_CODE_RESEND_SECONDS = env_int("MEMBERS_CODE_RESEND_SECONDS", 60)
MEMBERS_CODE_PER_PHONE_PER_HOUR = env_int("MEMBERS_CODE_PER_PHONE_PER_HOUR", 5)
MEMBERS_CODE_PER_IP_PER_HOUR = env_int("MEMBERS_CODE_PER_IP_PER_HOUR", 20)
MEMBERS_LOCKOUT_FAILURES = env_int("MEMBERS_LOCKOUT_FAILURES", 5)
MEMBERS_LOCKOUT_IP_FAILURES = env_int("MEMBERS_LOCKOUT_IP_FAILURES", 30)
MEMBERS_LOCKOUT_MINUTES = env_int("MEMBERS_LOCKOUT_MINUTES", 15)
# Number of reverse proxies in front of the app that append to X-Forwarded-For
# (0: use REMOTE_ADDR; the header is then ignored because clients can forge it).
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)

# services (docs/services.md): booking window, cut-off, peak reserve, reminders.
SERVICES_BOOKING_DAYS_AHEAD = env_int("SERVICES_BOOKING_DAYS_AHEAD", 14)
SERVICES_CANCEL_CUTOFF_HOURS = env_int("SERVICES_CANCEL_CUTOFF_HOURS", 24)
SERVICES_PEAK_MONTHS = tuple(
    int(m) for m in env_list("SERVICES_PEAK_MONTHS", "9,10,11")
)
SERVICES_SLOT_WEEKS_AHEAD = env_int("SERVICES_SLOT_WEEKS_AHEAD", 6)
SERVICES_ANNUAL_CHECK_REMINDER_MONTH = env_int(
    "SERVICES_ANNUAL_CHECK_REMINDER_MONTH", 9
)

# tiers (docs/tiers.md): qualification window, "rolling" 12 months or "calendar" year.
TIERS_QUALIFICATION_WINDOW = os.environ.get("TIERS_QUALIFICATION_WINDOW", "rolling")
