"""Respondents' uploads in an S3-compatible bucket (`INDAGINE_UPLOADS_S3_BUCKET`).

The store is moto's `ThreadedMotoServer`: a real HTTP server on a free local port speaking the
S3 API, so django-storages and boto3 run unchanged, signing and sending their requests as they
would to AWS, MinIO or Garage (nothing inside this process is patched). The storage is the one
the settings build from the environment (`site.config.uploads_storage`), put in place with
`override_settings`. What is checked: a respondent's file lands under the prefix, byte for byte,
and not public (an anonymous GET is refused, where a public object is not); the organiser's
download streams it as an attachment from the server; a deleted response, or survey, takes its
objects with it; `indagine backup` and `indagine restore`, run as processes, carry every object
under the prefix, and nothing beside it, byte for byte, into an empty prefix only; `indagine
serve` refuses a bucket without its keys.

Run once, on SQLite's pass: the bucket is the same whatever the database.
"""

from __future__ import annotations

import random
import subprocess
import tarfile
import textwrap
import uuid
from pathlib import Path

import boto3
import httpx
import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from moto.server import ThreadedMotoServer

from browser.server import free_port, postgres_base_url, server_env
from indagine.collect.models import Response
from indagine.commands.backup import BackupCode
from indagine.commands.preflight import ServeCode
from indagine.site import config
from indagine.surveys.models import FormVersion, Survey
from indagine.surveys.services import import_form, open_survey
from test_backup import indagine

pytestmark = pytest.mark.skipif(
    postgres_base_url() is not None, reason="the bucket is the database's neighbour, not its own"
)

FORM = """
| survey |
| | type | name | label::English (en) | body::accept |
| | begin_group | p1 | You | |
| | text | speaker | Your name | |
| | file | cv | Your CV | .pdf |
| | end_group | | | |
"""
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REGION, ACCESS, SECRET = "us-east-1", "indagine-test", "indagine-test-secret"
# What a bucket holds for the backup: a name with spaces and an accent in a nested folder, an
# empty file, and random bytes over the 1 MiB that a read holds in memory.
OBJECTS = {
    "talks/0123456789abcdef0123456789abcdef-cv.pdf": PDF,
    "talks/2026/verbale è 1.txt": "Il verbale è approvato.\n".encode(),
    "talks/empty.csv": b"",
    "panel/big.bin": random.Random(15).randbytes(1_500_000),
}


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
    )


def s3_env(endpoint: str, bucket: str, prefix: str = "uploads/") -> dict[str, str]:
    return {
        "INDAGINE_UPLOADS_S3_BUCKET": bucket,
        "INDAGINE_UPLOADS_S3_ENDPOINT": endpoint,
        "INDAGINE_UPLOADS_S3_REGION": REGION,
        "INDAGINE_UPLOADS_S3_ACCESS_KEY": ACCESS,
        "INDAGINE_UPLOADS_S3_SECRET_KEY": SECRET,
        "INDAGINE_UPLOADS_S3_PREFIX": prefix,
    }


@pytest.fixture
def bucket(s3, endpoint, monkeypatch, tmp_path):
    """A fresh bucket, and the `uploads` storage the settings make of it (Django's signal for
    STORAGES empties the storages' cache on entering and leaving)."""
    name = f"indagine-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    for variable, value in s3_env(endpoint, name).items():
        monkeypatch.setenv(variable, value)
    uploads = config.uploads_storage(tmp_path)
    with override_settings(STORAGES={**settings.STORAGES, "uploads": uploads}):
        assert type(storages["uploads"]).__name__ == "S3Storage"
        yield name


def keys(s3, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object of the bucket under `prefix`, by its key there, with its bytes."""
    found = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {
        item["Key"][len(prefix) :]: s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        for item in found
    }


@pytest.fixture
def survey(db):
    return open_survey(import_form(textwrap.dedent(FORM).encode(), "t.md", slug="talks").survey)


def _send(client, **fields):
    body = {"_page": "0", "_key": "s" * 43, "_action": "next", "_lang": "en", **fields}
    return client.post("/s/talks/", body)


def test_a_respondents_file_is_stored_privately_under_the_prefix(
    client, survey, bucket, s3, endpoint
):
    reply = _send(client, speaker="Ada", cv=SimpleUploadedFile("My CV.pdf", PDF))
    assert reply.status_code == 302
    name = Response.objects.get().answers["cv"]
    assert keys(s3, bucket) == {f"uploads/talks/{name}": PDF}
    head = s3.head_object(Bucket=bucket, Key=f"uploads/talks/{name}")
    assert head["ContentDisposition"] == "attachment"
    assert head["ContentType"] == "application/octet-stream"  # not what the browser claimed
    grants = s3.get_object_acl(Bucket=bucket, Key=f"uploads/talks/{name}")["Grants"]
    assert [g["Grantee"].get("URI") for g in grants] == [None]  # the owner alone
    # Anonymous, its URL is refused; a public object beside it is not (the server enforces it).
    s3.put_object(Bucket=bucket, Key="public.txt", Body=b"open", ACL="public-read")
    assert httpx.get(f"{endpoint}/{bucket}/public.txt").status_code == 200
    assert httpx.get(f"{endpoint}/{bucket}/uploads/talks/{name}").status_code == 403


def test_the_organisers_download_streams_it_as_an_attachment(
    client, survey, bucket, django_user_model
):
    _send(client, speaker="Ada", cv=SimpleUploadedFile("cv.pdf", PDF))
    name = Response.objects.get().answers["cv"]
    address = f"/manage/talks/files/{name}"
    client.force_login(django_user_model.objects.create_user("stranger", password="x" * 12))
    assert client.get(address).status_code == 403
    client.force_login(django_user_model.objects.create_superuser("admin", password="x" * 12))
    reply = client.get(address)
    assert reply.status_code == 200 and "Location" not in reply  # from the server, no redirect
    assert b"".join(reply.streaming_content) == PDF
    assert (
        reply["Content-Disposition"].startswith("attachment")
        and "cv.pdf" in reply["Content-Disposition"]
    )
    assert (
        reply["Content-Type"] == "application/pdf" and reply["X-Content-Type-Options"] == "nosniff"
    )


def test_a_deleted_response_or_survey_takes_its_objects_with_it(
    client, survey, bucket, s3, django_capture_on_commit_callbacks
):
    _send(client, speaker="Ada", cv=SimpleUploadedFile("cv.pdf", PDF))
    assert len(keys(s3, bucket, "uploads/talks/")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        Response.objects.all().delete()
    assert keys(s3, bucket) == {}
    # A deleted survey's objects are found by listing its prefix (a bucket has no folder to ask
    # about), even one no response names; another survey's stay.
    orphan, others = (
        "uploads/talks/" + "0" * 32 + "-left.pdf",
        "uploads/other/" + "1" * 32 + "-x.pdf",
    )
    for key in (orphan, others):
        s3.put_object(Bucket=bucket, Key=key, Body=PDF)
    with django_capture_on_commit_callbacks(execute=True):
        Survey.objects.filter(slug="talks").update(current_version=None)  # protected, as
        FormVersion.objects.filter(survey=survey).delete()  # are its versions: they go first
        Survey.objects.filter(slug="talks").delete()
    assert keys(s3, bucket) == {others: PDF}


# The commands, as processes (`indagine`: test_backup's)


def said(done: subprocess.CompletedProcess, start: str) -> str:
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout.startswith(start), done.stdout
    return done.stdout


def archived_uploads(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {
            m.name.removeprefix("uploads/"): tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.name.startswith("uploads/")
        }


def test_backup_and_restore_carry_every_object_under_the_prefix(endpoint, s3, tmp_path):
    bucket = f"indagine-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    source = server_env(tmp_path / "source", None, **s3_env(endpoint, bucket))
    said(indagine(source, "init"), "")
    for key, content in OBJECTS.items():
        s3.put_object(Bucket=bucket, Key=f"uploads/{key}", Body=content)
    s3.put_object(Bucket=bucket, Key="elsewhere/not-ours.txt", Body=b"another app's")
    backup = tmp_path / "backup.tar.gz"
    out = said(indagine(source, "backup", "-o", str(backup)), "indagine: backup written")
    assert f"{len(OBJECTS)} uploaded file(s)" in out
    assert archived_uploads(backup) == OBJECTS  # byte for byte, and nothing outside the prefix

    target = server_env(tmp_path / "restored", None, **s3_env(endpoint, bucket, "restored/"))
    said(indagine(target, "restore", str(backup)), "indagine: restored")
    assert keys(s3, bucket, "restored/") == OBJECTS
    assert keys(s3, bucket, "uploads/") == OBJECTS  # the source's, untouched

    # Into a prefix that holds files: refused in one line, and nothing changes.
    again = server_env(tmp_path / "again", None, **s3_env(endpoint, bucket, "restored/"))
    done = indagine(again, "restore", str(backup))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(f"error {BackupCode.NOT_EMPTY}: s3://{bucket}/restored/ ")
    assert not (tmp_path / "again" / "indagine.sqlite3").exists()
    assert keys(s3, bucket, "restored/") == OBJECTS

    # The same file restores into a data folder's uploads/, by the same names.
    folder = tmp_path / "folder"
    said(indagine(server_env(folder, None), "restore", str(backup)), "indagine: restored")
    assert {
        p.relative_to(folder / "uploads").as_posix(): p.read_bytes()
        for p in (folder / "uploads").rglob("*")
        if p.is_file()
    } == OBJECTS


def test_serve_refuses_a_bucket_without_its_keys(tmp_path):
    env = server_env(tmp_path, None, INDAGINE_UPLOADS_S3_BUCKET="indagine-uploads")
    env["INDAGINE_UPLOADS_S3_ACCESS_KEY"] = ACCESS
    done = indagine(env, "serve", "--port", str(free_port()))
    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"error {ServeCode.UPLOADS_BUCKET_KEYS}: ")
    assert "INDAGINE_UPLOADS_S3_SECRET_KEY" in line
    assert "INDAGINE_UPLOADS_S3_ACCESS_KEY" not in line  # it is set: only what is missing
    assert not (tmp_path / "indagine.sqlite3").exists()  # refused before any set-up
