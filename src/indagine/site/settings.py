"""Django settings. Every value comes from `indagine.site.config` (the environment)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from indagine.forms import languages
from indagine.site.config import (
    data_dir,
    email_settings,
    flag,
    listing,
    secret_key,
    setting,
    uploads_storage,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()


def _secret_key() -> str:
    found = secret_key()
    if found:
        return found[0]
    raise ImproperlyConfigured(
        "No secret key: set INDAGINE_SECRET_KEY, or run `indagine serve` (or `indagine init`) "
        f"once to generate {DATA_DIR / 'secret_key'}."
    )


SECRET_KEY = _secret_key()
DEBUG = flag("INDAGINE_DEBUG")
ALLOWED_HOSTS = listing("INDAGINE_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = listing("INDAGINE_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "indagine.web.errors.csrf_failure"  # a page with a code, not Django's

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # its Swagger UI from its own static files, not from a CDN (works offline)
    "guardian",  # rights on one survey alone (surveys/access.py)
    "indagine.surveys",
    "indagine.collect",
    "indagine.panel",
    "indagine.results",
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",  # a permission held on one survey
]
ANONYMOUS_USER_NAME = None  # guardian's own anonymous account: no one outside logs in as it

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzip-compressed for browsers that ask (a respondent's page in a third of its
    # bytes, the dashboard in a seventh). Above every middleware that writes or reads the body,
    # so it compresses the final page; below WhiteNoise, which answers static files itself
    # before this is reached. BREACH (a secret guessed from the length of many compressed
    # pages that reflect the attacker's text beside it): the CSRF token is masked anew in each
    # response; a respondent's key sits in pages reflecting nothing of the request but a
    # checked language and page number; a new API token is shown once, in one page; and
    # Django pads each compressed body with up to 100 random bytes ("Heal the BREACH").
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # forms and queries that are not valid text, refused in the visitor's language
    "indagine.web.decoding.StrictDecodingMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "indagine.web.csp.FixedPolicyMiddleware",
]

# Content-Security-Policy (django-csp): scripts only from this server's own files, no plugins,
# no framing, forms posting only here. Should some text from a form ever escape its escaping,
# a browser still runs none of it. Styles may be inline: matplotlib's SVG charts carry them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

ROOT_URLCONF = "indagine.site.urls"
WSGI_APPLICATION = "indagine.site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "indagine.surveys.site.branding_context",  # name, logo, accent colour
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = setting("DATABASE_URL")
    if url:
        parsed = dj_database_url.parse(url, conn_max_age=60)
        config: dict[str, object] = dict(parsed)
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config["OPTIONS"] = _SQLITE_OPTIONS
        elif config["ENGINE"] == "django.db.backends.postgresql":
            # The respondent's statements are prepared once per connection (after 5 uses)
            # rather than parsed and planned on every page: server CPU per page POST 1.69 →
            # 1.34 ms (benchmarks/ingest.py). Behind a pooler in transaction mode (pgbouncer
            # before 1.21), prepared statements need its max_prepared_statements setting.
            options = dict(parsed.get("OPTIONS") or {})
            options.update(server_side_binding=True, prepare_threshold=5)
            config["OPTIONS"] = options
            # A connection the server dropped (a restart, an administrator) is replaced before
            # use rather than failing the next request with a 500: one "SELECT 1" a request.
            config["CONN_HEALTH_CHECKS"] = True
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "indagine.sqlite3"),
        "OPTIONS": _SQLITE_OPTIONS,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


# WAL lets readers run beside the one writer; synchronous=NORMAL keeps every committed
# transaction across a killed process (only a power cut may lose the last ones); IMMEDIATE
# takes the write lock at BEGIN so concurrent writers queue instead of failing mid-transaction.
# secure_delete zeroes what a DELETE or UPDATE frees (a partial row moved away from its key,
# an erased member's address) instead of leaving it in the page; collect/wiping.py then clears
# the write-ahead log's older copies. Its cost: a memset of the freed bytes per change.
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA cache_size=-20000; PRAGMA secure_delete=ON;"
    ),
}

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "indagine_cache",
    },
    # The rate limits' counters, in each server process's memory: counted in the database they
    # cost every page POST 5 to 12 more statements, among them a COUNT(*) of the cache table and
    # one or two writes (1.0 → 1.7 ms in-process), and the database cache's increments are not
    # atomic anyway (django_ratelimit calls it unsupported).
    # In memory a count is atomic but per process: a client whose requests are spread over W
    # workers may get up to W times the limit, which still stops floods and token guessing.
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "indagine-ratelimit",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = setting("INDAGINE_LANGUAGE")
LANGUAGES = list(languages.OFFERED.items())
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = setting("INDAGINE_TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = None  # served from the apps by WhiteNoise: nothing to collect
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # respondents' uploads (collect/uploads.py): private, in the data folder or an S3 bucket,
    # in backups
    "uploads": uploads_storage(DATA_DIR),
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "surveys:list"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = flag("INDAGINE_SECURE_COOKIES")
# Behind a reverse proxy every request comes from the proxy's address: the WSGI application
# (site/wsgi.py) then reads the client's address and scheme from the proxy's headers.
INDAGINE_TRUSTED_PROXIES = listing("INDAGINE_TRUSTED_PROXIES")
SESSION_COOKIE_HTTPONLY = True
# Messages live in the organiser's session: one that carries a new API token stays on the
# server rather than travelling in a readable (signed, not encrypted) cookie; and a respondent's
# page request, which never shows one, builds one storage instead of the cookie-then-session
# fallback's two.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

MAX_UPLOAD_BYTES = int(setting("INDAGINE_MAX_UPLOAD_MB")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
FILE_UPLOAD_HANDLERS = [  # a respondent's file over the limit dropped as it streams in
    "indagine.collect.uploads.LimitedUpload",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A page of 300 multiple choices with 8 options each may send 2,400 fields; the body's size
# (DATA_UPLOAD_MAX_MEMORY_SIZE) bounds the rest.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
INDAGINE_MAX_TEXT_LENGTH = int(setting("INDAGINE_MAX_TEXT_LENGTH"))
INDAGINE_SUBMIT_RATE = setting("INDAGINE_SUBMIT_RATE")
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_VIEW = "indagine.collect.views.rate_limited"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

INDAGINE_BASE_URL = setting("INDAGINE_BASE_URL").rstrip("/")
INDAGINE_HOME_URL = setting("INDAGINE_HOME_URL")
DEFAULT_FROM_EMAIL = setting("INDAGINE_EMAIL_FROM")
_email = email_settings(setting("INDAGINE_EMAIL_URL"))
EMAIL_BACKEND = _email.pop("BACKEND")
globals().update(_email)
INDAGINE_MAX_REMINDERS = int(setting("INDAGINE_MAX_REMINDERS"))
INDAGINE_REMINDER_DAYS = float(setting("INDAGINE_REMINDER_DAYS"))
INDAGINE_SEND_LEASE_SECONDS = int(setting("INDAGINE_SEND_LEASE_SECONDS"))
INDAGINE_TOKEN_RATE = setting("INDAGINE_TOKEN_RATE")
INDAGINE_LOGIN_RATE = setting("INDAGINE_LOGIN_RATE")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
