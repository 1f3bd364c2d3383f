"""What organisers do to surveys: import a form version, open, close, schedule.

Each verb checks its preconditions, runs in one transaction and writes an audit entry.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from indagine.analysis.frame import raw_type
from indagine.forms.issues import FormIssue
from indagine.forms.loader import load_form
from indagine.forms.model import Form
from indagine.surveys.access import RIGHTS
from indagine.surveys.codes import SurveyCode
from indagine.surveys.codes import SurveyError as SurveyError
from indagine.surveys.models import RETENTION_MAX_MONTHS, AuditEntry, FormVersion, Survey

BUILTIN_SLUG = "remote-working-2020"
BUILTIN_FILE = "remote_working_2020.md"


_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")  # Django's <slug:> in 80 characters, the column's
# The organiser's own pages under /manage/ (surveys.urls): a survey there would have no page.
RESERVED_SLUGS = frozenset({"new", "settings"})


class FormRejected(SurveyError):
    def __init__(self, issues: tuple[FormIssue, ...]) -> None:
        super().__init__(SurveyCode.FORM_REJECTED, "The questionnaire has errors.")
        self.issues = issues


@dataclass(frozen=True)
class Imported:
    survey: Survey
    version: FormVersion
    created: bool
    warnings: tuple[FormIssue, ...]


def audit(action: str, survey: Survey | None = None, user=None, **detail) -> None:
    AuditEntry.objects.create(
        action=action,
        survey=survey,
        user=user if user and user.is_authenticated else None,
        detail=detail,
    )


def form_warnings(version: FormVersion) -> tuple[FormIssue, ...]:
    """What the pages will not do as the version's sheet says, each at its cell: the warnings
    `forms check` gives, read again from the stored file (once per file and process)."""
    return _warnings(version.sha256, version.source_name, bytes(version.source))


@functools.lru_cache(maxsize=32)
def _warnings(sha256: str, name: str, source: bytes) -> tuple[FormIssue, ...]:
    return load_form(source, name).warnings


def import_form(
    source: bytes, filename: str, *, slug: str | None = None, user=None, new_survey: bool = False
) -> Imported:
    """Store a new immutable form version: of the survey `slug`, or of a new survey (and only
    that with `new_survey`: the organiser's "new survey" page never replaces the questionnaire
    of a survey that happens to have the same address, or the same form_id)."""
    if slug is not None and not _SLUG.fullmatch(slug):
        raise SurveyError(
            SurveyCode.BAD_SLUG,
            f"'{slug[:100]}' cannot be a survey's address: use 1 to 80 letters, digits, - or _.",
        )
    result = load_form(source, filename)
    if not result.ok or result.form is None:
        raise FormRejected(result.errors or result.issues)
    form = result.form
    slug = slug or slugify(form.form_id.replace("_", "-"))[:80] or "survey"
    if new_survey:
        _refuse_taken(slug)
    with transaction.atomic():
        survey, created = Survey.objects.get_or_create(
            slug=slug, defaults={"title": (form.title.get(form.default_language) or slug)[:300]}
        )
        if not created:
            refuse_moves_across_repeats(survey, form)
            refuse_lost_benchmark_group(survey, form)
        number = (survey.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = FormVersion.objects.create(
            survey=survey,
            number=number,
            form_json=form.to_json(),
            source=source,
            source_name=filename,
            sha256=hashlib.sha256(source).hexdigest(),
            created_by=user if user and user.is_authenticated else None,
        )
        survey.current_version = version
        survey.title = (form.title.get(form.default_language) or survey.title)[:300]
        if form.benchmark is not None:  # the settings sheet asks for it: on, as it says
            survey.benchmark = True
            survey.benchmark_group = form.benchmark.group
            survey.benchmark_min_group = form.benchmark.min_group
        survey.save(
            update_fields=[
                "current_version",
                "title",
                "benchmark",
                "benchmark_group",
                "benchmark_min_group",
            ]
        )
        audit("form.import", survey, user, version=number, file=filename)
    return Imported(survey, version, created, result.warnings)


def _refuse_taken(slug: str) -> None:
    """A new survey's address is neither an organiser's page nor another survey's."""
    if slug in RESERVED_SLUGS:
        raise SurveyError(
            SurveyCode.BAD_SLUG,
            f"'{slug}' is the address of an organiser's page: give the survey another address.",
        )
    if Survey.objects.filter(slug=slug).exists():
        raise SurveyError(
            SurveyCode.EXISTS,
            f"A survey at the address '{slug}' exists already: give this one another address, "
            "or import the file as a new version from that survey's page.",
        )


def refuse_moves_across_repeats(survey: Survey, form: Form) -> None:
    """A question asked once in a version that has answers, and in a repeat in the new one (or
    the other way round): its answers would be one value in some responses and one per
    instance in others, and no table of an export could hold both. Renaming it keeps both."""
    placed = {q.name: q for q in form.questions()}
    # the responses' reverse relation by name: surveys does not import collect's model
    for version in survey.versions.filter(response__isnull=False).distinct():
        for question in version.form.questions():
            now = placed.get(question.name)
            if now is not None and now.repeat != question.repeat:
                where = f"in the repeat '{question.repeat}'" if question.repeat else "once"
                raise SurveyError(
                    SurveyCode.REPEAT_MOVED,
                    f"'{question.name}' is asked {where} in version {version.number}, which has "
                    "answers, and not so in this file: give it another name here.",
                )
            if now is not None and raw_type(now) != raw_type(question):
                # its answers are kept as another kind of value (a choice, several, a number):
                # read as the new one, the old ones could be neither shown nor exported
                raise SurveyError(
                    SurveyCode.TYPE_CHANGED,
                    f"'{question.name}' is a {question.type.value} in version {version.number}, "
                    f"which has answers, and a {now.type.value} in this file: its answers "
                    "cannot be read as both; give it another name here.",
                )


def refuse_lost_benchmark_group(survey: Survey, form: Form) -> None:
    """Each member's benchmark groups by a single choice: a version that no longer asks it so
    (and names no other group on its settings sheet) is refused, the organiser told to choose
    another group first; the thank-you page would otherwise compare by a question not there."""
    if not survey.benchmark or not survey.benchmark_group or form.benchmark is not None:
        return
    group = form.question(survey.benchmark_group)
    if group is None or group.type.value != "select_one" or group.repeat:
        raise SurveyError(
            SurveyCode.BAD_BENCHMARK,
            f"Each member's benchmark groups by '{survey.benchmark_group}', which this "
            "questionnaire no longer asks as a single choice: choose another group (or none) "
            "on the survey's page first.",
        )


def install_builtin() -> Survey:
    """Install the club's 2020 survey, open, unless a survey with its slug exists."""
    existing = Survey.objects.filter(slug=BUILTIN_SLUG).first()
    if existing is not None:
        return existing
    source = resources.files("indagine.library").joinpath(BUILTIN_FILE).read_bytes()
    with transaction.atomic():  # a first run killed half way leaves no unopened draft behind
        imported = import_form(source, BUILTIN_FILE, slug=BUILTIN_SLUG)
        return open_survey(imported.survey)


def open_survey(survey: Survey, user=None) -> Survey:
    if survey.current_version is None:
        raise SurveyError(SurveyCode.NO_FORM, "Import a questionnaire before opening the survey.")
    with transaction.atomic():
        survey.state = Survey.State.OPEN
        if survey.closes_at and survey.closes_at <= timezone.now():
            survey.closes_at = None
        survey.save(update_fields=["state", "closes_at"])
        audit("survey.open", survey, user)
    return survey


def close_survey(survey: Survey, user=None) -> Survey:
    """Close now. The closing date becomes now (unless it is past already): the retention of
    members' personal data counts from it (panel.retention); opening again clears it."""
    now = timezone.now()
    with transaction.atomic():
        survey.state = Survey.State.CLOSED
        if survey.closes_at is None or survey.closes_at > now:
            survey.closes_at = now
        survey.save(update_fields=["state", "closes_at"])
        audit("survey.close", survey, user)
    return survey


def schedule_closing(survey: Survey, closes_at: dt.datetime | None, user=None) -> Survey:
    if closes_at is not None and closes_at <= timezone.now():
        raise SurveyError(SurveyCode.CLOSING_IN_PAST, "The closing date must be in the future.")
    with transaction.atomic():
        survey.closes_at = closes_at
        survey.save(update_fields=["closes_at"])
        audit(
            "survey.schedule_closing",
            survey,
            user,
            closes_at=closes_at.isoformat() if closes_at else None,
        )
    return survey


def set_retention(survey: Survey, months: int | None, user=None) -> Survey:
    """Keep the members' personal data `months` calendar months after closing (None: until
    erased by hand). Erasing is panel.retention's daily task; this only records the choice."""
    if months is not None and not 1 <= months <= RETENTION_MAX_MONTHS:
        raise SurveyError(
            SurveyCode.BAD_RETENTION,
            f"Retention is from 1 to {RETENTION_MAX_MONTHS} months, or empty.",
        )
    with transaction.atomic():
        survey.retention_months = months
        survey.save(update_fields=["retention_months"])
        audit("survey.retention", survey, user, months=months)
    return survey


def configure(survey: Survey, *, anonymous: bool, panel_only: bool, user=None) -> Survey:
    """Set how answers come in. Anonymity is fixed once the first answer is stored: a promise
    made to respondents cannot change under them."""
    if anonymous != survey.anonymous and survey.responses.exists():
        raise SurveyError(
            SurveyCode.HAS_RESPONSES, "Anonymity cannot change once answers have been stored."
        )
    with transaction.atomic():
        survey.anonymous = anonymous
        survey.panel_only = panel_only
        survey.save(update_fields=["anonymous", "panel_only"])
        audit("survey.configure", survey, user, anonymous=anonymous, panel_only=panel_only)
    return survey


def set_benchmark(survey: Survey, *, on: bool, group: str, least: int, user=None) -> Survey:
    """Each member's benchmark on the thank-you page: on or off, the single choice that makes
    their group ('' for none), and the least answers a share is shown on (2 to 1000)."""
    form = survey.current_version.form if survey.current_version else None
    question = form.question(group) if form and group else None
    if group and (question is None or question.type.value != "select_one" or question.repeat):
        raise SurveyError(
            SurveyCode.BAD_BENCHMARK, "The group is a single-choice question asked once."
        )
    if not 2 <= least <= 1000:
        raise SurveyError(SurveyCode.BAD_BENCHMARK, "The least number of answers is 2 to 1000.")
    with transaction.atomic():
        survey.benchmark, survey.benchmark_group, survey.benchmark_min_group = on, group, least
        survey.save(update_fields=["benchmark", "benchmark_group", "benchmark_min_group"])
        audit("survey.benchmark", survey, user, on=on, group=group, least=least)
    return survey


def rights(survey: Survey) -> list[tuple[Any, list[str]]]:
    """Who holds a right on this survey alone ("view", "change"), by username: not those who
    hold it for every survey (the admin's permissions), whom the page names apart."""
    from guardian.shortcuts import get_users_with_perms

    held: dict[Any, list[str]] = get_users_with_perms(  # type: ignore[assignment]
        survey, attach_perms=True, with_superusers=False, with_group_users=False
    )
    names = {"view_survey": "view", "change_survey": "change"}
    out = [(user, sorted(names[p] for p in perms if p in names)) for user, perms in held.items()]
    return sorted(((u, r) for u, r in out if r), key=lambda pair: pair[0].get_username())


def grant(survey: Survey, username: str, right: str, user=None) -> None:
    """Give `username` the right to see ("view") or change ("change") this survey alone;
    "change" includes seeing. Audited."""
    from django.contrib.auth import get_user_model
    from guardian.shortcuts import assign_perm, remove_perm

    if right not in RIGHTS:
        raise SurveyError(SurveyCode.BAD_RIGHT, "The right is view or change.")
    holder = get_user_model().objects.filter(username=username.strip()).first()
    if holder is None:
        raise SurveyError(SurveyCode.NO_SUCH_USER, "No account has this username.")
    with transaction.atomic():
        for other in set(RIGHTS.values()) - {RIGHTS[right]}:
            remove_perm(other, holder, survey)
        assign_perm(RIGHTS[right], holder, survey)
        audit("survey.grant", survey, user, username=holder.get_username(), right=right)


def revoke(survey: Survey, username: str, user=None) -> None:
    """Take back every right `username` held on this survey alone. Audited."""
    from django.contrib.auth import get_user_model
    from guardian.shortcuts import remove_perm

    holder = get_user_model().objects.filter(username=username).first()
    if holder is None:
        raise SurveyError(SurveyCode.NO_SUCH_USER, "No account has this username.")
    with transaction.atomic():
        for permission in RIGHTS.values():
            remove_perm(permission, holder, survey)
        audit("survey.revoke", survey, user, username=holder.get_username())
