"""Settings, read once from environment variables, with safe defaults.

Nothing else in the application reads ``os.environ``: every setting is a key
of ``app.config`` and is documented in the README.
"""
from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; start-up stops with this message."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(environ, name: str, default: int) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


class SendRate(NamedTuple):
    """At most ``count`` messages per ``seconds``, in all or to each recipient domain."""

    count: int
    seconds: int
    per_domain: bool


_RATE_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"(\d+)\s*(?:/|per)\s*(second|minute|hour|day)s?(\s+per\s+domain)?")


def parse_send_rate(raw: str | None) -> tuple[SendRate, ...]:
    """``"600/minute; 60/minute per domain"`` → limits; empty means no limit.

    :raise ConfigError: naming the part that is not understood.
    """
    limits = []
    for part in re.split(r"[;,]", raw or ""):
        part = part.strip().lower()
        if not part:
            continue
        match = _RATE.fullmatch(part)
        if not match or int(match.group(1)) < 1:
            raise ConfigError(f"NEWSLETTER_RATE: cannot read {part!r}; write limits such as "
                              "\"600/minute; 60/minute per domain\" (units: second, minute, hour, day)")
        limits.append(SendRate(int(match.group(1)), _RATE_UNITS[match.group(2)], bool(match.group(3))))
    return tuple(limits)


def _choice(environ, name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (environ.get(name) or default).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _mailbox_url(raw: str | None) -> str:
    """The bounce mailbox: IMAP or POP3 over TLS; the plain protocols only on loopback (tests)."""
    url = (raw or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("imaps", "pop3s", "imap", "pop3") or not parts.hostname or not parts.username:
        raise ConfigError("BOUNCE_MAILBOX_URL must look like imaps://user:password@host/INBOX "
                          "or pop3s://user:password@host")
    if parts.scheme in ("imap", "pop3") and parts.hostname not in ("127.0.0.1", "::1", "localhost"):
        raise ConfigError("BOUNCE_MAILBOX_URL: use imaps:// or pop3s:// (without TLS only a loopback "
                          "address is allowed)")
    return url


def _cache_url(raw: str) -> str:
    if raw in ("", "none") or raw.startswith(("file://", "redis://", "rediss://", "unix://")):
        return raw
    raise ConfigError(f"CACHE_URL must be empty, file:///folder, redis://host:port/db or none, not {raw!r}")


def _persistent_secret_key(instance: Path) -> str:
    """Make a random key once and keep it under ``instance/`` so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _development_site_url(environ, instance: Path) -> str:
    """Where the development server is reached, when ``SITE_URL`` is not set.

    ``make run`` passes ``HOST`` and ``PORT`` to the server only; a CLI command or the
    newsletter worker started in another terminal does not have them. So the server
    records its address under ``instance/``, and processes started without
    ``HOST``/``PORT`` read it there: every process builds the same links.
    """
    recorded = instance / "site_url"
    if environ.get("HOST") or environ.get("PORT"):
        url = f"http://{environ.get('HOST') or '127.0.0.1'}:{environ.get('PORT') or '5000'}"
        if not recorded.exists() or recorded.read_text().strip() != url:
            instance.mkdir(parents=True, exist_ok=True)
            recorded.write_text(url + "\n")
        return url
    if recorded.exists():
        return recorded.read_text().strip()
    return "http://127.0.0.1:5000"


def _dkim_settings(environ) -> dict:
    """DKIM signing: all of selector, domain and key, or none of them (half a setting is a mistake)."""
    selector = (environ.get("DKIM_SELECTOR") or "").strip()
    domain = (environ.get("DKIM_DOMAIN") or "").strip().lower()
    key_file = (environ.get("DKIM_PRIVATE_KEY_FILE") or "").strip()
    key = (environ.get("DKIM_PRIVATE_KEY") or "").strip()
    if key_file and not key:
        try:
            key = Path(key_file).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"DKIM_PRIVATE_KEY_FILE cannot be read: {exc}") from exc
    if any((selector, domain, key)) and not all((selector, domain, key)):
        raise ConfigError("DKIM signing needs DKIM_SELECTOR, DKIM_DOMAIN and a key (DKIM_PRIVATE_KEY_FILE "
                          "or DKIM_PRIVATE_KEY); `flask newsletter dkim-key` makes one.")
    return {"DKIM_SELECTOR": selector, "DKIM_DOMAIN": domain, "DKIM_PRIVATE_KEY_FILE": key_file,
            "DKIM_PRIVATE_KEY": key}


def from_environment(environ=None) -> dict:
    """Build the configuration mapping from ``environ`` (``os.environ`` by default)."""
    environ = os.environ if environ is None else environ
    instance = Path(environ.get("INSTANCE_PATH") or DEFAULT_INSTANCE)
    production = environ.get("BLOG_ENV", "development") == "production"
    site_url = (environ.get("SITE_URL") or "").rstrip("/")
    secret_key = environ.get("SECRET_KEY") or ""
    rate_limit_storage = environ.get("RATELIMIT_STORAGE_URI") or ""
    if production:
        required = (("SITE_URL", site_url), ("SECRET_KEY", secret_key), ("RATELIMIT_STORAGE_URI", rate_limit_storage))
        missing = [name for name, value in required if not value]
        if missing:
            raise ConfigError(
                "In production (BLOG_ENV=production) these settings are required: "
                + ", ".join(missing)
                + ". Set them in the environment before starting the server."
            )
        if rate_limit_storage.startswith("memory://"):
            # Each worker process would count on its own: N workers let N times the limit through.
            raise ConfigError("In production RATELIMIT_STORAGE_URI must be shared by every server process "
                              "(e.g. redis://127.0.0.1:6379), not memory://.")
    if not secret_key:
        secret_key = _persistent_secret_key(instance)
    if not site_url:
        site_url = _development_site_url(environ, instance)
    max_upload_bytes = _int(environ, "MAX_UPLOAD_BYTES", 25 * 1024 * 1024)
    # Room for the other fields of an upload form and multipart framing.
    max_content_length = _int(environ, "MAX_CONTENT_LENGTH", max_upload_bytes + 4 * 1024 * 1024)
    if max_content_length <= max_upload_bytes:
        raise ConfigError("MAX_CONTENT_LENGTH must be larger than MAX_UPLOAD_BYTES, or no photo of the "
                          "allowed size could be uploaded.")
    database_url = environ.get("DATABASE_URL") or f"sqlite:///{instance / 'blog.sqlite3'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://"):]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    return {
        "ENV_NAME": "production" if production else "development",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret_key,
        "SITE_URL": site_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A server connection may have been dropped while pooled; a file database cannot be.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": not database_url.startswith("sqlite")},
        "MEDIA_ROOT": environ.get("MEDIA_ROOT") or str(instance / "media"),
        "MAIL_URL": environ.get("MAIL_URL") or "",
        "MAIL_FOLDER": environ.get("MAIL_FOLDER") or str(instance / "mail"),
        "MAIL_FROM": environ.get("MAIL_FROM") or "",
        "MAIL_TIMEOUT": _int(environ, "MAIL_TIMEOUT", 30),
        "MAIL_SKIP_RESERVED": _bool(environ.get("MAIL_SKIP_RESERVED"), True),
        "NEWSLETTER_BATCH_SIZE": _int(environ, "NEWSLETTER_BATCH_SIZE", 50),
        "NEWSLETTER_LEASE_SECONDS": _int(environ, "NEWSLETTER_LEASE_SECONDS", 300),
        "NEWSLETTER_MAX_ATTEMPTS": _int(environ, "NEWSLETTER_MAX_ATTEMPTS", 8),
        "NEWSLETTER_RETRY_SECONDS": _int(environ, "NEWSLETTER_RETRY_SECONDS", 60),
        "NEWSLETTER_SYNC_COMMIT": _bool(environ.get("NEWSLETTER_SYNC_COMMIT"), False),
        "NEWSLETTER_BOUNCE_THRESHOLD": _int(environ, "NEWSLETTER_BOUNCE_THRESHOLD", 3),
        "NEWSLETTER_CONFIRM_HOURS": _int(environ, "NEWSLETTER_CONFIRM_HOURS", 48),
        "NEWSLETTER_RETENTION_DAYS": _int(environ, "NEWSLETTER_RETENTION_DAYS", 90),
        "NEWSLETTER_SUPPRESSION_KEY": environ.get("NEWSLETTER_SUPPRESSION_KEY") or secret_key,
        "NEWSLETTER_STORE_IP": _choice(environ, "NEWSLETTER_STORE_IP", "truncated",
                                       ("full", "truncated", "none")),
        "NEWSLETTER_CONSENT_TEXT": environ.get("NEWSLETTER_CONSENT_TEXT") or (
            "We send a link to confirm; nothing else until you click it. "
            "Every email has a one-click unsubscribe link."),
        "NEWSLETTER_CONSENT_VERSION": environ.get("NEWSLETTER_CONSENT_VERSION") or "",
        "NEWSLETTER_RATE": parse_send_rate(environ.get("NEWSLETTER_RATE")),
        "NEWSLETTER_REVIEW_THRESHOLD": _int(environ, "NEWSLETTER_REVIEW_THRESHOLD", 0),
        "NEWSLETTER_HOUSEKEEPING_SECONDS": _int(environ, "NEWSLETTER_HOUSEKEEPING_SECONDS", 300),
        "BOUNCE_MAILBOX_URL": _mailbox_url(environ.get("BOUNCE_MAILBOX_URL")),
        "BOUNCE_MAILBOX_CA_FILE": environ.get("BOUNCE_MAILBOX_CA_FILE") or "",
        "MAIL_RETURN_PATH": environ.get("MAIL_RETURN_PATH") or "",
        "UPLOAD_LIMITS": environ.get("UPLOAD_LIMITS") or "60 per minute;600 per hour",
        "SUBSCRIBE_LIMITS": environ.get("SUBSCRIBE_LIMITS") or "5 per minute;20 per hour",
        "MAX_UPLOAD_BYTES": max_upload_bytes,
        "MAX_CONTENT_LENGTH": max_content_length,
        "MAX_IMAGE_PIXELS": _int(environ, "MAX_IMAGE_PIXELS", 50_000_000),
        "POSTS_PER_PAGE": _int(environ, "POSTS_PER_PAGE", 10),
        "PAGE_CACHE_SECONDS": _int(environ, "PAGE_CACHE_SECONDS", 60),
        "RATELIMIT_STORAGE_URI": rate_limit_storage or "memory://",
        "CACHE_URL": _cache_url(environ.get("CACHE_URL") or ""),
        "CACHE_KEY_PREFIX": environ.get("CACHE_KEY_PREFIX") or "blog",
        "RATELIMIT_KEY_PREFIX": environ.get("RATELIMIT_KEY_PREFIX") or "blog",
        "RATELIMIT_ENABLED": _bool(environ.get("RATELIMIT_ENABLED"), True),
        "LOGIN_LIMITS": environ.get("LOGIN_LIMITS") or "5 per minute;30 per hour",
        "LOGIN_ACCOUNT_LIMITS": environ.get("LOGIN_ACCOUNT_LIMITS") or "5 per minute;30 per hour",
        "INVITATION_DAYS": _int(environ, "INVITATION_DAYS", 7),
        # The API (blog.api): requests per personal token, and the Content API's page size (at most 100).
        "API_RATE_LIMITS": environ.get("API_RATE_LIMITS") or "120 per minute;3000 per hour",
        "API_PAGE_SIZE": _int(environ, "API_PAGE_SIZE", 20),
        # flask-smorest: the OpenAPI document is generated from the code, served at /api/v1/openapi.json.
        "API_TITLE": "Research group blog API",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": site_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": site_url.startswith("https://"),
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int(environ, "REMEMBER_DAYS", 30)),
        "PREFERRED_URL_SCHEME": "https" if site_url.startswith("https://") else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        # Requests naming another host are refused (400) in production; links never use the Host header.
        "TRUSTED_HOSTS": [urlsplit(site_url).hostname] if production else None,
        "PROXY_COUNT": _int(environ, "PROXY_COUNT", 0),
        "ALLOW_OEMBED_FETCH": _bool(environ.get("ALLOW_OEMBED_FETCH"), False),
        # A WordPress import reads photos from this folder (a copy of wp-content/uploads) unless the
        # CLI names one; it fetches them from the old site only with ALLOW_IMPORT_FETCH on.
        "IMPORT_MEDIA_DIR": environ.get("IMPORT_MEDIA_DIR", ""),
        "ALLOW_IMPORT_FETCH": _bool(environ.get("ALLOW_IMPORT_FETCH"), False),
        "WORDPRESS_IMPORT_MAX_BYTES": _int(environ, "WORDPRESS_IMPORT_MAX_BYTES", 100 * 1024 * 1024),
        # Publications from a DOI: ask Crossref and DataCite for their metadata (off: BibTeX only).
        "ALLOW_METADATA_FETCH": _bool(environ.get("ALLOW_METADATA_FETCH"), False),
        **_dkim_settings(environ),
    }
