"""The `indagine` command: serve, check and import forms, move responses in and out, statistics,
back up and restore.

Commands that need the database set Django up on demand, so `indagine forms check` and
`indagine stats` run without one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from indagine.commands import EXIT_OK, backup, editions, forms, panel, responses, results, serve
from indagine.commands.setup import init
from indagine.commands.setup import prepare_data_dir as _prepare_data_dir
from indagine.commands.setup import setup_django as _django

# `init`, `_django` and `_prepare_data_dir` are imported from here by tests, benchmarks and the
# subprocesses they start: their home is `indagine.commands.setup`.
__all__ = ["_django", "_prepare_data_dir", "init", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named by `argv` (default: the process's arguments); its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["stats"]:
        return _stats(argv[1:])
    args = _parser().parse_args(argv)
    return int(args.run(args))


def _parser() -> argparse.ArgumentParser:
    """The command's parser: each module of `indagine.commands` adds its subcommands."""
    parser = argparse.ArgumentParser(prog="indagine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for register in (
        serve.register,
        forms.register,
        editions.register,
        responses.register,
        panel.register,
        results.register,
        backup.register,
        _register_passthrough,
    ):
        register(commands)
    return parser


def _register_passthrough(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `manage` (Django's management commands) and `stats` (any CSV's estimates)."""
    manage = commands.add_parser("manage", help="Django's management commands")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(run=_manage)

    stats = commands.add_parser(
        "stats", help="survey estimates for any CSV (see docs/stats.md)", add_help=False
    )
    stats.add_argument("rest", nargs=argparse.REMAINDER)
    stats.set_defaults(run=lambda args: _stats(args.rest))


def _manage(args: argparse.Namespace) -> int:
    """Hand the arguments to Django's management commands."""
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["indagine manage", *args.rest])
    return EXIT_OK


def _stats(argv: list[str]) -> int:
    """Hand the arguments to `indagine stats` (docs/stats.md), which needs no database."""
    from indagine.stats.cli import main as stats_main

    return stats_main(argv)


if __name__ == "__main__":
    sys.exit(main())
