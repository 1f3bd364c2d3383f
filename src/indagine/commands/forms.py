"""`indagine forms check FILE`, `indagine forms import FILE [--slug SLUG]` and
`indagine forms export SLUG -o FILE`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indagine.commands import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, find_survey
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
    imp.add_argument("--edition-of", help="a new survey, the next edition of this one")
    imp.add_argument("--edition-label", default="", help="what this edition is called (2021)")
    imp.set_defaults(run=import_form)
    exp = forms_sub.add_parser("export", help="write a survey's questionnaire as an XLSForm")
    exp.add_argument("slug")
    exp.add_argument("-o", "--output", required=True, help="FILE.xlsx (FILE.zip with images)")
    exp.set_defaults(run=export_form)


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
    if args.edition_of:
        return _import_edition(args, path)
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


def _import_edition(args: argparse.Namespace, path: Path) -> int:
    """A new survey from the file, the next edition of `--edition-of`."""
    from indagine.surveys import editions, services

    earlier = find_survey(args.edition_of, with_form=True)
    if earlier is None:
        return EXIT_USAGE
    try:
        survey = editions.import_edition(
            path.read_bytes(), path.name, args.slug, earlier, args.edition_label
        )
    except services.FormRejected as rejected:
        for issue in rejected.issues:
            print(str(issue), file=sys.stderr)
        return EXIT_ERRORS
    except services.SurveyError as error:
        print(f"error {error.code}: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    matched = editions.matches(survey, editions.earlier_form(survey))
    print(
        f"{survey.slug}: new survey, edition {survey.edition_name} of {earlier.slug}; "
        f"{sum(1 for old in matched.values() if old)} of {len(matched)} questions matched"
    )
    return EXIT_OK


def export_form(args: argparse.Namespace) -> int:
    """Write the survey's current questionnaire as an XLSForm that imports back the same."""
    setup_django()
    from indagine.surveys.questionnaires import exported

    survey = find_survey(args.slug, with_form=True)
    if survey is None:
        return EXIT_USAGE
    data, name = exported(survey.current_version)
    path = Path(args.output)
    if path.suffix.lower() != Path(name).suffix:
        print(
            f"error SURVEY_EXPORT_SUFFIX: the questionnaire is written as {Path(name).suffix} "
            f"({'with its images' if name.endswith('.zip') else 'an Excel workbook'}): "
            f"name the file {path.stem}{Path(name).suffix}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    path.write_bytes(data)
    print(f"{survey.slug}: version {survey.current_version.number} written to {path}")
    return EXIT_OK
