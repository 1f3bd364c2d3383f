"""Recording what respondents send: one page at a time, each in one transaction."""

from __future__ import annotations

import fcntl
import re
import secrets
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone

from indagine.collect import keys, lookups, orders, repeats, wiping
from indagine.collect.codes import SubmissionCode
from indagine.collect.models import Response
from indagine.collect.signals import response_saved
from indagine.forms.answers import (
    AnswerError,
    applies,
    asked_in,
    check_page,
    instance_fields,
    instance_key,
    is_required,
    page_is_relevant,
    shown_count,
)
from indagine.forms.messages import AnswerCode, message
from indagine.forms.model import Form, Page
from indagine.surveys.models import FormVersion, Survey
from indagine.web.refusals import Refused

# Problems a respondent cannot cause through the pages: only a forged or broken request can.
FORGED = frozenset(
    {
        AnswerCode.UNKNOWN_FIELD,
        AnswerCode.UNKNOWN_CHOICE,
        AnswerCode.MULTIPLE_VALUES,
        AnswerCode.TOO_LONG,
    }
)
ACTIONS = ("next", "back", "save")


class Unread:
    """`record_page(current=UNREAD)`: the caller has not read the respondent's response."""


UNREAD = Unread()


class SubmissionRefused(Refused):
    """A respondent's page refused whole: nothing of it is stored."""


@dataclass(frozen=True)
class PageOutcome:
    response: Response
    page: int  # the page to show next
    errors: tuple[AnswerError, ...] = field(default_factory=tuple)
    completed: bool = False
    saved_only: bool = False


def find_response(survey: Survey, key: str | None) -> Response | None:
    hashed = keys.digest(key)
    return None if hashed is None else lookups.response_by_key(survey, hashed)


def find_survey(slug: str, key: str | None) -> tuple[Survey | None, Response | None]:
    """The survey at `slug` (None without a current form) and the response under `key` in it,
    read together: the one query a respondent's page request starts with."""
    return lookups.survey_and_response(slug, keys.digest(key))


def relevant_pages(form: Form, answers: Mapping[str, Any]) -> list[int]:
    return [i for i, page in enumerate(form.pages) if page_is_relevant(page, answers, form=form)]


def _neighbour(form: Form, answers: Mapping[str, Any], index: int, step: int) -> int | None:
    """The nearest page after (`step` +1) or before (-1) `index` that applies: the pages in
    between only are looked at, not every page of the form."""
    nearer = range(index + 1, len(form.pages)) if step > 0 else range(index - 1, -1, -1)
    pages = form.pages
    return next((i for i in nearer if page_is_relevant(pages[i], answers, form=form)), None)


def missing_required(
    form: Form, answers: Mapping[str, Any], lang: str
) -> tuple[int, list[AnswerError]] | None:
    """The first relevant page with a required question still unanswered, and its errors."""
    members = form.repeat_members() or None
    for index, page in enumerate(form.pages):
        errors = [
            AnswerError(
                instance_key(q.name, i) if q.repeat else q.name,
                AnswerCode.REQUIRED,
                q.required_message.get(lang, form.default_language)
                or message(AnswerCode.REQUIRED, lang),
            )
            for q in page.questions
            if q.type.takes_input
            for i, (values, scope) in enumerate(asked_in(q, answers, members))
            if q.name not in values
            and applies(q, answers, scope=scope)
            and is_required(q, answers, None, scope=scope)
        ]
        if errors:
            return index, errors
    return None


@dataclass(frozen=True)
class SentPage:
    """One page as a respondent sent it, and under which key."""

    survey: Survey
    key: str
    page: int
    raw: Mapping[str, Sequence[str]]
    lang: str
    action: str
    shown: frozenset[str] | None
    seed: str | None = None  # the page's seed of choice orders, for a response it starts

    @property
    def digest(self) -> str:
        return keys.hash_key(self.key)

    def outcome(self, response: Response, plan: Plan) -> PageOutcome:
        saved_only = self.action == "save"
        return PageOutcome(response, plan.page, plan.errors, plan.completed, saved_only)


@dataclass(frozen=True)
class Plan:
    """What a page does to a response: its answers after the page, the page to show next and
    its errors, and whether the response is now complete."""

    answers: dict[str, Any]
    page: int
    errors: tuple[AnswerError, ...]
    completed: bool


def record_page(
    survey: Survey,
    key: str,
    page_index: int,
    raw: Mapping[str, Sequence[str]],
    *,
    lang: str,
    action: str,
    shown: frozenset[str] | None = None,
    current: Response | Unread | None = UNREAD,
    seed: str | None = None,
) -> PageOutcome:
    """Store one page of answers under the respondent's key and say which page comes next.

    Refused whole (nothing stored) when the survey does not accept answers or the request could
    not have come from the pages. A finished response is never changed again; sending the last
    page twice stores it once. The page is checked before the write transaction, which then
    only re-reads the row under its lock and applies the result: writers wait for each other
    for as short a time as possible.
    """
    _refuse_unsendable(survey, key, action)
    sent = SentPage(survey, key, page_index, raw, lang, action, shown, orders.well_formed(seed))
    if isinstance(current, Unread):  # else the caller read it with the survey (`find_survey`)
        current = lookups.response_by_key(survey, sent.digest)
    if current is not None and current.status == Response.Status.COMPLETE:
        return PageOutcome(current, page_index, completed=True)
    started_as = _may_start(survey, key) if current is None else None
    version = current.form_version if current else survey.current_version
    plan = _plan(sent, version.form, current.answers if current else {})
    if current is not None and not plan.completed and _update_if_unchanged(current, plan, lang):
        # the common case: one conditional UPDATE, no lock held while the page was checked
        current.answers, current.language, current.page = plan.answers, lang, plan.page
        _announce(sent, current, created=False, completed=False, state=None)
        return sent.outcome(current, plan)
    try:
        with writer_lock(), transaction.atomic():
            return _write(sent, current, version, plan, started_as)
    except IntegrityError:  # the key's hash is taken: a key of another survey's, sent here
        raise SubmissionRefused(
            SubmissionCode.BAD_KEY, "This respondent key belongs to another survey.", status=409
        ) from None


def _refuse_unsendable(survey: Survey, key: str, action: str) -> None:
    """Refuse what the pages never send, and any page of a survey not taking answers."""
    if action not in ACTIONS and repeats.parse_action(action) is None:
        raise SubmissionRefused(SubmissionCode.BAD_ACTION, f"Unknown action '{action}'.")
    if not keys.well_formed(key):
        raise SubmissionRefused(
            SubmissionCode.BAD_KEY, "The respondent key is missing or malformed."
        )
    if not survey.is_accepting():
        raise SubmissionRefused(
            SubmissionCode.NOT_ACCEPTING, "This survey is not accepting answers."
        )


def _write(
    sent: SentPage,
    current: Response | None,
    version: FormVersion,
    plan: Plan,
    started_as: str | None,
) -> PageOutcome:
    """Inside the write transaction: the row re-read under its lock, the plan applied (made
    again if another request for this respondent got there first), the page announced."""
    response = lookups.response_by_key(sent.survey, sent.digest, for_update=True)
    created = response is None
    if response is not None and response.status == Response.Status.COMPLETE:
        return PageOutcome(response, sent.page, completed=True)
    if response is not None and (current is None or response.updated_at != current.updated_at):
        plan = _plan(sent, response.form_version.form, response.answers)
    if response is None:
        response = Response(
            survey=sent.survey,
            form_version=version,
            key_hash=sent.digest,
            language=sent.lang,
            answers=plan.answers,
            page=plan.page,
            # the orders the respondent saw on this page, drawn from its seed (`orders`)
            orders=orders.draw(version.form, sent.seed or orders.new_seed()),
        )
    else:
        response.answers, response.language, response.page = plan.answers, sent.lang, plan.page
    if plan.completed:
        response = _complete(sent.survey, response, sent.key)
    else:
        lookups.save_response(response)
    state = started_as if created else None
    _announce(sent, response, created=created, completed=plan.completed, state=state)
    return sent.outcome(response, plan)


def _announce(
    sent: SentPage, response: Response, *, created: bool, completed: bool, state: str | None
) -> None:
    """Tell other apps a page was stored (`response_saved`): the panel records progress."""
    response_saved.send(
        Response,
        survey=sent.survey,
        response=response,
        key_hash=sent.digest,
        created=created,
        completed=completed,
        key_state=state,
    )


def _update_if_unchanged(current: Response, plan: Plan, lang: str) -> bool:
    """Write the page only if nobody else wrote this response since it was read: a single
    statement, atomic on its own, so no transaction or row lock is needed."""
    with writer_lock():
        updated = lookups.update_if_unchanged(current, plan.answers, lang, plan.page)
    if updated is not None:
        current.updated_at = updated
    return updated is not None


def _may_start(survey: Survey, key: str) -> str | None:
    """May this key start a response? Refused when its personal link is used up, or when the
    survey takes answers only through personal links and this is not one. Returns the key's
    state (`key_state`): "invited" for a personal link, None for a public one."""
    state = keys.key_state(survey, key)
    if state == "spent":
        raise SubmissionRefused(
            SubmissionCode.ALREADY_COMPLETE, "These answers were already sent: thank you."
        )
    if survey.panel_only and state != "invited":
        raise SubmissionRefused(
            SubmissionCode.PANEL_ONLY, "This survey is answered through personal links only."
        )
    return state


def _plan(sent: SentPage, form: Form, answers: Mapping[str, Any]) -> Plan:
    """Check one page against the answers so far, and say where it leads."""
    if not 0 <= sent.page < len(form.pages):
        raise SubmissionRefused(SubmissionCode.BAD_PAGE, "The page does not exist.")
    page = form.pages[sent.page]
    asked = {q.name for q in page.questions if not q.repeat}
    unknown = sorted(set(sent.raw) - asked - _instance_fields(form, page, sent.raw, answers))
    if unknown:
        raise SubmissionRefused(
            SubmissionCode.UNKNOWN_FIELD,
            f"The submission has fields this page does not ask: {', '.join(unknown[:5])}.",
        )
    raw: Mapping[str, Sequence[str]] = sent.raw
    action = repeats.parse_action(sent.action)
    if action is not None:
        changed = repeats.apply(page, sent.raw, answers, action)
        if changed is None:
            raise SubmissionRefused(SubmissionCode.BAD_ACTION, "This page cannot do that.")
        slips = _slips(form, page, sent, answers)
        if slips is not None:  # a wrong answer is said before an instance is added or removed
            return slips
        raw = changed
    checked = check_page(
        form, page, raw, answers, lang=sent.lang, max_text=settings.INDAGINE_MAX_TEXT_LENGTH
    )
    forged = [e for e in checked.errors if e.code in FORGED]
    if forged:
        raise SubmissionRefused(forged[0].code, f"'{forged[0].name}': {forged[0].message}")
    if action is not None:  # the page again, with the instance added or removed
        return Plan(checked.answers, sent.page, (), False)
    next_page, errors, completed = _navigate(
        form, sent.page, checked.answers, checked.errors, sent.action, sent.shown, sent.lang
    )
    return Plan(checked.answers, next_page, tuple(errors), completed)


def _slips(form: Form, page: Page, sent: SentPage, answers: Mapping[str, Any]) -> Plan | None:
    """The page as sent, with its wrong answers (not the unanswered: the respondent is still at
    work on it), when it has any: Add and Remove wait until they are put right, rather than
    keep the page without them and never say so."""
    checked = check_page(
        form, page, sent.raw, answers, lang=sent.lang, max_text=settings.INDAGINE_MAX_TEXT_LENGTH
    )
    wrong = tuple(e for e in checked.errors if e.code is not AnswerCode.REQUIRED)
    if not wrong or any(e.code in FORGED for e in wrong):
        return None  # nothing wrong, or forged: refused by the check after the action
    return Plan(checked.answers, sent.page, wrong, False)


_WRITER = threading.Lock()
_WRITER_FILE: list[Any] = []


@contextmanager
def writer_lock() -> Iterator[None]:
    """On SQLite, one writer at a time across this server's processes, waiting in the kernel
    (flock) rather than in SQLite's busy handler, which polls with sleeps of up to 100 ms."""
    if connections[DEFAULT_DB_ALIAS].vendor != "sqlite":
        yield
        return
    with _WRITER:
        if not _WRITER_FILE:
            path = Path(settings.DATA_DIR) / "write.lock"
            path.parent.mkdir(parents=True, exist_ok=True)
            _WRITER_FILE.append(open(path, "a+b"))  # noqa: SIM115 - kept open for the process
        fcntl.flock(_WRITER_FILE[0], fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(_WRITER_FILE[0], fcntl.LOCK_UN)


def _complete(survey: Survey, response: Response, key: str) -> Response:
    """Mark complete. In an anonymous survey the answers move to a fresh row with no key and
    day-precision times, so nothing in the database links them to the link that was used;
    the key is remembered as spent under a digest that matches nothing else."""
    now = timezone.now()
    if not survey.anonymous:
        response.status = Response.Status.COMPLETE
        response.completed_at = now
        lookups.save_response(response, now)
        return response
    # Both rows get random ids: counted up, the k-th spent key (which whoever holds the secret
    # key can match to a member's invitation) and the k-th anonymous response would re-link.
    keys.spend(key, _random_id())
    day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    fresh = Response.objects.create(
        pk=_random_id(),
        survey=survey,
        form_version=response.form_version,
        key_hash=None,
        status=Response.Status.COMPLETE,
        answers=response.answers,
        orders=response.orders,
        language=response.language,
        page=response.page,
        source=response.source,
        test=response.test,
        completed_at=day,
    )
    Response.objects.filter(pk=fresh.pk).update(started_at=day, updated_at=day)
    if response.pk is not None:
        response._files_moved = True  # its uploads stay: the new row names them
        response.delete()
        wiping.wipe_after_commit()  # the deleted row's bytes, key beside answers, off the disk
    fresh.started_at = fresh.updated_at = day
    return fresh


def _random_id() -> int:
    """A row id that says nothing of when the row was written: from 2**40 to 2**52 (exact in
    JavaScript's numbers; SQLite's AUTOINCREMENT then counts on from the largest, far below
    2**63)."""
    return 2**40 + secrets.randbelow(2**52 - 2**40)


def _navigate(
    form: Form,
    index: int,
    answers: dict[str, Any],
    errors: tuple[AnswerError, ...],
    action: str,
    shown: frozenset[str] | None,
    lang: str,
) -> tuple[int, list[AnswerError], bool]:
    """(page to show, errors to show there, whether the response is now complete)."""
    if action == "save":
        return index, [], False
    if action == "back":
        previous = _neighbour(form, answers, index, -1)
        return (index if previous is None else previous), [], False
    revealed = shown is not None and _revealed(form, index, answers, shown)
    if revealed:  # without JavaScript: a question the respondent never saw is no error yet
        errors = tuple(e for e in errors if shown is None or e.name in shown)
    if errors:
        return index, list(errors), False
    if revealed:
        return index, [], False  # show the questions that now apply
    following = _neighbour(form, answers, index, +1)
    if following is not None:
        return following, [], False
    missing = missing_required(form, answers, lang)
    if missing is not None:
        return missing[0], missing[1], False
    return index, [], True


def _instance_fields(
    form: Form, page: Page, raw: Mapping[str, Sequence[str]], answers: Mapping[str, Any]
) -> set[str]:
    """The fields of `raw` that are the page's repeats' counts ('site[]', a number) and the
    questions of the instances it shows ('city[2]', from 1 to that count): no page sends
    others."""
    kept = set()
    for name in instance_fields(form, raw):
        base, _, index = name[:-1].partition("[")
        repeat = form.repeat_members().get(base, base)
        if repeat not in page.repeats:
            continue
        stored = answers.get(repeat)
        count = shown_count(raw, repeat, len(stored) if isinstance(stored, list) else 0)
        if index and int(index) > count:
            continue
        if not index and not re.fullmatch(r"[0-9]{1,6}", (raw[name] or [""])[0].strip()):
            continue
        kept.add(name)
    return kept


def _revealed(form: Form, index: int, answers: Mapping[str, Any], shown: frozenset[str]) -> bool:
    members = form.repeat_members() or None
    for q in form.pages[index].questions:
        if not q.type.takes_input:
            continue
        for i, (_, scope) in enumerate(asked_in(q, answers, members)):
            key = instance_key(q.name, i) if q.repeat else q.name
            if key not in shown and applies(q, answers, scope=scope):
                return True
    return False
