"""Invitations to a large panel, delivered end to end to a local SMTP sink.

    .venv/bin/python benchmarks/invite.py [--members 100000] [--workers 1,2] [--postgres]

For each number of workers: a fresh data folder (SQLite, or with --postgres a throwaway database
on 127.0.0.1:5432), `indagine init`, import the members from a generated CSV, `invite`, then
`indagine worker --burst` in that many processes until the sink has every message. The sink is
aiosmtpd in its own process, counting what it accepts. In the same run the sink's own ceiling is
measured: a plain smtplib client sending the same number of prebuilt messages over one
connection, and over two connections in parallel. Target: 500 messages per second end to end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

TARGET = 500.0
POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
SLUG = "remote-working-2020"


# The SMTP sink: aiosmtpd in its own process, counting messages.


def _sink(port: int, count, ready) -> None:
    import asyncio

    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        asyncio.run(asyncio.sleep(10**9))
    finally:
        controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_sink():
    port = free_port()
    count, ready = mp.Value("q", 0), mp.Event()
    process = mp.Process(target=_sink, args=(port, count, ready), daemon=True)
    process.start()
    ready.wait(20)
    try:
        yield port, count
    finally:
        process.terminate()
        process.join(10)


# The sink's own ceiling: smtplib and prebuilt messages.


def _prebuilt() -> bytes:
    message = EmailMessage()
    message["From"] = "indagine <noreply@localhost>"
    message["To"] = "member@example.org"
    message["Subject"] = "Remote Working e Contact Center: la sua opinione conta"
    message["List-Unsubscribe"] = "<http://127.0.0.1:8000/u/" + "x" * 40 + "/>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    link = "http://127.0.0.1:8000/s/x/t/" + "y" * 32
    body = f"Gentile socio,\n\nla invitiamo a partecipare.\n\n{link}\n"
    message.set_content(body * 3)
    message.add_alternative(f"<p>{body * 3}</p>", subtype="html")
    return message.as_bytes(policy=SMTP)  # CRLF line ends, as on the wire


def _blast(port: int, start: int, count: int, payload: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port) as client:
        for i in range(start, start + count):
            client.sendmail("noreply@localhost", [f"member{i}@example.org"], payload)


def sink_ceiling(port: int, count, total: int, connections: int) -> float:
    payload = _prebuilt()
    before = count.value
    share = total // connections
    began = time.perf_counter()
    if connections == 1:
        _blast(port, 0, total, payload)
    else:
        workers = [
            mp.Process(target=_blast, args=(port, i * share, share, payload))
            for i in range(connections)
        ]
        for process in workers:
            process.start()
        for process in workers:
            process.join()
    elapsed = time.perf_counter() - began
    assert count.value - before == share * connections
    return share * connections / elapsed


# One end-to-end run: a fresh site, import, invite, k workers.


@contextmanager
def throwaway_database(enabled: bool):
    if not enabled:
        yield None
        return
    import psycopg

    name = f"indagine_bench_invite_{os.getpid()}"

    def run(sql: str) -> None:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(POSTGRES)._replace(path=f"/{name}"))
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def site_env(data_dir: Path, database_url: str | None, smtp_port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INDAGINE_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        INDAGINE_DATA_DIR=str(data_dir),
        INDAGINE_EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


QUEUE = """
import json, time
from pathlib import Path
from indagine.cli import _django, init
init()
from indagine.panel import services
from indagine.surveys.models import Survey
survey = Survey.objects.get(slug={slug!r})
began = time.perf_counter()
report = services.import_members(survey, Path({csv!r}))
imported = time.perf_counter()
queued = services.invite(survey)
done = time.perf_counter()
print(json.dumps({{"created": report.created, "queued": queued,
                  "import_s": imported - began, "invite_s": done - imported}}))
"""


def write_members(path: Path, members: int) -> None:
    sizes = ("small", "medium", "large")
    with path.open("w", encoding="utf-8") as handle:
        handle.write("email,name,organisation,size,language\n")
        for i in range(members):
            handle.write(
                f"member{i:06d}@example.org,Member {i},Org {i % 997},{sizes[i % 3]},"
                f"{'en' if i % 5 == 0 else 'it'}\n"
            )


def end_to_end(members: int, workers: int, port: int, count, postgres: bool, csv: Path) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="indagine-bench-invite-"))
    try:
        with throwaway_database(postgres) as database_url:
            env = site_env(data_dir, database_url, port)
            code = textwrap.dedent(QUEUE.format(slug=SLUG, csv=str(csv)))
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
            )
            if done.returncode:
                raise RuntimeError(done.stderr)
            queue = json.loads(done.stdout.strip().splitlines()[-1])
            assert queue["queued"] == members, queue
            before = count.value
            began = time.perf_counter()
            first = None
            processes = [
                subprocess.Popen(
                    [sys.executable, "-m", "indagine.cli", "worker", "--burst"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=(data_dir / f"worker{i}.log").open("w"),
                )
                for i in range(workers)
            ]
            while any(p.poll() is None for p in processes):
                if first is None and count.value > before:
                    first = time.perf_counter()
                time.sleep(0.01)
            ended = time.perf_counter()
            sent = count.value - before
            if sent != members:
                logs = "".join(
                    (data_dir / f"worker{i}.log").read_text()[-2000:] for i in range(workers)
                )
                raise RuntimeError(f"the sink got {sent} of {members} messages:\n{logs}")
            return {
                **queue,
                "workers": workers,
                "deliver_s": ended - began,
                "rate": members / (ended - began),
                "rate_after_first": members / (ended - (first or began)),
            }
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL on 127.0.0.1:5432")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"invite benchmark: {args.members:,} members, {database}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder, smtp_sink() as (port, count):
        csv = Path(folder) / "members.csv"
        write_members(csv, args.members)
        ceiling = {c: sink_ceiling(port, count, args.members, c) for c in (1, 2)}
        print(f"SMTP sink ceiling (smtplib, prebuilt): 1 connection {ceiling[1]:8.0f} msg/s")
        print(f"                                       2 connections {ceiling[2]:7.0f} msg/s")
        print()
        print("workers  import s  invite s  deliver s   msg/s  (after 1st)  vs sink  target")
        for workers in counts:
            run = end_to_end(args.members, workers, port, count, args.postgres, csv)
            ratio = run["rate"] / ceiling[min(workers, 2)]
            verdict = "met" if run["rate"] >= TARGET else "MISSED"
            print(
                f"{workers:7d}  {run['import_s']:8.1f}  {run['invite_s']:8.1f}  "
                f"{run['deliver_s']:9.1f}  {run['rate']:6.0f}  ({run['rate_after_first']:6.0f})   "
                f"{ratio:6.1%}  {verdict} ({TARGET:.0f})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
