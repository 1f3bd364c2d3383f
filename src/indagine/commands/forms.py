"""`indagine forms check FILE` and `indagine forms import FILE [--slug SLUG]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indagine.commands import EXIT_ERRORS, EXIT_OK, EXIT_USAGE
from indagine.commands.setup import setup_django


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `forms check` and `forms import` to the command's subparsers."""
    forms = commands.add_parser("forms", help="questionnaires (XLSForm)")
    forms_sub = forms.add_subparsers(dest="forms_command", required=True)
    check = forms_sub.add_parser("check", help="list every error and warning of an XLSForm")
    check.add_argument("file")
    check.set_defaults(run=check_form)
    imp = forms_sub.add_parser("import", help="store a new form version")
    imp.add_argument("file")
    imp.add_argument("--slug", help="add a version to this survey (created if missing)")
    imp.set_defaults(run=import_form)


def check_form(args: argparse.Namespace) -> int:
    """Print every error and warning of the XLSForm; exit 1 on errors (no database needed)."""
    from indagine.forms.loader import load_form

    path = Path(args.file)
    if not path.is_file():
        print(f"error FORM_UNREADABLE: no file {path}", file=sys.stderr)
        return EXIT_USAGE
    result = load_form(path)
    for issue in result.issues:
        print(str(issue))
    errors, warnings = len(result.errors), len(result.warnings)
    print(f"{path.name}: {errors} error(s), {warnings} warning(s)")
    return EXIT_ERRORS if errors or result.form is None else EXIT_OK


def import_form(args: argparse.Namespace) -> int:
    """Store the XLSForm as a new survey, or as a new version of `--slug`."""
    setup_django()
    from indagine.surveys import services

    path = Path(args.file)
    if not path.is_file():
        print(f"error FORM_UNREADABLE: no file {path}", file=sys.stderr)
        return EXIT_USAGE
    try:
        imported = services.import_form(path.read_bytes(), path.name, slug=args.slug)
    except services.FormRejected as rejected:
        for issue in rejected.issues:
            print(str(issue), file=sys.stderr)
        return EXIT_ERRORS
    except services.SurveyError as error:
        print(f"error {error.code}: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    for issue in imported.warnings:
        print(str(issue))
    kind = "new survey" if imported.created else "new version"
    print(
        f"{imported.survey.slug}: {kind}, version {imported.version.number} "
        f"({imported.survey.get_state_display()})"
    )
    return EXIT_OK
