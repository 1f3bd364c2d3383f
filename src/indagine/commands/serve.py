"""`indagine serve` (first-run set-up, then a production WSGI server) and `indagine init`."""

from __future__ import annotations

import argparse
import os
import sys

from indagine.commands import EXIT_ERRORS, EXIT_OK, preflight
from indagine.commands.setup import init
from indagine.web.refusals import Refused

# After SIGTERM, requests in flight get this long to finish; then the workers are killed, so
# the server is gone within 10 s (what a process manager waits before its own SIGKILL).
STOP_SECONDS = 8


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `serve` and `init` to the command's subparsers."""
    from indagine.site.config import setting

    serve = commands.add_parser(
        "serve", help="set up (first run) and serve surveys (granian, WSGI)"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2))
    # Python threads per worker: a few keep slow organiser pages (a PDF report) from holding up
    # respondents; more only fight over the interpreter lock (on 2 cores, 4 threads gave the
    # ingest benchmark a lower p99 and less CPU per request than 8).
    serve.add_argument("--threads", type=int, default=max(2, min(8, 2 * (os.cpu_count() or 1))))
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument(
        "--server",
        choices=["granian", "gunicorn"],
        default=setting("INDAGINE_SERVER"),
        help="the production WSGI server (default: granian)",
    )
    serve.set_defaults(run=serve_surveys)

    commands.add_parser(
        "init", help="migrate, install the built-in survey, create the admin"
    ).set_defaults(run=initialise)


def serve_surveys(args: argparse.Namespace) -> int:
    """Refuse unsafe settings or a taken port; set up (first run), say where the survey and the
    admin are, then become the server."""
    try:
        preflight.check_settings()
        port_lock = preflight.claim_port(args.host, args.port)
    except Refused as refused:
        print(f"error {refused}", file=sys.stderr)
        return EXIT_ERRORS
    hosts = os.environ.get("INDAGINE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
    if args.host not in hosts.split(","):
        display = f"[{args.host}]" if ":" in args.host else args.host
        os.environ["INDAGINE_ALLOWED_HOSTS"] = (
            f"{hosts},{display}" if args.host not in ("0.0.0.0", "::") else "*"
        )
    facts = init()
    base = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
    print(f"indagine: survey  {base}/s/{facts['slug']}/")
    print(f"indagine: admin   {base}/manage/  (Django admin: {base}/admin/)")
    if "admin_password" in facts:
        print(
            f"indagine: first run: user 'admin', password '{facts['admin_password']}' "
            "(shown once: write it down)"
        )
    sys.stdout.flush()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indagine.site.settings")
    argv = _granian(args) if args.server == "granian" else _gunicorn(args)
    if port_lock is not None:
        port_lock.set_inheritable(True)  # the server holds the port's lock while it runs
    os.execv(sys.executable, argv)
    return EXIT_OK  # not reached


def initialise(args: argparse.Namespace) -> int:
    """Migrate, install the built-in survey, create the admin (saying its password once)."""
    facts = init(verbosity=1)
    if "admin_password" in facts:
        print(f"first run: user 'admin', password '{facts['admin_password']}'")
    return EXIT_OK


def _gunicorn(args: argparse.Namespace) -> list[str]:
    """gunicorn's command line: threaded workers, bound to the host and port asked for."""
    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "indagine.site.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--worker-class",
        "gthread",
        "--access-logfile",
        "-" if args.access_log else "/dev/null",
        "--graceful-timeout",
        str(STOP_SECONDS),
        "--timeout",
        "60",
        "--no-control-socket",
    ]


# Granian's workers are started by multiprocessing's "spawn" (a fresh interpreter), not "fork":
# a forked worker inherits the main process's Python handler for SIGTERM, which only flags the
# main process's copy of the server, so a SIGTERM reaching a worker still loading the site was
# lost: it then served on, and the main process waited for it forever. A spawned worker has
# Python's default until granian sets its own: one stopped while loading simply exits.
_GRANIAN_SPAWNING = (
    "import multiprocessing; multiprocessing.set_start_method('spawn'); "
    "from granian.cli import entrypoint; entrypoint()"
)


def _granian(args: argparse.Namespace) -> list[str]:
    """Granian serves WSGI from Rust: the HTTP work per request costs a fraction of
    gunicorn's threaded worker, measured with benchmarks/ingest.py."""
    argv = [
        sys.executable,
        "-c",
        _GRANIAN_SPAWNING,
        "--interface",
        "wsgi",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--workers",
        str(args.workers),
        "--blocking-threads",
        str(args.threads),
        "--no-ws",
        "--workers-kill-timeout",
        str(STOP_SECONDS),
        "indagine.site.wsgi:application",
    ]
    return [*argv, "--access-log"] if args.access_log else argv
