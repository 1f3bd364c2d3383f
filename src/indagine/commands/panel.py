"""`indagine panel import|invite|remind|status|erase|retention` and `indagine worker` (the
emails, and the daily erasure of personal data past its retention)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from indagine.commands import EXIT_ERRORS, EXIT_OK, find_survey
from indagine.commands.setup import setup_django


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `panel ...` and `worker` to the command's subparsers."""
    panel = commands.add_parser("panel", help="members, invitations, reminders")
    panel_sub = panel.add_subparsers(dest="panel_command", required=True)
    pimp = panel_sub.add_parser("import", help="add or update members from CSV or XLSX")
    pimp.add_argument("slug")
    pimp.add_argument("file")
    pimp.add_argument("--skip-invalid", action="store_true")
    for name, text in (
        ("invite", "queue invitations to members not yet invited"),
        ("remind", "queue reminders to members who have not completed"),
        ("status", "fieldwork: invited, opened, started, completed, ..."),
    ):
        panel_sub.add_parser(name, help=text).add_argument("slug")
    perase = panel_sub.add_parser("erase", help="delete a member's personal data on request")
    perase.add_argument("slug")
    perase.add_argument("email")
    pkeep = panel_sub.add_parser(
        "retention", help="erase members' personal data past their survey's retention"
    )
    pkeep.add_argument("--dry-run", action="store_true", help="say what is due, erase nothing")
    panel.set_defaults(run=run_panel)

    worker = commands.add_parser("worker", help="send queued emails (background tasks)")
    worker.add_argument("--burst", action="store_true", help="process the queue, then exit")
    worker.add_argument("--interval", type=float, default=1.0)
    worker.set_defaults(run=run_worker)


def run_panel(args: argparse.Namespace) -> int:
    """Import members, queue invitations or reminders, show the fieldwork, erase a member."""
    setup_django()
    from indagine.panel import services

    if args.panel_command == "retention":
        return run_retention(dry_run=args.dry_run)
    survey = find_survey(args.slug)
    if survey is None:
        return EXIT_ERRORS
    try:
        if args.panel_command == "import":
            report = services.import_members(
                survey, Path(args.file), skip_invalid=args.skip_invalid
            )
            for problem in report.problems:
                print(f"skipped {problem}")
            print(f"{survey.slug}: {report.created} member(s) added, {report.updated} updated")
        elif args.panel_command == "invite":
            _warn_if_loopback()
            print(f"{survey.slug}: {services.invite(survey)} invitation(s) queued")
        elif args.panel_command == "remind":
            _warn_if_loopback()
            print(f"{survey.slug}: {services.remind(survey)} reminder(s) queued")
        elif args.panel_command == "erase":
            found = services.erase_member(survey, args.email)
            print(f"{survey.slug}: {'erased' if found else 'no such member'}")
            return EXIT_OK if found else EXIT_ERRORS
        else:
            _print_fieldwork(services.fieldwork(survey))
    except services.PanelError as error:
        print(f"error {error.code}: {error.message}", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


def _warn_if_loopback() -> None:
    """Say on stderr when the emails' links would point to this machine: the messages are
    queued all the same (a test run on one machine is a fair use)."""
    from indagine.surveys import site

    if warning := site.loopback_warning():
        print(warning, file=sys.stderr)


def run_retention(*, dry_run: bool) -> int:
    """Erase now what the daily task would (one line per survey), or only say it."""
    from indagine.panel import retention

    found = retention.due() if dry_run else retention.erase_due()
    done = ("to erase", "to unlink") if dry_run else ("erased", "unlinked")
    for item in found:
        print(
            f"{item.survey.slug} (due {item.erasure_date.isoformat()}): "
            f"{item.members} member(s) {done[0]}, {item.responses} response(s) {done[1]}"
        )
    if not found:
        print("nothing due" if dry_run else "nothing to erase")
    return EXIT_OK


def _print_fieldwork(work: Any) -> None:
    """Totals, the response rate, counts by segment and completions by day."""
    keys = ("members", "invited", "opened", "started", "completed", "opted_out", "bounced")
    print("  ".join(f"{k}={work.totals.get(k, 0)}" for k in keys))
    invited = work.totals.get("invited", 0)
    print(
        f"response rate: {work.response_rate:.1%}" if invited else "response rate: – (none invited)"
    )
    for attribute, levels in work.by_segment.items():
        for level, counts in levels.items():
            print(
                f"  {attribute}={level}: "
                + "  ".join(f"{k}={counts.get(k, 0)}" for k in ("members", "invited", "completed"))
            )
    for day, count in work.completions_by_day:
        print(f"  {day.isoformat()}: {count} completed")


def run_worker(args: argparse.Namespace) -> int:
    """Run queued tasks (emails); --burst processes what is queued, then exits."""
    setup_django()
    from django.core.management import call_command

    from indagine.panel.services import recover

    recover()
    options = {
        "batch": args.burst,
        "interval": args.interval,
        "reload": False,
        "startup_delay": False,
    }
    call_command("db_worker", **options)
    return EXIT_OK
