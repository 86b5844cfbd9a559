"""Settings for Arrears.

Everything that differs between a laptop and production comes from the environment:

- ``ARREARS_DATABASE_URL``: a database URL (``postgres://user@host/arrears``). Unset means the
  embedded SQLite database ``var/arrears.sqlite3``.
- ``ARREARS_DEBUG``: ``1`` for development. Off by default; with it off, demo passwords are refused.
- ``ARREARS_SECRET_KEY``: Django's signing key (a development key is generated under ``var/``).
- ``ARREARS_PII_KEYS``: the key ring for personal data at rest, ``id:base64key,id:base64key``; the
  first key encrypts, every key decrypts. A development ring is generated under ``var/``.
- ``ARREARS_BLIND_INDEX_KEY``: the key for the HMAC blind indexes (generated under ``var/`` too).
- ``ARREARS_TESTDATA``: where the public golden files live (default ``../shared/testdata``).
- ``ARREARS_DOCUMENTS_DIR``: where documents (notices, evidence) are kept (default ``var/documents``).
- ``ARREARS_COLLECTOR_NAME``, ``ARREARS_COLLECTOR_ADDRESS`` (lines separated by ``|``),
  ``ARREARS_COLLECTOR_PHONE``, ``ARREARS_COLLECTOR_HOURS``, ``ARREARS_COLLECTOR_WEBSITE``: who
  signs letters and where consumers write to.
- ``ARREARS_VOICEMAIL_NAME``: the business name a limited-content voicemail gives (12 CFR
  1006.2(j)); it must not say debt collection, so not the collector's name above (default ``ARS``).
- ``ARREARS_DIALER``: the dialer that places preview calls (``arrears.core.ports.Dialer``; default
  the offline fake ``arrears.adapters.dialer.fake.FakeDialer``, which rings no one).
- ``ARREARS_SESSION_IDLE_MINUTES``: a signed-in session ends after this many minutes without a
  request, on the web and for the API's session authentication (default 30).
- ``ARREARS_SMTP_HOST`` (with ``ARREARS_SMTP_PORT``, default 587, ``ARREARS_SMTP_USER``,
  ``ARREARS_SMTP_PASSWORD``, ``ARREARS_SMTP_TLS``, default on, ``ARREARS_SMTP_SSL``): the mail
  server for password-reset mail. Unset: mail is printed to the console when ``ARREARS_DEBUG`` is
  on, and dropped otherwise (a reset link must never land in a production log).
- ``ARREARS_ACH_ODFI_ROUTING``, ``ARREARS_ACH_DESTINATION_NAME``, ``ARREARS_ACH_COMPANY_ID``,
  ``ARREARS_ACH_COMPANY_NAME``, ``ARREARS_ACH_ENTRY_DESCRIPTION``: our bank and company as the ACH
  files we originate name them (development placeholders by default).
- ``ARREARS_CARD_GATEWAY``: the card gateway (default the offline fake,
  ``arrears.adapters.cards.fake.FakeGateway``); ``arrears.adapters.cards.stripe.StripeGateway``
  takes real payments with ``ARREARS_STRIPE_SECRET_KEY`` (and ``ARREARS_STRIPE_API_BASE``,
  ``ARREARS_STRIPE_TIMEOUT_SECONDS``, default 30). With it, ``ARREARS_STRIPE_PUBLISHABLE_KEY``
  (``pk_...``) draws Stripe's card element on the account screen, so card numbers go to Stripe
  and never to us; without it the screen offers the gateway's test cards.
- ``ARREARS_EMAIL_FROM``: the sender of that mail (default ``Arrears <no-reply@localhost>``).
- ``ARREARS_PASSWORD_RESET_MINUTES``: how long an emailed reset link works (default 60).
- ``ARREARS_EMAIL_SENDER``: how email to consumers leaves (``arrears.core.ports.EmailSender``):
  by default ``arrears.adapters.email.files.FileEmailSender``, which writes each message as
  ``var/outbox/<reference>.eml`` and sends nothing; ``arrears.adapters.email.smtp.SmtpEmailSender``
  sends through the ``ARREARS_SMTP_*`` server above (``ARREARS_SMTP_HOST`` default ``localhost``),
  from ``ARREARS_EMAIL_FROM``; ``arrears.adapters.email.fake.FakeEmailSender`` keeps it in memory.
- ``ARREARS_PUBLIC_BASE_URL``: where consumers reach this site, for links in what we send them
  (the email opt-out page; default ``http://127.0.0.1:8000``).
- ``ARREARS_SMS_SENDER``: how texts to consumers leave (``arrears.core.ports.SmsSender``): by
  default ``arrears.adapters.sms.fake.FakeSmsSender``, an in-memory outbox that texts no one;
  ``arrears.adapters.sms.twilio.TwilioSmsSender`` sends through Twilio with
  ``ARREARS_TWILIO_ACCOUNT_SID`` (``AC...``), ``ARREARS_TWILIO_AUTH_TOKEN`` and either
  ``ARREARS_TWILIO_FROM`` (our number, ``+1...``) or ``ARREARS_TWILIO_MESSAGING_SERVICE_SID``
  (``MG...``); ``ARREARS_TWILIO_API_BASE`` and ``ARREARS_TWILIO_TIMEOUT_SECONDS`` (default 30)
  rarely change. Delivery reports come back to ``ARREARS_TWILIO_STATUS_CALLBACK_URL`` (default
  ``<ARREARS_PUBLIC_BASE_URL>/hooks/twilio/status/``).
- ``ARREARS_TWILIO_AUTH_TOKEN`` also opens Twilio's webhooks (``/hooks/twilio/sms/`` for
  replies, ``/hooks/twilio/status/`` for delivery reports): a request is taken only with the
  ``X-Twilio-Signature`` that token makes for ``ARREARS_PUBLIC_BASE_URL`` + the path, so that
  URL must be the one configured at Twilio. Without a token the hooks answer 404.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("ARREARS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _local_secret(filename: str, make: str = "token") -> str:
    """A development secret kept under var/, created on first use."""
    path = VAR_DIR / filename
    if not path.exists():
        if make == "fernet":
            value = "dev1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        else:
            value = secrets.token_urlsafe(48)
        path.write_text(value)
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = _env_flag("ARREARS_DEBUG")
SECRET_KEY = os.environ.get("ARREARS_SECRET_KEY") or _local_secret("secret-key")
ARREARS_PII_KEYS = os.environ.get("ARREARS_PII_KEYS") or _local_secret("pii-keys", make="fernet")
ARREARS_BLIND_INDEX_KEY = os.environ.get("ARREARS_BLIND_INDEX_KEY") or _local_secret(
    "blind-index-key"
)
ARREARS_TESTDATA = Path(os.environ.get("ARREARS_TESTDATA", BASE_DIR.parent / "shared" / "testdata"))
ARREARS_DEMO_PASSWORD_PREFIX = "demo-"

# Ports and the adapters wired to them (arrears.core.ports).
ARREARS_DOCUMENT_STORE = "arrears.adapters.storage.filesystem.FilesystemStore"
ARREARS_DOCUMENTS_DIR = Path(os.environ.get("ARREARS_DOCUMENTS_DIR", VAR_DIR / "documents"))
ARREARS_LETTERS = "arrears.adapters.letters.renderer.LetterRenderer"
ARREARS_PRINT_BATCHER = os.environ.get(
    "ARREARS_PRINT_BATCHER", "arrears.adapters.letters.batch.PrintBatchRenderer"
)
# Card payments: the offline fake unless told otherwise (development, tests and the demo charge
# no one). Production sets ARREARS_CARD_GATEWAY=arrears.adapters.cards.stripe.StripeGateway and
# ARREARS_STRIPE_SECRET_KEY; the options are passed to the gateway's constructor.
ARREARS_CARD_GATEWAY = os.environ.get(
    "ARREARS_CARD_GATEWAY", "arrears.adapters.cards.fake.FakeGateway"
)
ARREARS_CARD_GATEWAY_OPTIONS: dict[str, object] = (
    {
        "secret_key": os.environ.get("ARREARS_STRIPE_SECRET_KEY", ""),
        "api_base": os.environ.get("ARREARS_STRIPE_API_BASE", "https://api.stripe.com"),
        "timeout_seconds": float(os.environ.get("ARREARS_STRIPE_TIMEOUT_SECONDS", "30")),
    }
    if ARREARS_CARD_GATEWAY.endswith(".StripeGateway")
    else {}
)
# Stripe's publishable key (pk_...), for Stripe's card element in the browser: the card number
# is typed into Stripe's frame and only its PaymentMethod id (pm_...) reaches us. Public by
# design, but a secret key must never land in a page: anything else is refused here.
ARREARS_STRIPE_PUBLISHABLE_KEY = os.environ.get("ARREARS_STRIPE_PUBLISHABLE_KEY", "").strip()
if ARREARS_STRIPE_PUBLISHABLE_KEY and not ARREARS_STRIPE_PUBLISHABLE_KEY.startswith("pk_"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("ARREARS_STRIPE_PUBLISHABLE_KEY must be a publishable key (pk_...)")
# Our bank (the ODFI) and the company the ACH files we originate name. The defaults are
# placeholders for development; set them from the bank's ACH agreement in production.
ARREARS_ACH = {
    "odfi_routing": os.environ.get("ARREARS_ACH_ODFI_ROUTING", "091000019"),
    "destination_name": os.environ.get("ARREARS_ACH_DESTINATION_NAME", "ODFI BANK"),
    "company_id": os.environ.get("ARREARS_ACH_COMPANY_ID", "1000000001"),
    "company_name": os.environ.get("ARREARS_ACH_COMPANY_NAME", "ARREARS RECOVERY"),
    "entry_description": os.environ.get("ARREARS_ACH_ENTRY_DESCRIPTION", "PAYMENT"),
}
ARREARS_COLLECTOR = {
    "name": os.environ.get("ARREARS_COLLECTOR_NAME", "Arrears Recovery Services"),
    "address_lines": tuple(
        os.environ.get("ARREARS_COLLECTOR_ADDRESS", "PO Box 4100|Albany, NY 12204").split("|")
    ),
    "phone": os.environ.get("ARREARS_COLLECTOR_PHONE", "(800) 555-0142"),
    "hours": os.environ.get("ARREARS_COLLECTOR_HOURS", "Monday to Friday, 8 am to 8 pm Eastern"),
    "website": os.environ.get("ARREARS_COLLECTOR_WEBSITE", ""),
}
# The limited-content voicemail (arrears.core.work.voicemail): a business name that does not say
# debt collection, and the number and hours the consumer is asked to call back on.
ARREARS_VOICEMAIL = {
    "business_name": os.environ.get("ARREARS_VOICEMAIL_NAME", "ARS"),
    "phone": ARREARS_COLLECTOR["phone"],
    "reply_times": ARREARS_COLLECTOR["hours"],
}
# Preview dialing (arrears.core.ports.Dialer): the offline fake unless told otherwise.
ARREARS_DIALER = os.environ.get("ARREARS_DIALER", "arrears.adapters.dialer.fake.FakeDialer")
# What one message costs us, by channel, in dollars as decimal text (print and postage; the email
# provider's price; one SMS segment): the cost column of a strategy's results
# (arrears.services.strategies.queries). Kept to a hundredth of a cent.
ARREARS_CHANNEL_COSTS = {"letter": "0.65", "email": "0.002", "sms": "0.0079"}

ALLOWED_HOSTS = [h for h in os.environ.get("ARREARS_ALLOWED_HOSTS", "").split(",") if h] or (
    ["127.0.0.1", "localhost", "testserver"] if DEBUG else ["127.0.0.1", "localhost"]
)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ARREARS_CSRF_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves its bundled Swagger UI, so /api/docs works without a CDN
    "django_tasks_db",
    "arrears.data.users",
    "arrears.data.clients",
    "arrears.data.parties",
    "arrears.data.accounts",
    "arrears.data.payments",
    "arrears.data.ledger",
    "arrears.data.audit",
    "arrears.data.imports",
    "arrears.data.contacts",
    "arrears.data.cases",
    "arrears.data.work",
    "arrears.data.trust",
    "arrears.data.arrangements",
    "arrears.data.messaging",
    "arrears.data.strategies",
    "arrears.interfaces.web",
    "arrears.interfaces.cli",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "arrears.interfaces.web.sessions.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "arrears.config.urls"
WSGI_APPLICATION = "arrears.config.wsgi.application"

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
            ],
        },
    },
]

_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
}
_database_url = os.environ.get("ARREARS_DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        DATABASES["default"]["OPTIONS"] = dict(_SQLITE_OPTIONS)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "arrears.sqlite3"),
            "OPTIONS": dict(_SQLITE_OPTIONS),
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["arrears.interfaces.web.auth.DemoAwareBackend"]

# Sessions end after this many idle minutes (web and API session auth); the last request is
# recorded at most once a refresh interval, so an active session costs one write a minute.
ARREARS_SESSION_IDLE_MINUTES = int(os.environ.get("ARREARS_SESSION_IDLE_MINUTES", "30"))
ARREARS_SESSION_REFRESH_SECONDS = 60
# After this many failed sign-ins for a user name within the minutes, it is locked as long.
ARREARS_LOGIN_LOCK_FAILURES = 5
ARREARS_LOGIN_LOCK_MINUTES = 15

# Mail (password resets). Tests replace the backend with Django's in-memory outbox.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("ARREARS_PASSWORD_RESET_MINUTES", "60")) * 60
DEFAULT_FROM_EMAIL = os.environ.get("ARREARS_EMAIL_FROM", "Arrears <no-reply@localhost>")
_mail: dict[str, object]
if os.environ.get("ARREARS_SMTP_HOST"):
    _smtp_ssl = _env_flag("ARREARS_SMTP_SSL")
    _mail = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ["ARREARS_SMTP_HOST"],
            "port": int(os.environ.get("ARREARS_SMTP_PORT", "587")),
            "username": os.environ.get("ARREARS_SMTP_USER", ""),
            "password": os.environ.get("ARREARS_SMTP_PASSWORD", ""),
            "use_ssl": _smtp_ssl,
            "use_tls": _env_flag("ARREARS_SMTP_TLS", default=not _smtp_ssl),
            "timeout": 20,
        },
    }
elif DEBUG:
    _mail = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
else:
    _mail = {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
MAILERS = {"default": _mail}

# Email to consumers (arrears.core.ports.EmailSender): written to files under var/outbox unless
# told otherwise, so development and the demo mail no one. SMTP reuses the server settings above;
# the options are passed to the sender's constructor.
ARREARS_EMAIL_SENDER = os.environ.get(
    "ARREARS_EMAIL_SENDER", "arrears.adapters.email.files.FileEmailSender"
)
ARREARS_EMAIL_SENDER_OPTIONS: dict[str, object] = {}
if ARREARS_EMAIL_SENDER.endswith(".SmtpEmailSender"):
    _smtp_ssl = _env_flag("ARREARS_SMTP_SSL")
    ARREARS_EMAIL_SENDER_OPTIONS = {
        "host": os.environ.get("ARREARS_SMTP_HOST", "localhost"),
        "port": int(os.environ.get("ARREARS_SMTP_PORT", "587")),
        "username": os.environ.get("ARREARS_SMTP_USER", ""),
        "password": os.environ.get("ARREARS_SMTP_PASSWORD", ""),
        "use_ssl": _smtp_ssl,
        "use_tls": _env_flag("ARREARS_SMTP_TLS", default=not _smtp_ssl),
        "timeout": 20,
        "sender": DEFAULT_FROM_EMAIL,
    }
elif ARREARS_EMAIL_SENDER.endswith(".FileEmailSender"):
    ARREARS_EMAIL_SENDER_OPTIONS = {"directory": VAR_DIR / "outbox", "sender": DEFAULT_FROM_EMAIL}
# Links in what consumers receive (the opt-out page) start with this.
ARREARS_PUBLIC_BASE_URL = os.environ.get("ARREARS_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Texts to consumers (arrears.core.ports.SmsSender): the in-memory fake unless told otherwise, so
# development, tests and the demo text no one. The options are passed to the sender's
# constructor. The auth token also checks the signatures on Twilio's webhooks (none: no hooks).
ARREARS_SMS_SENDER = os.environ.get("ARREARS_SMS_SENDER", "arrears.adapters.sms.fake.FakeSmsSender")
ARREARS_TWILIO_AUTH_TOKEN = os.environ.get("ARREARS_TWILIO_AUTH_TOKEN", "")
ARREARS_SMS_SENDER_OPTIONS: dict[str, object] = (
    {
        "account_sid": os.environ.get("ARREARS_TWILIO_ACCOUNT_SID", ""),
        "auth_token": ARREARS_TWILIO_AUTH_TOKEN,
        "from_number": os.environ.get("ARREARS_TWILIO_FROM", ""),
        "messaging_service_sid": os.environ.get("ARREARS_TWILIO_MESSAGING_SERVICE_SID", ""),
        "api_base": os.environ.get("ARREARS_TWILIO_API_BASE", "https://api.twilio.com"),
        "status_callback_url": os.environ.get(
            "ARREARS_TWILIO_STATUS_CALLBACK_URL",
            ARREARS_PUBLIC_BASE_URL.rstrip("/") + "/hooks/twilio/status/",
        ),
        "timeout_seconds": float(os.environ.get("ARREARS_TWILIO_TIMEOUT_SECONDS", "30")),
    }
    if ARREARS_SMS_SENDER.endswith(".TwilioSmsSender")
    else {}
)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic in development
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# Tests run tasks inline; everywhere else the database-backed worker (`./dev worker`) runs them.
TESTING = "pytest" in sys.modules
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend"
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("ARREARS_LOG_LEVEL", "WARNING")},
}
