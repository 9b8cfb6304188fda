"""Fangkong settings, read from environment variables only.

With no variables set this is the demo: SQLite in ./data, DEBUG off, served on 127.0.0.1.
Production sets FANGKONG_PRODUCTION=1 plus the variables listed in the README; then
``manage.py check --deploy`` passes without warnings.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def envbool(name: str, default: bool = False) -> bool:
    """A yes/no variable. A value that is neither (FANGKONG_PRODUCTION=ture) stops the start with
    a message rather than silently meaning "no": a typo must not turn production's safety off."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a yes/no value: use one of "
                               f"{', '.join(sorted(TRUE_WORDS))} or {', '.join(sorted(FALSE_WORDS))}.")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("FANGKONG_DATA_DIR", BASE_DIR.parent / "data")).resolve()
PRODUCTION = envbool("FANGKONG_PRODUCTION")
DEBUG = envbool("FANGKONG_DEBUG")


def _secret_key() -> str:
    """Production must set FANGKONG_SECRET_KEY. The demo keeps a generated key in its data folder
    so that sessions survive a restart without anyone having to invent one."""
    key = os.environ.get("FANGKONG_SECRET_KEY", "")
    if key or PRODUCTION:
        if not key:
            raise RuntimeError("FANGKONG_SECRET_KEY must be set when FANGKONG_PRODUCTION=1")
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("FANGKONG_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("FANGKONG_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "fangkong.core",
    "fangkong.registry",
    "fangkong.documents",
    "fangkong.health",
    "fangkong.testing",
    "fangkong.staff",
    "fangkong.supplies",
    "fangkong.dashboard",
    "fangkong.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML compressed: a knock page of 36 households is 204 KB raw, about 15 KB gzipped. BREACH
    # needs a secret and attacker-chosen text in one compressed response and many observed
    # lengths; Django masks the CSRF token afresh in every response and GZipMiddleware adds
    # random bytes to each gzip header (Django 4.2+), and the pages' personal data is masked.
    *(["django.middleware.gzip.GZipMiddleware"] if envbool("FANGKONG_COMPRESS", True) else []),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fangkong.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fangkong.core.middleware.SignedOutAsJsonMiddleware",
    "fangkong.core.middleware.MadeByMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "fangkong.core.middleware.NotAllowedMiddleware",
    "fangkong.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After authentication: a person who has not chosen their own password yet is sent to do so.
    "fangkong.core.views_accounts.FirstSignInMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fangkong.urls"
WSGI_APPLICATION = "fangkong.wsgi.application"

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
                "django.template.context_processors.i18n",
                "fangkong.core.context_processors.fangkong",
            ],
        },
    },
]

# SQLite in the data folder unless DATABASE_URL says otherwise (postgres://... uses psycopg 3).
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{DATA_DIR / 'fangkong.sqlite3'}",
        conn_max_age=envint("FANGKONG_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The test database is a file, not memory, so that a Celery worker started by a test (a
    # separate process) can open it.
    # One file per test process, so that two test runs of one checkout never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
    # Several gunicorn workers share one file: wait for the lock instead of failing, and take the
    # write lock at the start of a transaction so two writers never deadlock on an upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"  # each role lands on its day ("my work today")
CSRF_FAILURE_VIEW = "fangkong.core.views.csrf_failure"
LOGOUT_REDIRECT_URL = "login"

# Repeated failed logins lock the account from that address for a while: the pair of user name
# and address, so that nobody can lock the command post out by typing its name five times from
# elsewhere, and one mistyped password does not lock everyone behind the same address. The
# command post unlocks an account on its page (core.accounts.unlock).
AXES_FAILURE_LIMIT = envint("FANGKONG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("FANGKONG_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Sessions end after this many idle minutes: every request pushes the end further out.
SESSION_COOKIE_AGE = envint("FANGKONG_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

MEDIA_ROOT = DATA_DIR / "media"  # uploaded ledgers and error reports; never served publicly
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FANGKONG_IMPORT_MAX_BYTES = envint("FANGKONG_IMPORT_MAX_MB", 200) * 1024 * 1024

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # vendored Bootstrap and htmx, the site's own CSS
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Hashed, compressed static files everywhere (cached for good by phones on slow networks); before
# `collectstatic` has run (a fresh clone, the tests) the storage falls back to the plain names,
# which whitenoise serves from the app folders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "fangkong.core.storage.StaticStorage" if envbool("FANGKONG_COMPRESS", True)
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# FANGKONG_COMPRESS=0 gives back the old transport (no gzip, plain static names cached 60 s): only
# benchmarks/field_throttled.py uses it, to measure before and after on one machine.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# Everything is served from here: command posts often sit on closed networks, so no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("FANGKONG_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("FANGKONG_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("FANGKONG_HSTS_PRELOAD", True)

# Background work: Celery with a broker in production, a thread of the server otherwise.
CELERY_BROKER_URL = os.environ.get("FANGKONG_BROKER_URL", "")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a task killed with its worker is given to another worker
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How old (seconds) the dashboard's figures may be before a page counts them again (dashboard.FiguresCache).
FANGKONG_FIGURES_MAX_AGE = envint("FANGKONG_FIGURES_MAX_AGE", 60)
FANGKONG_TASK_MODE = os.environ.get("FANGKONG_TASK_MODE", "celery" if CELERY_BROKER_URL else "thread")

REST_FRAMEWORK = {
    # Token first, so that an unauthenticated call is answered 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "fangkong.core.rest.pagination.StrictLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "fangkong.core.rest.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fangkong API",
    "DESCRIPTION": "REST API of the Fangkong community epidemic command post.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema and docs describe every endpoint and field: for signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several apps have a field named "kind" with its own choices: each set is named here.
    # (KindEnum stays the measures' kinds, as it was before staff's API.)
    "ENUM_NAME_OVERRIDES": {"KindEnum": "fangkong.health.models.MeasureKind",
                            "TeamKindEnum": "fangkong.staff.models.TeamKind",
                            "AssignmentKindEnum": "fangkong.staff.models.AssignmentKind"},
}

# Personal data never goes to the log in plain text: log records carry ids, not ID numbers.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FANGKONG_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

if PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
