"""Settings are data: each is documented, and production has no built-in secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from indagine.site.config import SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented():
    documented = (ROOT / "docs" / "settings.md").read_text()
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in documented]
    assert missing == []


def test_production_settings_have_no_default_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "INDAGINE_SECRET_KEY"}
    env.update(INDAGINE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="indagine.site.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "No secret key" in result.stderr


def test_sqlite_runs_in_wal_mode_with_normal_sync(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL
