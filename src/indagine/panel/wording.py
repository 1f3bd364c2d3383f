"""The emails' wording as the organiser writes it on the survey's pages: each kind (invitation,
reminder, thank-you) in each language, its placeholders checked, and a preview of the message
as a member receives it (the same rendering the worker sends: `mail.Composer.render`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from django.db import transaction
from django.template import TemplateSyntaxError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indagine.forms import languages
from indagine.panel.codes import PanelCode, PanelError
from indagine.panel.mail import BUILTIN, Composer, Wording, compiled
from indagine.panel.models import Message, MessageTemplate
from indagine.surveys.models import Survey
from indagine.surveys.services import audit

KINDS = (
    (Message.Kind.INVITE, _("Invitation")),
    (Message.Kind.REMIND, _("Reminder")),
    (Message.Kind.THANKS, _("Thank-you")),
)
# What a wording may say, with what each becomes ({{ name|default:'socio' }} is fine too).
PLACEHOLDERS = {
    "name": _("the member's name (empty if the list has none)"),
    "survey": _("the survey's title"),
    "link": _("the member's personal link to answer"),
    "closing_date": _("the closing date ('9 marzo 2031'), empty without one"),
    "open_until": _("'until 9 March 2031, 17:00', empty without a closing date"),
    "closes_on": _("'on 9 March 2031 at 17:00', empty without a closing date"),
    "unsubscribe": _("the link to receive no more messages (always added at the foot)"),
    "benchmark": _(
        "true when the member can see their benchmark again from their link: "
        "{% if benchmark %}…{% endif %}"
    ),
}
_USED = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)")
MAX_SUBJECT = 200
SAMPLE_NAME = {"it": "Maria Rossi", "en": "Jane Smith"}


@dataclass(frozen=True)
class Shown:
    """A kind in a language: its wording (own or built-in) and the message it makes."""

    kind: str
    language: str
    own: bool
    words: Wording
    subject: str
    text: str


def email_languages(survey: Survey) -> list[str]:
    """The languages the emails go out in: those of the questionnaire indagine writes emails
    in (Italian and English), the default first."""
    form = survey.current_version.form if survey.current_version_id else None
    codes = [languages.or_default(form.default_language if form else None)]
    codes += [c for c in (form.languages if form else ()) if languages.offered(c)]
    return list(dict.fromkeys(codes))


def shown(survey: Survey) -> list[Shown]:
    composer = Composer()
    out = []
    for kind, _name in KINDS:
        for lang in email_languages(survey):
            own = MessageTemplate.objects.filter(survey=survey, kind=kind, language=lang).first()
            words = composer.wording(survey, kind, lang)
            try:
                subject, text, _html = composer.render(words, lang, sample(survey, lang, composer))
            except Exception:  # a wording kept before it was checked: said, not a 500
                subject, text = "", str(_("This wording cannot be written out: fix it."))
            # plain text again: the rendering marks it safe, and the page must escape it
            out.append(
                Shown(kind, lang, own is not None, words, str.__str__(subject), str.__str__(text))
            )
    return out


def sample(survey: Survey, lang: str, composer: Composer) -> dict[str, Any]:
    """The values of a member's message, for a member who does not exist."""
    return {
        "name": SAMPLE_NAME.get(lang, SAMPLE_NAME["en"]),
        "survey": survey.title,
        "closing_date": composer.closing(survey, lang),
        **composer.closing_phrases(survey, lang),
        # each member's own token where the dots are
        "link": composer.base + unquote(reverse("panel:enter", args=[survey.slug, "…"])),
        "unsubscribe": composer.base + unquote(reverse("panel:unsubscribe", args=["…"])),
        "benchmark": survey.benchmark and not survey.anonymous,
    }


def problems(kind: str, subject: str, text: str, survey: Survey | None = None) -> list[str]:
    """What keeps a wording from being sent as written: checked by writing it out for a
    sample member, as the worker will."""
    found = []
    if not subject.strip() or not text.strip():
        found.append(str(_("Write both the subject and the text.")))
    if "\r" in subject or "\n" in subject:
        found.append(str(_("The subject is one line.")))
    if len(subject) > MAX_SUBJECT:
        found.append(str(_("The subject is longer than %(n)s characters.") % {"n": MAX_SUBJECT}))
    for part in (subject, text):
        try:
            compiled(part, False)
        except TemplateSyntaxError as error:
            found.append(str(_("It cannot be read: %(error)s") % {"error": error}))
    for part in (subject, text):
        if part.count("{{") != len(re.findall(r"\{\{.*?\}\}", part)):
            found.append(str(_("A placeholder is not closed: write it as {{ name }}.")))
            break
    unknown = sorted(
        {u.split(".")[0] for u in _USED.findall(f"{subject}\n{text}")} - set(PLACEHOLDERS)
    )
    if unknown:
        found.append(str(_("Unknown placeholders: %(names)s.") % {"names": ", ".join(unknown)}))
    if found or survey is None:
        return found
    composer = Composer()
    values = sample(survey, "it", composer)
    try:
        written = composer.render(Wording(subject, text, ""), "it", values)[1]
    except Exception as error:  # a tag that needs what a message has not: {% include %}, {% url %}
        return [str(_("It cannot be written out: %(error)s") % {"error": error})]
    if kind != Message.Kind.THANKS and values["link"] not in written:
        found.append(str(_("The text must hold {{ link }}: without it members cannot answer.")))
    return found


def save(survey: Survey, kind: str, lang: str, subject: str, text: str, user=None) -> None:
    """Keep the survey's own wording of `kind` in `lang`; refused, nothing kept, with every
    problem listed (EMAIL_WORDING)."""
    if kind not in Message.Kind.values or lang not in email_languages(survey):
        raise PanelError(PanelCode.EMAIL_WORDING, str(_("No such message.")))
    found = problems(kind, subject, text, survey)
    if found:
        raise PanelError(PanelCode.EMAIL_WORDING, " ".join(found), found)
    with transaction.atomic():
        MessageTemplate.objects.update_or_create(
            survey=survey,
            kind=kind,
            language=lang,
            defaults={"subject": subject.strip(), "text": text.replace("\r\n", "\n")},
        )
        audit("panel.wording", survey, user, kind=kind, language=lang)


def reset(survey: Survey, kind: str, lang: str, user=None) -> None:
    """Go back to the built-in wording."""
    if not MessageTemplate.objects.filter(survey=survey, kind=kind, language=lang).exists():
        raise PanelError(PanelCode.EMAIL_WORDING, str(_("No such message.")))
    with transaction.atomic():
        MessageTemplate.objects.filter(survey=survey, kind=kind, language=lang).delete()
        audit("panel.wording.reset", survey, user, kind=kind, language=lang)


def builtin(kind: str, lang: str) -> Wording:
    subject, text = BUILTIN.get((kind, lang)) or BUILTIN[(kind, "it")]
    return Wording(subject, text, "")
