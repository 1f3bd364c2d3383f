"""Every setting indagine reads from the environment, declared once with its default and help.

`docs/settings.md` lists them; a test fails when one is declared here and not documented there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


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
        "`indagine serve` generates on first run; never a built-in default.",
    ),
    Setting("INDAGINE_DEBUG", "0", "1 turns on Django's debug pages. Never in production."),
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
        "INDAGINE_SUBMIT_RATE",
        "120/m",
        "Page submissions allowed per client address, as count/period (s, m, h, d); "
        "'off' disables the limit.",
    ),
    Setting("INDAGINE_MAX_TEXT_LENGTH", "10000", "Longest text answer accepted, in characters."),
    Setting("INDAGINE_MAX_UPLOAD_MB", "10", "Largest XLSForm or CSV upload, in megabytes."),
    Setting("INDAGINE_TIME_ZONE", "Europe/Rome", "Time zone for dates shown to people."),
    Setting("INDAGINE_LANGUAGE", "it", "Default interface language (it or en)."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> str:
    """The value of a declared setting ('' when it has no default and is unset)."""
    return _BY_NAME[name].get() or ""


def data_dir() -> Path:
    return Path(setting("INDAGINE_DATA_DIR")).expanduser()


def flag(name: str) -> bool:
    return setting(name).strip().lower() in {"1", "true", "yes", "on"}


def listing(name: str) -> list[str]:
    return [item.strip() for item in setting(name).split(",") if item.strip()]
