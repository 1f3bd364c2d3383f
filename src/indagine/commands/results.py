"""`indagine report` (HTML or PDF) and `indagine newsletter` (Markdown or HTML)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indagine.commands import EXIT_ERRORS, EXIT_OK, find_survey
from indagine.commands.setup import setup_django


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `report` and `newsletter` to the command's subparsers."""
    rep = commands.add_parser("report", help="the results report, HTML or PDF")
    rep.add_argument("slug")
    rep.add_argument("--format", choices=["html", "pdf"], default="pdf")
    rep.add_argument("--lang", choices=["it", "en"], default="it")
    rep.add_argument("--stage", choices=["interim", "final"], default="interim")
    rep.add_argument("--weighted", action="store_true", help="raked to the panel's composition")
    rep.add_argument("-o", "--output", required=True)
    rep.set_defaults(run=write_report)

    news = commands.add_parser("newsletter", help="the newsletter draft (.md or .html)")
    news.add_argument("slug")
    news.add_argument("--lang", choices=["it", "en"], default="it")
    news.add_argument("--stage", choices=["interim", "final"], default="interim")
    news.add_argument("--weighted", action="store_true")
    news.add_argument(
        "--base-url", help="the public address for the survey's link (default: the site's)"
    )
    news.add_argument("-o", "--output", required=True)
    news.set_defaults(run=write_newsletter)


def write_report(args: argparse.Namespace) -> int:
    """The results report of the survey, as HTML or PDF."""
    setup_django()
    from indagine.results import editions, report, services

    survey = find_survey(args.slug, with_form=True)
    if survey is None:
        return EXIT_ERRORS
    found = services.findings(survey, services.View(weighted=args.weighted))
    html = report.render_html(
        found,
        lang=args.lang,
        title=survey.title,
        stage=args.stage,
        testimonies=services.testimonies(survey),
        trends=editions.compared(survey, found, args.weighted),
        is_open=survey.is_accepting(),
    )
    output = Path(args.output)
    if args.format == "pdf":
        output.write_bytes(report.render_pdf(html))
    else:
        output.write_text(html, encoding="utf-8")
    print(f"{survey.slug}: {args.format} report ({args.lang}, {args.stage}) written to {output}")
    return EXIT_OK


def write_newsletter(args: argparse.Namespace) -> int:
    """The newsletter draft, as Markdown or (for .html, .htm) HTML."""
    setup_django()
    from indagine.results.letters import letter_for
    from indagine.surveys import site

    survey = find_survey(args.slug, with_form=True)
    if survey is None:
        return EXIT_ERRORS
    if args.base_url is None and (warning := site.loopback_warning()):
        print(warning, file=sys.stderr)
    letter = letter_for(
        survey,
        lang=args.lang,
        stage=args.stage,
        base_url=args.base_url,  # else the site's public address, as the emails'
        weighted=args.weighted,
    )
    output = Path(args.output)
    html = output.suffix.lower() in (".html", ".htm")
    output.write_text(letter.html if html else letter.markdown, encoding="utf-8")
    for warning in letter.warnings:
        print(f"note: {warning}")
    print(f"{survey.slug}: {args.stage} newsletter ({args.lang}) written to {output}")
    return EXIT_OK
