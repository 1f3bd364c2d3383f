"""An anonymous survey's answers are unlinkable on disk, not only in the tables: once a member
completes, the partial row they filled page by page (their key hash beside their answers) is
gone from SQLite's database file and from its write-ahead log, while the server's connection is
still open (SQLite would fold the log away anyway when the last connection closes).

Run in a process of its own on a database file, as the server runs it: the suite's own test
database is not where a server keeps its log."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from browser.server import postgres_base_url, server_env
from conftest import SMALL_FORM

pytestmark = pytest.mark.skipif(
    postgres_base_url() is not None, reason="SQLite's files: PostgreSQL's are docs/anonymity.md's"
)

# In the member's own process: three members complete the small survey through their links,
# with an open answer no other row holds; then the files are read as bytes.
SCRIPT = """
import hashlib, json, sqlite3
from pathlib import Path
from indagine.cli import _django
_django()
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment
from indagine.collect.keys import hash_key
from indagine.panel import services
from indagine.panel.models import Invitation
from indagine.panel.tokens import member_token
from indagine.surveys.services import configure, import_form, open_survey

setup_test_environment()  # the test client's host allowed
survey = import_form(SOURCE.encode(), "small.md", slug="small").survey
survey = open_survey(configure(survey, anonymous=True, panel_only=True))
services.import_members(survey, Path(MEMBERS))
services.invite(survey)
database = Path(settings.DATABASES["default"]["NAME"])
files = [database, Path(f"{database}-wal")]

def on_disk(needle):
    return sum(p.read_bytes().count(needle) for p in files if p.exists())

def live(needle):
    # the database as its rows are now, and nothing else: VACUUM INTO writes only live data
    copy = database.with_name("live.sqlite3")
    copy.unlink(missing_ok=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    found = copy.read_bytes().count(needle)
    copy.unlink()
    return found

report = []
for number, invitation in enumerate(Invitation.objects.order_by("pk")):
    token = member_token(invitation.member_id, invitation.nonce)
    marker = f"page-one-words-{number}"
    client = Client()
    assert client.get(f"/s/small/t/{token}/").status_code == 302
    pages = ({"org": "other", "org_other": marker}, {"share": "50"}, {})
    for index, answers in enumerate(pages):
        reply = client.post(
            "/s/small/", {"_key": token, "_action": "next", "_page": str(index), **answers}
        )
        assert reply.status_code == 302, reply.content.decode()[:2000]
        if index == 0:  # the partial row: its key hash beside the first page's answers
            partial = (on_disk(hash_key(token).encode()), on_disk(marker.encode()))
    key_hash = hash_key(token).encode()
    report.append({
        "partial": partial,
        "hash_on_disk": on_disk(key_hash),
        "hash_live": live(key_hash),
        "words_on_disk": on_disk(marker.encode()),
        "words_live": live(marker.encode()),
    })
print(json.dumps(report))
"""


@pytest.mark.slow
def test_a_completed_members_partial_row_is_gone_from_the_files(tmp_path):
    members_csv = tmp_path / "members.csv"
    members_csv.write_text(
        "email,name\n" + "".join(f"socio{i}@example.org,Socio {i}\n" for i in range(3)),
        encoding="utf-8",
    )
    source = textwrap.dedent(SMALL_FORM)
    code = f"SOURCE = {source!r}\nMEMBERS = {str(members_csv)!r}\n" + textwrap.dedent(SCRIPT)
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=server_env(tmp_path / "data", None),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report) == 3
    for member in report:
        hashes, words = member["partial"]
        assert hashes >= 2 and words >= 1  # while partial, the test sees both on disk
        # after: the key hash only where a live row holds it (the member's invitation), and the
        # answers only in the complete row, which has no key: neither the database's free
        # space nor the log (whatever was written to it since) keeps the partial row
        assert member["hash_on_disk"] == member["hash_live"] >= 1
        assert member["words_on_disk"] == member["words_live"] == 1
    assert json.dumps(report).count("page-one") == 0  # the script reports counts, not words
