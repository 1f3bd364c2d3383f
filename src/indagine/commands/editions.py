"""`indagine editions list SLUG` and `indagine editions past SLUG --label L FILE.csv`; the link
itself is made at import (`forms import FILE --slug NEW --edition-of OLD`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indagine.commands import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, find_survey
from indagine.commands.setup import setup_django


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("editions", help="a survey's earlier editions")
    sub = group.add_subparsers(dest="editions_command", required=True)
    listed = sub.add_parser("list", help="the editions up to SLUG and how its questions match")
    listed.add_argument("slug")
    listed.set_defaults(run=list_editions)
    past = sub.add_parser("past", help="an earlier edition known only from its published tables")
    past.add_argument("slug")
    past.add_argument("file", help="CSV: question, choice, share (or count), n")
    past.add_argument("--label", required=True, help="what the edition is called, e.g. 2019")
    past.set_defaults(run=add_past)


def list_editions(args: argparse.Namespace) -> int:
    setup_django()
    from indagine.surveys import editions

    survey = find_survey(args.slug, with_form=True)
    if survey is None:
        return EXIT_USAGE
    for edition in editions.editions(survey):
        kind = "tables" if edition.past is not None else edition.survey.slug  # type: ignore[union-attr]
        print(f"{edition.label}\t{kind}")
    earlier = editions.earlier_form(survey)
    for name, old in editions.matches(survey, earlier).items():
        print(f"{name}\t<- {old or '(new)'}")
    return EXIT_OK


def add_past(args: argparse.Namespace) -> int:
    setup_django()
    from indagine.surveys import editions
    from indagine.surveys.services import SurveyError

    survey = find_survey(args.slug, with_form=True)
    path = Path(args.file)
    if survey is None or not path.is_file():
        if survey is not None:
            print(f"error EDITION_CSV: no file {path}", file=sys.stderr)
        return EXIT_USAGE
    try:
        past = editions.add_past(survey, args.label, path.read_bytes())
    except SurveyError as refused:
        print(f"error {refused.code}: {refused.message}", file=sys.stderr)
        for problem in refused.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_ERRORS
    print(f"{survey.slug}: edition {past.label}, {len(past.figures)} question(s)")
    return EXIT_OK
