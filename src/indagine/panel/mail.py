"""Messages to members: built-in wording in Italian and English, a survey's own templates,
HTML and plain-text parts, a working unsubscribe link and the List-Unsubscribe header."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Engine
from django.urls import reverse
from django.utils import formats, timezone, translation

from indagine.forms import languages
from indagine.panel.models import Member, Message, MessageTemplate
from indagine.panel.tokens import member_token, unsubscribe_token
from indagine.surveys import site

BUILTIN: dict[tuple[str, str], tuple[str, str]] = {
    ("invite", "it"): (
        "{{ survey }}: la sua opinione conta",
        "Gentile {{ name|default:'socio' }},\n\nla invitiamo a partecipare all'indagine "
        '"{{ survey }}". Bastano pochi minuti; può interrompere e riprendere quando vuole '
        "dallo stesso link personale:\n\n{{ link }}\n\n{% if closing_date %}L'indagine resta "
        "aperta {{ open_until }}.\n\n{% endif %}Grazie per il suo contributo.\n",
    ),
    ("invite", "en"): (
        "{{ survey }}: your view matters",
        "Dear {{ name|default:'member' }},\n\nwe invite you to take part in the survey "
        '"{{ survey }}". It takes a few minutes; you can stop and continue whenever you like '
        "from the same personal link:\n\n{{ link }}\n\n{% if closing_date %}The survey is open "
        "{{ open_until }}.\n\n{% endif %}Thank you for your contribution.\n",
    ),
    ("remind", "it"): (
        "Promemoria: {{ survey }}",
        "Gentile {{ name|default:'socio' }},\n\nnon abbiamo ancora ricevuto le sue risposte "
        'all\'indagine "{{ survey }}". Se ha già iniziato, riprende da dove si era fermato:'
        "\n\n{{ link }}\n\n{% if closing_date %}L'indagine chiude {{ closes_on }}.\n\n"
        "{% endif %}Grazie!\n",
    ),
    ("remind", "en"): (
        "Reminder: {{ survey }}",
        "Dear {{ name|default:'member' }},\n\nwe have not yet received your answers to the "
        'survey "{{ survey }}". If you already started, you will continue where you '
        "stopped:\n\n{{ link }}\n\n{% if closing_date %}The survey closes "
        "{{ closes_on }}.\n\n{% endif %}Thank you!\n",
    ),
    ("thanks", "it"): (
        "Grazie per aver risposto: {{ survey }}",
        "Gentile {{ name|default:'socio' }},\n\ngrazie per aver completato l'indagine "
        '"{{ survey }}". Condivideremo i risultati con tutti i soci.\n'
        "{% if benchmark %}\nCome si collocano le sue risposte rispetto a quelle degli altri, "
        "aggiornato man mano che arrivano: {{ link }}\n{% endif %}",
    ),
    ("thanks", "en"): (
        "Thank you for answering: {{ survey }}",
        "Dear {{ name|default:'member' }},\n\nthank you for completing the survey "
        '"{{ survey }}". We will share the results with all members.\n'
        "{% if benchmark %}\nHow your answers compare with the others', updated as answers "
        "arrive: {{ link }}\n{% endif %}",
    ),
}
FOOTER = {
    "it": "\n--\nPer non ricevere più messaggi: {{ unsubscribe }}\n",
    "en": "\n--\nTo receive no more messages: {{ unsubscribe }}\n",
}


@dataclass(frozen=True)
class Wording:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=256)
def compiled(source: str, autoescape: bool):
    return Engine(autoescape=autoescape).from_string(source)


class Composer:
    """Builds the emails of one delivery batch, looking up each survey's wording, language and
    closing date once per batch rather than once per message."""

    def __init__(self, connection=None) -> None:
        self.connection = connection
        self.base = site.base_url()  # the organisers' public address, else the setting
        self.brand = site.branding()  # read once for every message of the batch
        self._words: dict[tuple[int, str, str], Wording] = {}
        self._languages: dict[int, str] = {}
        self._closing: dict[tuple[int, str], str] = {}

    def wording(self, survey, kind: str, lang: str) -> Wording:
        key = (survey.pk, kind, lang)
        if key not in self._words:
            own = MessageTemplate.objects.filter(survey=survey, kind=kind, language=lang).first()
            if own is not None:
                self._words[key] = Wording(own.subject, own.text, own.html)
            else:
                subject, text = BUILTIN.get((kind, lang)) or BUILTIN[(kind, "it")]
                self._words[key] = Wording(subject, text, "")
        return self._words[key]

    def language(self, member: Member) -> str:
        lang = str(member.attributes.get("language", "")).lower()[:2]
        if languages.offered(lang):
            return lang
        survey = member.survey
        if survey.pk not in self._languages:
            form = survey.current_version.form if survey.current_version_id else None
            default = form.default_language if form else None
            self._languages[survey.pk] = languages.or_default(default)
        return self._languages[survey.pk]

    def closing(self, survey, lang: str) -> str:
        key = (survey.pk, lang)
        if key not in self._closing:
            text = ""
            if survey.closes_at:
                with translation.override(lang):
                    text = formats.date_format(timezone.localtime(survey.closes_at), "j F Y")
                if lang == "it":
                    text = text.lower()  # Italian writes months in lower case: 9 marzo 2031
            self._closing[key] = text
        return self._closing[key]

    def closing_phrases(self, survey, lang: str) -> dict[str, str]:
        """The closing moment as the built-in wording says it, time included (a survey that
        closes at 17:00 is not open all that day): "fino all'8 gennaio 2027, ore 17:00" and
        "l'8 gennaio 2027 alle 17:00" (Italian elides the article before 8 and 11), "until 8
        January 2027, 17:00" and "on 8 January 2027 at 17:00"."""
        if not survey.closes_at:
            return {"open_until": "", "closes_on": ""}
        moment = timezone.localtime(survey.closes_at)
        date, hour = self.closing(survey, lang), moment.strftime("%H:%M")
        if lang == "it":
            vowel = moment.day in (8, 11)  # otto, undici
            until, on = ("all'", "l'") if vowel else ("al ", "il ")
            return {
                "open_until": f"fino {until}{date}, ore {hour}",
                "closes_on": f"{on}{date} alle {hour}",
            }
        return {"open_until": f"until {date}, {hour}", "closes_on": f"on {date} at {hour}"}

    def build(self, message: Message) -> EmailMultiAlternatives:
        """The email for one message, ready to send."""
        member = message.member
        survey = member.survey
        lang = self.language(member)
        token = member_token(member.pk, member.invitation.nonce)
        unsubscribe = (
            self.base
            + reverse("panel:unsubscribe", args=[unsubscribe_token(member.pk)])
            + f"?lang={lang}"
        )
        link = self.base + reverse("panel:enter", args=[survey.slug, token])
        values = {
            "name": member.name,
            "survey": survey.title,
            "closing_date": self.closing(survey, lang),
            **self.closing_phrases(survey, lang),
            "link": link,
            "unsubscribe": unsubscribe,
            # each member's benchmark, seen again from their link (never in an anonymous
            # survey, where nothing leads back to their answers)
            "benchmark": survey.benchmark and not survey.anonymous,
        }
        subject, text, html = self.render(self.wording(survey, message.kind, lang), lang, values)
        email = EmailMultiAlternatives(
            subject,
            text,
            settings.DEFAULT_FROM_EMAIL,
            [member.email],
            connection=self.connection,
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                # The same message always has the same id: a retry after a crash is
                # recognisable as the same message.
                "Message-ID": f"<{message.kind}.{message.round}.{member.pk}.{survey.pk}"
                f"@indagine.invalid>",
            },
        )
        email.attach_alternative(html, "text/html")
        return email

    def render(self, words: Wording, lang: str, values: dict[str, Any]) -> tuple[str, str, str]:
        """A message's subject, text and branded HTML from its wording and its values (the
        unsubscribe footer always added)."""
        context = Context(values, autoescape=False)
        subject = compiled(words.subject, False).render(context).strip().replace("\n", " ")
        text = compiled(words.text + FOOTER[lang], False).render(context)
        links = (values["link"], values["unsubscribe"])
        if words.html:  # the organiser's own HTML; the unsubscribe footer is always added
            footer = compiled(FOOTER[lang], False).render(context)
            html = compiled(words.html, True).render(Context(values))
            html += _html_from_text(footer, links[1:])
        else:
            html = _html_from_text(text, links)
        return subject, text, _branded(html, self.brand, self.base)


def _branded(html: str, brand: dict[str, str], base: str) -> str:
    """The HTML body under the organisation's logo (or name), its links in the accent colour
    (`brand` as `site.branding` gives it; `base` the site's public address)."""
    from django.utils.html import escape

    head = ""
    if brand["logo"]:
        source = escape(base + brand["logo"])
        head = f'<p><img src="{source}" alt="{escape(brand["name"])}" height="48"></p>'
    elif brand["name"]:
        head = f"<p><strong>{escape(brand['name'])}</strong></p>"
    if brand["accent"]:  # #rrggbb, checked: safe in a style
        html = html.replace("<a href=", f'<a style="color: {brand["accent"]}" href=')
    return head + html


def _html_from_text(text: str, links: tuple[str, ...]) -> str:
    """A plain-text body as simple HTML: escaped, with the message's own links clickable."""
    from django.utils.html import escape

    html = escape(text)
    for url in links:
        safe = escape(url)
        html = html.replace(safe, f'<a href="{safe}">{safe}</a>')
    paragraphs = [p for p in html.split("\n\n") if p.strip()]
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)


def build(message: Message, connection=None) -> EmailMultiAlternatives:
    """The email for one message (a one-message batch)."""
    return Composer(connection).build(message)
