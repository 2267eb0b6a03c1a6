"""A minimal Django project whose only job is to run django-oauth-toolkit as an OpenID Provider
for the harness's external scenarios. Everything that varies per run lives in the state folder
named by EXTPROV_DJANGO_STATE (written by Tests/external/providers.sh): the SQLite database, the
Django secret key and the OIDC RSA signing key; EXTPROV_DJANGO_URL is the server's own origin
(for the device grant's verification URI)."""
import os
from pathlib import Path

STATE = Path(os.environ["EXTPROV_DJANGO_STATE"])

SECRET_KEY = (STATE / "secret_key").read_text().strip()
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oauth2_provider",
    "extprovider",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "extprovider.validators.current_user_middleware",  # for prompt=none, see validators.py
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "extprovider.urls"
WSGI_APPLICATION = "extprovider.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,  # extprovider/templates/registration/login.html, oauth2_provider/templates/...
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": STATE / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"  # referenced by DOT's templates; not served (no static files needed)

LOGIN_URL = "/accounts/login/"
LOGOUT_REDIRECT_URL = "/accounts/login/"  # POST /accounts/logout/ (the OP's own logout, not RP-initiated)

_DJANGO_URL = os.environ.get("EXTPROV_DJANGO_URL", "http://127.0.0.1")  # see the device settings

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": (STATE / "oidc_rsa.pem").read_text(),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "PKCE_REQUIRED": False,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Your name",
        "email": "Your email address",
        "read": "Reading scope",
        "write": "Writing scope",
        "introspection": "Introspect tokens",
        # The scope an MCP server's tools take (MCP authorization specification 2025-06-18), for
        # Scenarios/external/mcp-style-flow.yaml: the same fixed scope works against this server
        # and the served mcp-style mock (scenario client scopes are not variable-expanded).
        "mcp:tools": "Use the MCP server's tools",
    },
    "OAUTH2_VALIDATOR_CLASS": "extprovider.validators.HarnessValidator",
    # RFC 8628 device grant (/o/device-authorization/, then the user at /o/device/). DOT's default
    # verification URI is None (the response says "verification_uri": null) and it must be absolute,
    # so providers.sh exports the server's origin before gunicorn starts; migrate and harness_setup
    # run before the port is chosen and need no URL.
    "OAUTH_DEVICE_VERIFICATION_URI": _DJANGO_URL + "/o/device/",
    "OAUTH_DEVICE_VERIFICATION_URI_COMPLETE": _DJANGO_URL + "/o/device/?user_code={user_code}",
    # RFC 7591 / RFC 7592 dynamic client registration: POST /o/register/, then GET/PUT/DELETE
    # /o/register/<client_id>/ with the registration access token (Scenarios/external/dynamic-registration.yaml).
    # Open registration (AllowAllDCRPermission: anyone may register a client, no initial access
    # token) instead of DOT's default IsAuthenticatedDCRPermission (a signed-in user only). Fine
    # here and only here: this server listens on 127.0.0.1 alone, lives for one test run, and its
    # users, clients and database are throwaway. Never copy this into a deployment.
    "DCR_ENABLED": True,
    "DCR_REGISTRATION_PERMISSION_CLASSES": ("oauth2_provider.dcr.AllowAllDCRPermission",),
}

# DEBUG is off, so Django would only mail errors: print them (and the requests) to stderr instead.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "oauth2_provider": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
