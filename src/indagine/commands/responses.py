"""`indagine responses import|export` and `indagine demo`: responses in and out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indagine.commands import EXIT_ERRORS, EXIT_OK
from indagine.commands.setup import setup_django


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `responses import`, `responses export` and `demo` to the command's subparsers."""
    responses = commands.add_parser("responses", help="responses in and out (CSV)")
    responses_sub = responses.add_subparsers(dest="responses_command", required=True)
    rimp = responses_sub.add_parser("import", help="import ODK Central-style CSV rows")
    rimp.add_argument("slug")
    rimp.add_argument("file")
    rimp.add_argument(
        "--skip-invalid",
        action="store_true",
        help="store the valid rows even when others have errors",
    )
    rimp.add_argument("--quiet", action="store_true")
    rimp.set_defaults(run=import_responses)
    rexp = responses_sub.add_parser("export", help="export responses")
    rexp.add_argument("slug")
    rexp.add_argument("--format", choices=["csv", "xlsx", "sav", "dta", "parquet"], default="csv")
    rexp.add_argument(
        "--labels", action="store_true", help="choice labels instead of codes (csv, xlsx)"
    )
    rexp.add_argument("--lang", choices=["it", "en"], help="language of the labels")
    rexp.add_argument(
        "--include-tests",
        action="store_true",
        help="test responses too (demo's, or marked as tests): left out unless asked for",
    )
    rexp.add_argument("-o", "--output", required=True)
    rexp.add_argument("--quiet", action="store_true")
    rexp.set_defaults(run=export_responses)

    demo = commands.add_parser("demo", help="add plausible synthetic responses")
    demo.add_argument("slug")
    demo.add_argument("--responses", type=int, default=400)
    demo.add_argument("--seed", type=int, default=2020)
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(run=add_demo_responses)


def import_responses(args: argparse.Namespace) -> int:
    """Store the CSV's rows, each validated like a web submission; none if any fails."""
    setup_django()
    from indagine.collect.transfer import ImportRefused, import_csv

    try:
        report = import_csv(
            args.slug, Path(args.file), skip_invalid=args.skip_invalid, progress=not args.quiet
        )
    except ImportRefused as refused:
        print(f"error {refused.code}: {refused.message}", file=sys.stderr)
        for problem in refused.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_ERRORS
    for problem in report.skipped:
        print(f"skipped {problem}")
    print(f"{args.slug}: {report.stored} response(s) stored, {len(report.skipped)} skipped")
    return EXIT_OK


def export_responses(args: argparse.Namespace) -> int:
    """Write every response of the survey in the format asked for."""
    setup_django()
    from indagine.collect.exports import export, suffix
    from indagine.collect.transfer import ImportRefused

    output = Path(args.output)
    try:
        # a form with repeats gives a zip of one file per table (not in xlsx): a.csv -> a.csv.zip
        if suffix(args.slug, args.format).endswith(".zip") and output.suffix != ".zip":
            output = output.with_name(f"{output.name}.zip")
        count = export(
            args.slug,
            output,
            args.format,
            labels=args.labels,
            lang=args.lang,
            progress=not args.quiet,
            tests=args.include_tests,
        )
    except ImportRefused as refused:
        print(f"error {refused.code}: {refused.message}", file=sys.stderr)
        return EXIT_ERRORS
    print(f"{args.slug}: {count} response(s) written to {output}")
    return EXIT_OK


def add_demo_responses(args: argparse.Namespace) -> int:
    """Add plausible synthetic responses, through the same validation."""
    setup_django()
    from indagine.collect.transfer import ImportRefused, add_synthetic

    try:
        stored = add_synthetic(args.slug, args.responses, seed=args.seed, progress=not args.quiet)
    except ImportRefused as refused:
        print(f"error {refused.code}: {refused.message}", file=sys.stderr)
        return EXIT_ERRORS
    print(
        f"{args.slug}: {stored} synthetic response(s) added, marked as test responses: the "
        "dashboard shows them on request, the report, the letter, the public page and exports "
        "leave them out; delete them on the survey's responses page"
    )
    return EXIT_OK
