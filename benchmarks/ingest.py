"""Ingest benchmark: complete submissions through the production server's full HTTP path.

    .venv/bin/python benchmarks/ingest.py [--seconds 15] [--clients 32] [--only sqlite|postgres]

For SQLite, then PostgreSQL (a throwaway database on 127.0.0.1:5432, user postgres, created and
dropped here), it starts `indagine serve` on a fresh data folder with a submission rate limit no
client here reaches (every page POST is still counted against it, as in production), and drives
N concurrent respondents on 127.0.0.1: each GETs the first page (CSRF cookie, token, resume key)
and POSTs the 7 pages of the built-in survey, again and again. Then the same clients
hammer the trivial view /healthz, and then the floor /bench/floor/ (ingest_urls.py: the least a
page POST can do in Django, one lookup and one durable write). It prints submissions/s, page
POSTs/s with p50/p99 latency, the trivial view's requests/s, and the ratio; then the floor beside
them. Target: page POSTs ≥ 50% of /healthz, p99 < 150 ms.

The load generator is one asyncio loop (httpx.AsyncClient) sharing the machine with the server,
so the end-to-end ratio depends on the generator's own cost per request as well as the server's:
the /healthz phase is bound by the generator (one core), the submission phase by both. So it
also prints the CPU each side spent per request (from /proc; PostgreSQL's processes count as the
server's), and the server-only ratio: server CPU per /healthz over server CPU per page request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AsyncExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

SLUG = "remote-working-2020"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r'name="_key" value="([^"]+)"')
AGREE = (
    "agree_change",
    "agree_digital_better",
    "agree_digital_training",
    "agree_no_return",
    "agree_productivity",
    "agree_objectives",
    "agree_compensation",
    "agree_augmented",
)
EFFECTS = (
    "effect_balance",
    "effect_continuity",
    "effect_quality",
    "effect_costs",
    "effect_commuting",
    "effect_realestate",
    "effect_cohesion",
)
# One complete respondent, page by page, as a browser with page.js sends it.
PAGES: list[dict[str, str | list[str]]] = [
    {
        "org_type": "inhouse",
        "role": "cc_head",
        "cc_size": "50_249",
        "sector": "telco",
        "_shown": "welcome org_type role cc_size sector",
    },
    {
        "remote": "most",
        "remote_share": "60",
        "remote_days": "5",
        "remote_tools": ["vpn", "cloud"],
        "_shown": "remote remote_share remote_days remote_tools",
    },
    {**dict.fromkeys(AGREE, "4"), "_shown": "agree_intro " + " ".join(AGREE)},
    {
        "digital_use": "increased",
        "digital_channels": ["chat", "email"],
        "_shown": "digital_use digital_channels",
    },
    {**dict.fromkeys(EFFECTS, "significant"), "_shown": "effects_intro " + " ".join(EFFECTS)},
    {"solutions": ["cloud_cc", "chatbot"], "_shown": "solutions"},
    {"testimony": "Abbiamo retto bene.", "quote_ok": "yes", "_shown": "testimony quote_ok"},
]


# Each page's form body, encoded once: the generator's work per POST is then close to a GET's,
# so the ratio measures the server rather than the client's form encoding.
BODIES = [
    b"&" + urlencode({"_page": i, "_action": "next", "_lang": "it", **p}, doseq=True).encode()
    for i, p in enumerate(PAGES)
]
FORM = {"content-type": "application/x-www-form-urlencoded"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def postgres_database(name: str):
    import psycopg

    def run(sql: str) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cpu_seconds(process_group: int) -> float:
    """CPU time (user + system) used so far by the live processes of a process group, and by
    any PostgreSQL server processes (the database's share of a request), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[2] is the process group; fields[11], fields[12] are utime and stime
        if int(fields[2]) == process_group or name == "postgres":
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@contextmanager
def production_server(database_url: str | None, workers: int | None, threads: int | None):
    """`indagine serve` in its own process group on a fresh data folder; yields its base URL
    and its process group."""
    with tempfile.TemporaryDirectory(prefix="indagine-bench-") as data:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("INDAGINE_") and k != "DATABASE_URL"
        }
        env.update(INDAGINE_DATA_DIR=data, INDAGINE_SUBMIT_RATE="100000000/m")
        # indagine's settings and URLs plus the floor view (ingest_urls.py), from this folder
        env["DJANGO_SETTINGS_MODULE"] = "ingest_settings"
        here = str(Path(__file__).resolve().parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
        if database_url:
            env["DATABASE_URL"] = database_url
        port = free_port()
        argv = [sys.executable, "-m", "indagine.cli", "serve", "--port", str(port)]
        argv += ["--workers", str(workers)] if workers else []
        argv += ["--threads", str(threads)] if threads else []
        log = open(Path(data) / "serve.log", "w+")  # noqa: SIM115
        server = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, server, log)
            yield base, server.pid
        finally:
            with suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.close()


def wait_until_up(base: str, server: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            sys.exit(f"indagine serve exited:\n{log.read()}")
        with suppress(httpx.TransportError):
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    sys.exit("indagine serve did not answer within 60 s")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # of the counted requests, seconds
    submissions: int = 0
    gets: int = 0
    failures: int = 0
    first_failure: str = ""
    server_cpu: float = 0.0  # seconds of CPU the server (and database) used during the run
    client_cpu: float = 0.0  # seconds of CPU this load generator used during the run

    @property
    def requests(self) -> int:
        """Every request sent, the counted ones and the first pages' GETs."""
        return len(self.latencies) + self.gets

    def fail(self, what: str) -> None:
        self.failures += 1
        self.first_failure = self.first_failure or what


async def respondent(client: httpx.AsyncClient, base: str, stop_at: float, tally: Tally) -> None:
    """Complete submissions one after another until the time is up."""
    url = f"{base}/s/{SLUG}/"
    while time.perf_counter() < stop_at:
        client.cookies.clear()
        page = await client.get(url)
        tally.gets += 1
        token, key = TOKEN.search(page.text), KEY.search(page.text)
        if page.status_code != 200 or not token or not key:
            tally.fail(f"GET {page.status_code}")
            continue
        own = urlencode({"csrfmiddlewaretoken": token[1], "_key": key[1]}).encode()
        for index, body in enumerate(BODIES):
            started = time.perf_counter()
            reply = await client.post(url, content=own + body, headers=FORM)
            finished = time.perf_counter()
            if finished <= stop_at:
                tally.latencies.append(finished - started)
            expected = "/thanks/" if index == len(PAGES) - 1 else f"page={index + 1}"
            if reply.status_code != 302 or expected not in reply.headers.get("location", ""):
                tally.fail(f"POST page {index}: {reply.status_code} {reply.text[:200]}")
                break
        else:
            if finished <= stop_at:
                tally.submissions += 1


async def floor(client: httpx.AsyncClient, base: str, stop_at: float, tally: Tally) -> None:
    """The floor view (ingest_urls.py), with the same body and CSRF token as a page POST."""
    page = await client.get(f"{base}/s/{SLUG}/")
    tally.gets += 1
    token = TOKEN.search(page.text)
    if page.status_code != 200 or not token:
        tally.fail(f"GET {page.status_code}")
        return
    body = urlencode({"csrfmiddlewaretoken": token[1]}).encode() + BODIES[2]
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        reply = await client.post(f"{base}/bench/floor/", content=body, headers=FORM)
        finished = time.perf_counter()
        if reply.status_code != 302:
            tally.fail(f"POST /bench/floor/ {reply.status_code} {reply.text[:200]}")
            return
        if finished <= stop_at:
            tally.latencies.append(finished - started)


async def healthz(client: httpx.AsyncClient, base: str, stop_at: float, tally: Tally) -> None:
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        reply = await client.get(f"{base}/healthz")
        finished = time.perf_counter()
        if reply.status_code != 200:
            tally.fail(f"GET /healthz {reply.status_code}")
        elif finished <= stop_at:
            tally.latencies.append(finished - started)


def drive(kind, base: str, clients: int, seconds: float, server: int) -> Tally:
    """Run `clients` copies of `kind` for `seconds`, with the CPU both sides used meanwhile.

    The clients are made before the clock starts: each loads the certificate bundle for its SSL
    context (~25 ms of CPU here, unused over http://), which inside the window cost the
    generator most of a second per measure."""

    async def run() -> None:
        async with AsyncExitStack() as stack:
            made = [
                await stack.enter_async_context(httpx.AsyncClient(timeout=30))
                for _ in range(clients)
            ]
            server_before, client_before = cpu_seconds(server), time.process_time()
            stop_at = time.perf_counter() + seconds
            await asyncio.gather(*(kind(c, base, stop_at, tally) for c in made))
            tally.server_cpu = cpu_seconds(server) - server_before
            tally.client_cpu = time.process_time() - client_before

    tally = Tally()
    asyncio.run(run())
    return tally


def percentile(values: list[float], p: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=1000, method="inclusive")[round(p * 10) - 1]


@dataclass(frozen=True)
class Result:
    backend: str
    post_rate: float
    post_p50: float
    post_p99: float
    submissions_rate: float
    health_rate: float
    health_p50: float
    health_p99: float
    failures: int
    post_server_ms: float  # server CPU per request, submission phase (GETs included)
    post_client_ms: float  # load generator CPU per request, submission phase
    health_server_ms: float
    health_client_ms: float
    floor_rate: float  # POSTs/s of the floor view: Django + one lookup + one durable write
    floor_server_ms: float

    @property
    def ratio(self) -> float:
        return self.post_rate / self.health_rate if self.health_rate else float("nan")

    @property
    def meets_target(self) -> bool:
        return self.ratio >= 0.5 and self.post_p99 * 1000 < 150 and not self.failures


def measure(backend: str, database_url: str | None, args: argparse.Namespace) -> Result:
    with production_server(database_url, args.workers, args.threads) as (base, group):
        drive(respondent, base, args.clients, args.warmup, group)  # imports, connections
        print(f"{backend}: submissions for {args.seconds:g} s …", flush=True)
        posts = drive(respondent, base, args.clients, args.seconds, group)
        print(f"{backend}: /healthz for {args.seconds:g} s …", flush=True)
        health = drive(healthz, base, args.clients, args.seconds, group)
        print(f"{backend}: the floor (/bench/floor/) for {args.seconds:g} s …", flush=True)
        least = drive(floor, base, args.clients, args.seconds, group)
    failures = posts.failures + health.failures + least.failures
    if failures:
        first = posts.first_failure or health.first_failure or least.first_failure
        print(f"{backend}: {failures} failed request(s), first: {first}", flush=True)
    return Result(
        backend,
        len(posts.latencies) / args.seconds,
        percentile(posts.latencies, 50),
        percentile(posts.latencies, 99),
        posts.submissions / args.seconds,
        len(health.latencies) / args.seconds,
        percentile(health.latencies, 50),
        percentile(health.latencies, 99),
        failures,
        1000 * posts.server_cpu / max(posts.requests, 1),
        1000 * posts.client_cpu / max(posts.requests, 1),
        1000 * health.server_cpu / max(health.requests, 1),
        1000 * health.client_cpu / max(health.requests, 1),
        len(least.latencies) / args.seconds,
        1000 * least.server_cpu / max(least.requests, 1),
    )


def table(results: list[Result], args: argparse.Namespace) -> str:
    head = (
        f"{'backend':<10} {'subm/s':>8} {'POST/s':>8} {'POST p50':>9} {'POST p99':>9} "
        f"{'healthz/s':>10} {'hz p50':>8} {'hz p99':>8} {'ratio':>7}  target"
    )
    lines = [
        f"ingest: {args.clients} clients, {args.seconds:g} s per measure, 127.0.0.1, "
        f"{os.cpu_count()} CPU(s) shared with the load generator",
        head,
        "-" * len(head),
    ]
    for r in results:
        lines.append(
            f"{r.backend:<10} {r.submissions_rate:>8.1f} {r.post_rate:>8.1f} "
            f"{r.post_p50 * 1000:>7.1f}ms {r.post_p99 * 1000:>7.1f}ms {r.health_rate:>10.1f} "
            f"{r.health_p50 * 1000:>6.1f}ms {r.health_p99 * 1000:>6.1f}ms {r.ratio:>6.0%}  "
            f"{'met' if r.meets_target else 'MISSED'}"
        )
    lines.append(
        "target: page POSTs/s ≥ 50% of /healthz requests/s, POST p99 < 150 ms, no failed request"
    )
    lines += [
        "",
        "The floor: a POST that only passes CSRF, reads the body, looks up one row and "
        "writes one (ingest_urls.py):",
    ]
    for r in results:
        lines.append(
            f"{r.backend:<10} {r.floor_rate:.1f} POST/s, {r.floor_rate / r.health_rate:.0%} of "
            f"/healthz (server {r.floor_server_ms:.3f} ms a request); the page POST reaches "
            f"{r.post_rate / r.floor_rate:.0%} of the floor"
        )
    lines += ["", "CPU per request (ms), server (with PostgreSQL's processes) and load generator:"]
    for r in results:
        lines.append(
            f"{r.backend:<10} submission phase: server {r.post_server_ms:.3f}, generator "
            f"{r.post_client_ms:.3f}   /healthz phase: server {r.health_server_ms:.3f}, "
            f"generator {r.health_client_ms:.3f}   server-only ratio "
            f"{r.health_server_ms / r.post_server_ms if r.post_server_ms else float('nan'):.0%}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: serve's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: serve's)")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args(argv)
    results = []
    if args.only in (None, "sqlite"):
        results.append(measure("sqlite", None, args))
    if args.only in (None, "postgres"):
        with postgres_database(f"indagine_bench_{os.getpid()}") as url:
            results.append(measure("postgres", url, args))
    print()
    print(table(results, args))
    return 0 if all(r.meets_target for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
