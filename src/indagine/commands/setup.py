"""Django on demand, and the first run: the data folder and its secret key, migrations, the
built-in survey, the first admin."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

# pg_advisory_lock's key for setting up the database: any constant no other lock uses
# ("indagine" in ASCII, as an integer).
_SET_UP_LOCK = 0x696E646167696E65


def prepare_data_dir() -> Path:
    """Create the data folder (mode 700: it holds the answers, the members' addresses and the
    database files SQLite makes 644) and, once, the secret key kept in it (mode 600)."""
    from indagine.site.config import data_dir

    folder = data_dir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)  # a folder the club made itself keeps its mode
    key_file = folder / "secret_key"
    if not os.environ.get("INDAGINE_SECRET_KEY") and not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return folder


def setup_django() -> None:
    """Set Django up with indagine's settings, the data folder made first; a database with no
    tables yet (a command run before `indagine serve`) is set up as serve's first run does."""
    _configure()
    # Looked at under the set-up lock: the tables appear as soon as another process's set-up
    # begins, long before it ends, and a command that saw them then would read a half-migrated
    # database (a column a later migration adds is missing). Uncontended, one more query.
    with _setting_up():
        if _database_is_set_up():
            return
        _migrate_and_install()
    print(
        "indagine: new database set up (migrated, built-in survey installed); "
        "`indagine serve` or `indagine init` creates the admin",
        file=sys.stderr,
    )


def _configure() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indagine.site.settings")
    prepare_data_dir()
    import django

    django.setup()


def _database_is_set_up() -> bool:
    """Whether the database has indagine's tables (one query: the list of tables)."""
    from django.db import connection

    from indagine.surveys.models import Survey

    return Survey._meta.db_table in connection.introspection.table_names()


@contextlib.contextmanager
def _setting_up() -> Iterator[None]:
    """One process at a time sets the database up: two servers (or a server and a worker)
    started together on a new database would otherwise both migrate, and one fail half way
    (on PostgreSQL: a duplicate type). PostgreSQL: a session's advisory lock, which every
    process sharing the database sees; SQLite: a lock on a file of the data folder."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_SET_UP_LOCK])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_SET_UP_LOCK])
        return
    from indagine.site.config import data_dir

    with open(data_dir() / "setup.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def _set_up_database(verbosity: int = 0) -> str:
    """Migrate, create the cache table, install the built-in survey, one process at a time;
    the survey's slug."""
    with _setting_up():
        return _migrate_and_install(verbosity)


def _migrate_and_install(verbosity: int = 0) -> str:
    """Each step does nothing when done already, so a process that waited for another's
    set-up finds it done."""
    from django.core.management import call_command

    from indagine.surveys.services import install_builtin

    call_command("migrate", interactive=False, verbosity=verbosity)
    call_command("createcachetable", verbosity=verbosity)
    return str(install_builtin().slug)


def init(verbosity: int = 0) -> dict[str, str]:
    """Migrate, create the cache table, install the built-in survey, create the first admin.

    Returns what a person needs to know on first run (the generated admin password)."""
    _configure()
    from django.contrib.auth import get_user_model

    facts = {"slug": _set_up_database(verbosity)}
    users = get_user_model()
    if not users.objects.filter(is_superuser=True).exists():
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", email="", password=password)
        facts["admin_password"] = password
    return facts
