"""The `indagine` command: serve, check and import forms, move responses in and out, statistics.

Commands that need the database set Django up on demand, so `indagine forms check` and
`indagine stats` run without one.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _prepare_data_dir() -> Path:
    """Create the data folder (mode 700: it holds the answers, the members' addresses and the
    database files SQLite makes 644) and, once, the secret key kept in it (mode 600)."""
    from indagine.site.config import data_dir

    folder = data_dir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)  # a folder the club made itself keeps its mode
    key_file = folder / "secret_key"
    if not os.environ.get("INDAGINE_SECRET_KEY") and not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return folder


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indagine.site.settings")
    _prepare_data_dir()
    import django

    django.setup()


def init(verbosity: int = 0) -> dict[str, str]:
    """Migrate, create the cache table, install the built-in survey, create the first admin.

    Returns what a person needs to know on first run (the generated admin password)."""
    _django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from indagine.surveys.services import install_builtin

    call_command("migrate", interactive=False, verbosity=verbosity)
    call_command("createcachetable", verbosity=verbosity)
    survey = install_builtin()
    facts = {"slug": survey.slug}
    users = get_user_model()
    if not users.objects.filter(is_superuser=True).exists():
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", email="", password=password)
        facts["admin_password"] = password
    return facts


def _gunicorn(args: argparse.Namespace) -> list[str]:
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
        "10",
        "--timeout",
        "60",
        "--no-control-socket",
    ]


def _granian(args: argparse.Namespace) -> list[str]:
    """Granian serves WSGI from Rust: the HTTP work per request costs a fraction of
    gunicorn's threaded worker, measured with benchmarks/ingest.py."""
    argv = [
        sys.executable,
        "-m",
        "granian",
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
        "indagine.site.wsgi:application",
    ]
    return [*argv, "--access-log"] if args.access_log else argv


def cmd_serve(args: argparse.Namespace) -> int:
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
    os.execv(sys.executable, argv)
    return EXIT_OK  # not reached


def cmd_init(args: argparse.Namespace) -> int:
    facts = init(verbosity=1)
    if "admin_password" in facts:
        print(f"first run: user 'admin', password '{facts['admin_password']}'")
    return EXIT_OK


def cmd_forms_check(args: argparse.Namespace) -> int:
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


def cmd_forms_import(args: argparse.Namespace) -> int:
    _django()
    from indagine.surveys.services import FormRejected, SurveyError, import_form

    path = Path(args.file)
    if not path.is_file():
        print(f"error FORM_UNREADABLE: no file {path}", file=sys.stderr)
        return EXIT_USAGE
    try:
        imported = import_form(path.read_bytes(), path.name, slug=args.slug)
    except FormRejected as rejected:
        for issue in rejected.issues:
            print(str(issue), file=sys.stderr)
        return EXIT_ERRORS
    except SurveyError as error:
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


def cmd_responses_import(args: argparse.Namespace) -> int:
    _django()
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


def cmd_responses_export(args: argparse.Namespace) -> int:
    _django()
    from indagine.collect.exports import export
    from indagine.collect.transfer import ImportRefused

    try:
        count = export(
            args.slug,
            Path(args.output),
            args.format,
            labels=args.labels,
            lang=args.lang,
            progress=not args.quiet,
        )
    except ImportRefused as refused:
        print(f"error {refused.code}: {refused.message}", file=sys.stderr)
        return EXIT_ERRORS
    print(f"{args.slug}: {count} response(s) written to {args.output}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    _django()
    from indagine.collect.transfer import ImportRefused, add_synthetic

    try:
        stored = add_synthetic(args.slug, args.responses, seed=args.seed, progress=not args.quiet)
    except ImportRefused as refused:
        print(f"error {refused.code}: {refused.message}", file=sys.stderr)
        return EXIT_ERRORS
    print(f"{args.slug}: {stored} synthetic response(s) added")
    return EXIT_OK


def _find_survey(slug: str, *, with_form: bool = False):
    """The survey named `slug` (with a questionnaire, if asked), or None after saying so."""
    from indagine.surveys.models import Survey

    survey = Survey.objects.select_related("current_version").filter(slug=slug).first()
    if survey is None or (with_form and survey.current_version is None):
        print(
            f"error SURVEY_NOT_FOUND: no survey '{slug}'"
            + (" with a questionnaire" if with_form else ""),
            file=sys.stderr,
        )
        return None
    return survey


def cmd_panel(args: argparse.Namespace) -> int:
    _django()
    from indagine.panel import services

    survey = _find_survey(args.slug)
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
            print(f"{survey.slug}: {services.invite(survey)} invitation(s) queued")
        elif args.panel_command == "remind":
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


def _print_fieldwork(work) -> None:
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


def cmd_worker(args: argparse.Namespace) -> int:
    """Run queued tasks (emails); --burst processes what is queued, then exits."""
    _django()
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


def cmd_report(args: argparse.Namespace) -> int:
    _django()
    from indagine.results import report, services

    survey = _find_survey(args.slug, with_form=True)
    if survey is None:
        return EXIT_ERRORS
    html = report.render_html(
        services.findings(survey, services.View(weighted=args.weighted)),
        lang=args.lang,
        title=survey.title,
        stage=args.stage,
        testimonies=services.testimonies(survey),
    )
    output = Path(args.output)
    if args.format == "pdf":
        output.write_bytes(report.render_pdf(html))
    else:
        output.write_text(html, encoding="utf-8")
    print(f"{survey.slug}: {args.format} report ({args.lang}, {args.stage}) written to {output}")
    return EXIT_OK


def cmd_newsletter(args: argparse.Namespace) -> int:
    _django()
    from django.conf import settings

    from indagine.results.letters import letter_for

    survey = _find_survey(args.slug, with_form=True)
    if survey is None:
        return EXIT_ERRORS
    letter = letter_for(
        survey,
        lang=args.lang,
        stage=args.stage,
        base_url=args.base_url or settings.INDAGINE_BASE_URL,
        weighted=args.weighted,
    )
    output = Path(args.output)
    html = output.suffix.lower() in (".html", ".htm")
    output.write_text(letter.html if html else letter.markdown, encoding="utf-8")
    for warning in letter.warnings:
        print(f"note: {warning}")
    print(f"{survey.slug}: {args.stage} newsletter ({args.lang}) written to {output}")
    return EXIT_OK


def cmd_manage(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["indagine manage", *args.rest])
    return EXIT_OK


def _setting(name: str) -> str:
    from indagine.site.config import setting

    return setting(name)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="indagine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

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
        default=_setting("INDAGINE_SERVER"),
        help="the production WSGI server (default: granian)",
    )
    serve.set_defaults(run=cmd_serve)

    commands.add_parser(
        "init", help="migrate, install the built-in survey, create the admin"
    ).set_defaults(run=cmd_init)

    forms = commands.add_parser("forms", help="questionnaires (XLSForm)")
    forms_sub = forms.add_subparsers(dest="forms_command", required=True)
    check = forms_sub.add_parser("check", help="list every error and warning of an XLSForm")
    check.add_argument("file")
    check.set_defaults(run=cmd_forms_check)
    imp = forms_sub.add_parser("import", help="store a new form version")
    imp.add_argument("file")
    imp.add_argument("--slug", help="add a version to this survey (created if missing)")
    imp.set_defaults(run=cmd_forms_import)

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
    rimp.set_defaults(run=cmd_responses_import)
    rexp = responses_sub.add_parser("export", help="export responses")
    rexp.add_argument("slug")
    rexp.add_argument("--format", choices=["csv", "xlsx", "sav", "parquet"], default="csv")
    rexp.add_argument(
        "--labels", action="store_true", help="choice labels instead of codes (csv, xlsx)"
    )
    rexp.add_argument("--lang", choices=["it", "en"], help="language of the labels")
    rexp.add_argument("-o", "--output", required=True)
    rexp.add_argument("--quiet", action="store_true")
    rexp.set_defaults(run=cmd_responses_export)

    demo = commands.add_parser("demo", help="add plausible synthetic responses")
    demo.add_argument("slug")
    demo.add_argument("--responses", type=int, default=400)
    demo.add_argument("--seed", type=int, default=2020)
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(run=cmd_demo)

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
    panel.set_defaults(run=cmd_panel)

    worker = commands.add_parser("worker", help="send queued emails (background tasks)")
    worker.add_argument("--burst", action="store_true", help="process the queue, then exit")
    worker.add_argument("--interval", type=float, default=1.0)
    worker.set_defaults(run=cmd_worker)

    rep = commands.add_parser("report", help="the results report, HTML or PDF")
    rep.add_argument("slug")
    rep.add_argument("--format", choices=["html", "pdf"], default="pdf")
    rep.add_argument("--lang", choices=["it", "en"], default="it")
    rep.add_argument("--stage", choices=["interim", "final"], default="interim")
    rep.add_argument("--weighted", action="store_true", help="raked to the panel's composition")
    rep.add_argument("-o", "--output", required=True)
    rep.set_defaults(run=cmd_report)

    news = commands.add_parser("newsletter", help="the newsletter draft (.md or .html)")
    news.add_argument("slug")
    news.add_argument("--lang", choices=["it", "en"], default="it")
    news.add_argument("--stage", choices=["interim", "final"], default="interim")
    news.add_argument("--weighted", action="store_true")
    news.add_argument("--base-url", help="the server's public address, for the survey link")
    news.add_argument("-o", "--output", required=True)
    news.set_defaults(run=cmd_newsletter)

    manage = commands.add_parser("manage", help="Django's management commands")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(run=cmd_manage)

    stats = commands.add_parser(
        "stats", help="survey estimates for any CSV (see docs/stats.md)", add_help=False
    )
    stats.add_argument("rest", nargs=argparse.REMAINDER)
    stats.set_defaults(run=lambda args: _stats(args.rest))
    return parser


def _stats(argv: list[str]) -> int:
    from indagine.stats.cli import main as stats_main

    return stats_main(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["stats"]:
        return _stats(argv[1:])
    args = _parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
