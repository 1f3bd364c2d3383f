"""Respondents who make mistakes and change their minds, as a model (a seeded walker).

A `Respondent` is a browser on the survey's pages: it holds what each field of the page shows
(typing stays in a field the page's script has hidden, as in a real browser), sends the page
with Next, Back or Save, resumes from its link in another browser, and, with the script on,
asks the server which questions apply after each change, as `page.js` does. A seeded random
draws what it types: valid answers, words in number fields, values out of range, nothing.

After every request: no error is shown at a question the respondent cannot see, and no stored
answer belongs to a question that does not apply. After the random walk, the respondent
behaves (goes back to the first page and answers as a valid synthetic respondent would) and
must reach the thank-you page within a bounded number of pages: nobody is ever stuck.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from forms.test_corpus import accepted_forms
from indagine.collect.models import Response
from indagine.forms.answers import Scope, applies
from indagine.forms.model import Form
from indagine.forms.synthetic import synthesize_valid

PDF = b"%PDF-1.4\n%%EOF\n"

NUMBERS = ["tanti", "47", "-3", "12,5", "100", "0", "5", "", "1e3", "3", "9999999"]
TEXTS = ["", "ok", "Abbiamo spostato tutti a casa in una settimana."]
DATES = ["", "2020-03-15", "ieri", "2030-01-01", "2020-02-30"]
WALKS_EACH = 12  # for each form of the corpus
WALKS = 100  # seeded: the same walks on every run, so a failure is found again, never by luck


class Stuck(AssertionError):
    """The respondent behaved and still did not reach the thank-you page."""


class Respondent:
    """One browser on one survey's pages."""

    def __init__(self, slug: str, form: Form, *, script: bool) -> None:
        self.slug, self.form, self.script = slug, form, script
        self.client = Client()
        self.done = False
        self.requests = 0
        self.trace: list[str] = []
        self.load(self.client.get(f"/s/{slug}/"))
        self.key: str = self.context["key"]

    # -- what the page shows

    def load(self, reply: Any) -> None:
        assert reply.status_code == 200, (reply.status_code, reply.content[:300])
        self.context = reply.context
        self.page: int = self.context["page_index"]
        self.views = {q.name: q for q in self.context["questions"] if q.widget != "note"}
        self.visible = {name for name, q in self.views.items() if not q.hidden}
        self.shown: str = self.context["shown"]
        self.rows = {
            name: [i for i, c in enumerate(q.choices) if not c.hidden]
            for name, q in self.views.items()
            if q.choices
        }
        self.fields = {name: self._value(q) for name, q in self.views.items()}
        # a repeat's instances the page shows ('site[]': how many), and whether the
        # respondent adds and removes them (not when the form's count sets how many)
        self.repeats = {
            b.count_field: (len(b.instances), not b.fixed)
            for b in self.context["blocks"]
            if hasattr(b, "count_field")
        }
        self.fields.update({field: [str(n)] for field, (n, _) in self.repeats.items()})
        self.check_errors()

    @staticmethod
    def _value(q: Any) -> list[str]:
        if q.widget == "rank":  # each item's menu as the page shows it
            return [f"{c.name}:{position}" for c, position in zip(q.choices, q.ranks, strict=True)]
        if q.choices:
            return [c.name for c in q.choices if c.checked]
        return [q.value] if q.value else []

    def controls(self) -> set[str]:
        """The page's questions that the relevance of another question on it names (each
        instance's, for a question of a repeat)."""
        from indagine.forms.expressions import parse_expression

        named: set[str] = set()
        for q in self.form.pages[self.page].questions:
            if q.relevant:
                named |= parse_expression(q.relevant).references()
        return {v for v in self.views if v.partition("[")[0] in named}

    def check_errors(self) -> None:
        """No error at a question the respondent cannot see, in place or in the summary."""
        hidden_errors = [q.name for q in self.context["questions"] if q.error and q.hidden]
        assert not hidden_errors, f"errors shown for hidden questions {hidden_errors}"
        summary = {name for name, _, _ in self.context["errors"]}
        assert summary <= self.visible, f"the summary names hidden {summary - self.visible}"

    # -- what the respondent does

    def type(self, name: str, values: list[str]) -> None:
        self.fields[name] = values
        if self.script:
            self.refresh()

    def refresh(self) -> None:
        """What page.js does after a change: ask which questions apply, show and hide them,
        untick the choice rows a filter now leaves out (typing in hidden fields stays)."""
        reply = self.client.post(
            f"/s/{self.slug}/relevance/", {"_page": str(self.page), "_key": self.key, **self.fields}
        )
        assert reply.status_code == 200
        answer = reply.json()
        order = [q.name for q in self.context["questions"] if q.widget != "note"]
        self.visible = set(answer["visible"]) & set(self.views)
        self.shown = " ".join(n for n in order if n in answer["visible"])
        for name, rows in answer["rows"].items():
            self.rows[name] = rows
            names = [self.views[name].choices[i].name for i in rows]
            self.fields[name] = [v for v in self.fields[name] if v in names]

    def send(self, action: str) -> None:
        data = {"_page": str(self.page), "_key": self.key, "_action": action, "_shown": self.shown}
        fields: dict[str, Any] = dict(self.fields)
        for name, values in self.fields.items():  # a file box sends the file chosen, if any
            view = self.views.get(name)
            if view is not None and view.widget == "file":
                fields[name] = SimpleUploadedFile("notes.pdf", PDF) if values else ""
        reply = self.client.post(f"/s/{self.slug}/", {**data, **fields})
        self.requests += 1
        self.trace.append(f"{action}@{self.page}")
        if reply.status_code == 302 and "/thanks/" in reply["Location"]:
            self.done = True
        elif reply.status_code == 302:
            self.load(self.client.get(reply["Location"]))
        else:
            self.load(reply)
        self.check_stored()

    def resume(self) -> None:
        """Open the resume link in another browser (the answers saved so far only)."""
        if not Response.objects.filter(key_hash__isnull=False).exists() or self.stored() is None:
            return
        self.client = Client()
        reply = self.client.get(f"/s/{self.slug}/r/{self.key}/")
        assert reply.status_code == 302
        page = self.client.get(reply["Location"])
        if page.status_code == 302:  # completed meanwhile
            self.done = True
            return
        self.load(page)

    def stored(self) -> Response | None:
        from indagine.collect.services import find_response

        return find_response(Response.objects.first().survey, self.key)  # type: ignore[union-attr]

    def check_stored(self) -> None:
        """No stored answer of a question that does not apply to the stored answers."""
        response = (
            Response.objects.filter(status=Response.Status.COMPLETE).order_by("-pk").first()
            if self.done
            else self.stored()
        )
        if response is None:
            return
        answers = response.answers
        members = self.form.repeat_members() or None
        for name, value in answers.items():
            if name in self.form.repeats():
                for index, instance in enumerate(value):
                    scope = Scope(members, (name, index))
                    for inner in instance:
                        question = self.form.question(inner)
                        assert question is not None and question.repeat == name
                        assert applies(question, answers, scope=scope), (
                            f"{inner} of {name} {index + 1} is stored but does not apply: {answers}"
                        )
                continue
            question = self.form.question(name)
            assert question is not None and applies(question, answers, scope=Scope(members)), (
                f"{name} is stored but does not apply: {answers}"
            )

    # -- the end of the walk: behave, and arrive

    def fill(self, valid: Mapping[str, Sequence[str]]) -> None:
        """Answer the page from top to bottom as `valid` does; a question the script hides on
        the way is left as it is (with whatever was typed in it)."""
        for name in [q.name for q in self.context["questions"] if q.widget != "note"]:
            if name in self.visible:
                self.type(name, list(valid.get(name, [])))

    def as_many(self, valid: Mapping[str, Sequence[str]]) -> bool:
        """Add or remove one instance towards as many as `valid` has; False when the page
        already shows as many of each repeat the respondent sets."""
        for field, (count, editable) in self.repeats.items():
            wanted = int(valid.get(field, ["0"])[0])
            if editable and count != wanted:
                name = field[:-2]
                self.send(f"add:{name}" if count < wanted else f"remove:{name}:{count}")
                return True
        return False

    def finish(self, valid: Mapping[str, Sequence[str]]) -> None:
        """Go back to the first page, then answer as a valid respondent would."""
        pages = len(self.form.pages)
        for _ in range(pages + 1):
            if self.done or self.context["is_first"]:
                break
            self.send("back")
        for _ in range(3 * pages + 5 + 12 * len(self.form.repeats())):
            if self.done:
                return
            if self.as_many(valid):
                continue
            self.fill(valid)
            self.send("next")
        raise Stuck(f"page {self.page} after {self.requests} requests: {self.context['errors']}")


def value_for(rng: random.Random, question: Any, rows: list[int]) -> list[str]:
    """What a person might leave in a field: a choice, several, nothing, words, a slip."""
    names = [question.choices[i].name for i in rows]
    if question.widget in ("radio", "select"):
        return [rng.choice(names)] if names and rng.random() < 0.85 else []
    if question.widget == "checkbox":
        return rng.sample(names, rng.randint(0, min(3, len(names))))
    if question.widget == "rank":  # positions set by hand: maybe a tie, maybe some left out
        every = [c.name for c in question.choices]
        return [f"{n}:{rng.choice(['', *map(str, range(1, len(every) + 1))])}" for n in every]
    pool = {"number": NUMBERS, "date": DATES}.get(question.widget, TEXTS)
    value = rng.choice(pool)
    return [value] if value else []


def walk(rng: random.Random, respondent: Respondent) -> None:
    """Page after page: maybe answer it as a valid respondent would, then make a few mistakes
    and changes of mind, then Next (mostly), Back, Save, or resume in another browser."""
    valid = synthesize_valid(respondent.form, rng)
    for _ in range(rng.randint(1, 3 * len(respondent.form.pages))):
        if respondent.done:
            return
        if respondent.context["errors"] and rng.random() < 0.5:
            # the page came back with errors at follow-up questions: change the answer that
            # brought them rather than fix them (what trapped respondents on page 2)
            slip(rng, respondent, change=True)
        else:
            if rng.random() < 0.7:
                respondent.fill(valid)
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                slip(rng, respondent, change=rng.random() < 0.5)
        move = rng.choice(["next", "next", "next", "next", "back", "save", "resume", "repeat"])
        if move == "repeat":  # add an instance, or remove one
            editable = [(f[:-2], n) for f, (n, free) in respondent.repeats.items() if free]
            if editable:
                name, count = rng.choice(editable)
                action = f"remove:{name}:{rng.randint(1, count)}" if count else f"add:{name}"
                respondent.send(rng.choice([f"add:{name}", action]))
        elif move == "resume":
            respondent.resume()
        else:
            respondent.send(move)
    if not respondent.done:
        respondent.finish(valid)


def slip(rng: random.Random, respondent: Respondent, *, change: bool) -> None:
    """A mistake in a field one types into, or a change of mind at an answer others follow."""
    names = sorted(respondent.visible)
    if not names:
        return
    if change:
        names = [n for n in names if n in respondent.controls()] or names
    else:
        names = [n for n in names if not respondent.views[n].choices] or names
    name = rng.choice(names)
    respondent.type(name, value_for(rng, respondent.views[name], respondent.rows.get(name, [])))


def walkable_forms() -> Iterator[Any]:
    """The built-in survey, the suite's small form, and every accepted form of the corpus."""
    yield pytest.param("builtin", id="builtin")
    yield pytest.param("small", id="small")
    for path in accepted_forms():
        yield pytest.param(path, id=path.stem)


@pytest.fixture
def survey_form(request, db, small_form_source):
    from indagine.surveys.services import import_form, install_builtin, open_survey

    if request.param == "builtin":
        survey = install_builtin()
    elif request.param == "small":
        survey = open_survey(import_form(small_form_source, "small.md", slug="small").survey)
    else:
        path: Path = request.param
        slug = path.stem.replace("_", "-")
        survey = open_survey(import_form(path.read_bytes(), path.name, slug=slug).survey)
    return survey.slug, survey.current_version.form


@pytest.mark.parametrize("script", [False, True], ids=["no-script", "script"])
@pytest.mark.parametrize("survey_form", list(walkable_forms()), indirect=True)
def test_no_walk_traps_a_respondent(survey_form, script):
    slug, form = survey_form
    for seed in range(WALKS if slug == "remote-working-2020" else WALKS_EACH):
        respondent = Respondent(slug, form, script=script)
        try:
            walk(random.Random(seed), respondent)
        except AssertionError as failure:
            raise AssertionError(f"walk {seed}: {failure}; requests {respondent.trace}") from None
        assert respondent.done


@pytest.mark.parametrize("script", [False, True], ids=["no-script", "script"])
def test_the_number_fields_of_a_changed_mind_do_not_hold_the_page(builtin_survey, script):
    """The walk of the issue: 'Sì, una parte', words in both number fields, send, errors;
    then 'No' and send again. The page came back for ever, pointing at hidden questions."""
    respondent = Respondent(builtin_survey.slug, builtin_survey.current_version.form, script=script)
    for name, q in respondent.views.items():
        if q.choices:
            respondent.type(name, [q.choices[0].name])
    respondent.send("next")
    assert respondent.page == 1
    respondent.type("remote", ["part"])
    if not script:
        respondent.send("next")  # the page comes back with the questions that now apply
    respondent.type("remote_share", ["tanti"])
    respondent.type("remote_days", ["pochi"])
    respondent.send("next")
    assert {n for n, _, _ in respondent.context["errors"]} >= {"remote_share", "remote_days"}
    respondent.type("remote", ["no"])
    respondent.send("next")
    assert respondent.page == 2, respondent.context["errors"]
    assert respondent.stored().answers["remote"] == "no"
    assert "remote_share" not in respondent.stored().answers
