"""Every setting indagine reads from the environment, declared once with its default and help.

`docs/settings.md` lists them; a test fails when one is declared here and not documented there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str

    def get(self) -> str | None:
        return os.environ.get(self.name, self.default)


def _default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "indagine")


SETTINGS = (
    Setting(
        "INDAGINE_DATA_DIR",
        _default_data_dir(),
        "Folder for the SQLite database, the generated secret key and exports.",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "Database URL (postgres://user@host:port/name); SQLite in the data folder if unset.",
    ),
    Setting(
        "INDAGINE_SECRET_KEY",
        None,
        "Django's secret key. Unset: read from secret_key in the data folder, which "
        "`indagine serve` generates on first run; never a built-in default. `indagine serve` "
        "refuses a key under 50 characters or a placeholder (changeme, secret, "
        "django-insecure-...).",
    ),
    Setting(
        "INDAGINE_DEBUG",
        "0",
        "1 turns on Django's debug pages. Never in production: `indagine serve` refuses to start.",
    ),
    Setting(
        "INDAGINE_ALLOWED_HOSTS",
        "127.0.0.1,localhost,[::1]",
        "Comma-separated host names the server answers to (`indagine serve --host` adds its own).",
    ),
    Setting(
        "INDAGINE_CSRF_TRUSTED_ORIGINS",
        "",
        "Comma-separated origins (https://survey.example.org) behind a TLS proxy.",
    ),
    Setting("INDAGINE_SECURE_COOKIES", "0", "1 marks session and CSRF cookies Secure (HTTPS)."),
    Setting(
        "INDAGINE_TRUSTED_PROXIES",
        "",
        "Comma-separated addresses or networks (127.0.0.1, 10.0.0.0/8) of the reverse proxies "
        "in front of indagine. A request from one of them is taken to come from the address its "
        "X-Forwarded-For names (for the rate limits) over the scheme its X-Forwarded-Proto "
        "names (https: secure requests); unset, those headers are ignored, as anyone can forge "
        "them.",
    ),
    Setting(
        "INDAGINE_SUBMIT_RATE",
        "120/m",
        "Page submissions allowed per client address, as count/period (s, m, h, d), "
        "counted in each server process; 'off' disables the limit.",
    ),
    Setting("INDAGINE_MAX_TEXT_LENGTH", "10000", "Longest text answer accepted, in characters."),
    Setting(
        "INDAGINE_MAX_UPLOAD_MB",
        "10",
        "Largest upload, in megabytes: an XLSForm, a CSV, or a respondent's file.",
    ),
    Setting("INDAGINE_TIME_ZONE", "Europe/Rome", "Time zone for dates shown to people."),
    Setting("INDAGINE_LANGUAGE", "it", "Default interface language (it or en)."),
    Setting(
        "INDAGINE_BASE_URL",
        "http://127.0.0.1:8000",
        "The public address of this server, used in the links of emails.",
    ),
    Setting(
        "INDAGINE_HOME_URL",
        "",
        "The organisation's own site, linked from the thank-you page (https://...); unset, "
        "no such link.",
    ),
    Setting(
        "INDAGINE_EMAIL_URL",
        "",
        "SMTP server: smtp://user:password@host:port (add ?tls=1 for STARTTLS), "
        "smtps://... for TLS from the start. Unset: emails are written to the console.",
    ),
    Setting("INDAGINE_EMAIL_FROM", "indagine <noreply@localhost>", "The sender of emails."),
    Setting("INDAGINE_MAX_REMINDERS", "2", "Most reminders a member receives for one survey."),
    Setting(
        "INDAGINE_REMINDER_DAYS",
        "3",
        "Fewest days between two messages (invitation or reminder) to one member.",
    ),
    Setting(
        "INDAGINE_SEND_LEASE_SECONDS",
        "120",
        "How long a worker holds a message it has claimed before another may take it over; "
        "renewed just before the message is sent, so a batch may outlast it without a message "
        "going twice.",
    ),
    Setting(
        "INDAGINE_SERVER",
        "granian",
        "The production WSGI server `indagine serve` runs: granian or gunicorn.",
    ),
    Setting(
        "INDAGINE_LOGIN_RATE",
        "10/h",
        "Failed organiser logins allowed per client address, as count/period, counted in each "
        "server process; past it, that address cannot log in until the period ends. 'off' "
        "disables the limit.",
    ),
    Setting(
        "INDAGINE_TOKEN_RATE",
        "30/m",
        "Wrong personal links allowed per client address, as count/period, "
        "counted in each server process.",
    ),
    Setting(
        "INDAGINE_UPLOADS_S3_BUCKET",
        None,
        "Respondents' uploads in this bucket of an S3-compatible store (AWS S3, MinIO, Garage) "
        "instead of the data folder's uploads/, for servers on several machines. Private: no "
        "public ACL, no URL handed out; organisers download through indagine. Unset: the data "
        "folder.",
    ),
    Setting(
        "INDAGINE_UPLOADS_S3_ENDPOINT",
        None,
        "The store's address (https://minio.example.org:9000) for a store other than AWS; its "
        "buckets are then addressed by path. Unset: AWS S3.",
    ),
    Setting(
        "INDAGINE_UPLOADS_S3_REGION", None, "The bucket's region (eu-south-1; Garage: garage)."
    ),
    Setting(
        "INDAGINE_UPLOADS_S3_ACCESS_KEY",
        None,
        "The access key indagine signs its requests to the store with. No default: with the "
        "bucket set, `indagine serve` refuses to start without it.",
    ),
    Setting(
        "INDAGINE_UPLOADS_S3_SECRET_KEY",
        None,
        "The access key's secret. No default: with the bucket set, `indagine serve` refuses to "
        "start without it.",
    ),
    Setting(
        "INDAGINE_UPLOADS_S3_PREFIX",
        "uploads/",
        "Where in the bucket the uploads go: every object under it is indagine's, backed up and "
        "restored with the rest.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> str:
    """The value of a declared setting ('' when it has no default and is unset)."""
    return _BY_NAME[name].get() or ""


def data_dir() -> Path:
    return Path(setting("INDAGINE_DATA_DIR")).expanduser()


def secret_key() -> tuple[str, str] | None:
    """The secret key and where it was read (the setting, or the data folder's file); None
    when there is neither yet."""
    key = setting("INDAGINE_SECRET_KEY")
    if key:
        return key, "INDAGINE_SECRET_KEY"
    path = data_dir() / "secret_key"
    if path.exists():
        return path.read_text().strip(), str(path)
    return None


def flag(name: str) -> bool:
    return setting(name).strip().lower() in {"1", "true", "yes", "on"}


def listing(name: str) -> list[str]:
    return [item.strip() for item in setting(name).split(",") if item.strip()]


def uploads_storage(folder: Path) -> dict[str, Any]:
    """Django's `uploads` storage (`collect.uploads`): the data folder's `uploads/`, or the
    bucket of INDAGINE_UPLOADS_S3_BUCKET through django-storages when several servers share
    one. Either way private: the files reach organisers only through indagine's download."""
    bucket = setting("INDAGINE_UPLOADS_S3_BUCKET")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(folder / "uploads"),
                "base_url": None,
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        }
    endpoint = setting("INDAGINE_UPLOADS_S3_ENDPOINT")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": setting("INDAGINE_UPLOADS_S3_PREFIX").strip("/"),
        "endpoint_url": endpoint or None,
        "region_name": setting("INDAGINE_UPLOADS_S3_REGION") or None,
        # No ACL: objects stay private to the bucket's owner. A URL, were one ever asked for,
        # would be signed and expire; none is: the download view streams the file itself.
        "default_acl": None,
        "querystring_auth": True,
        # A second file of the same name gets another name, never replaces the first.
        "file_overwrite": False,
        # Should the bucket ever be opened by mistake, a browser would save a respondent's file
        # rather than render it (an HTML page or an SVG runs scripts).
        "object_parameters": {
            "ContentType": "application/octet-stream",
            "ContentDisposition": "attachment",
        },
        # A file read (a download, a backup) is held in memory up to 1 MiB, then on disk.
        "max_memory_size": 1 << 20,
        # MinIO and Garage answer on one host name, not one per bucket.
        "addressing_style": "path" if endpoint else None,
    }
    keys = setting("INDAGINE_UPLOADS_S3_ACCESS_KEY"), setting("INDAGINE_UPLOADS_S3_SECRET_KEY")
    if all(keys):
        options["access_key"], options["secret_key"] = keys
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def email_settings(url: str) -> dict[str, object]:
    """Django's email settings from INDAGINE_EMAIL_URL (smtp:// or smtps://)."""
    from urllib.parse import parse_qs, unquote, urlsplit

    if not url:
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"INDAGINE_EMAIL_URL must start with smtp:// or smtps://, not {url!r}")
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": options.get("tls", "0") in ("1", "true", "yes"),
        "EMAIL_TIMEOUT": float(options.get("timeout", "20")),
    }
