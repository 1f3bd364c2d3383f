"""Messages to members: built-in wording in Italian and English, a survey's own templates,
HTML and plain-text parts, a working unsubscribe link and the List-Unsubscribe header."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Engine
from django.urls import reverse
from django.utils import formats, timezone, translation

from indagine.panel.models import Member, Message, MessageTemplate
from indagine.panel.tokens import member_token, unsubscribe_token

BUILTIN: dict[tuple[str, str], tuple[str, str]] = {
    ("invite", "it"): (
        "{{ survey }}: la sua opinione conta",
        "Gentile {{ name|default:'socio' }},\n\nla invitiamo a partecipare all'indagine "
        '"{{ survey }}". Bastano pochi minuti; può interrompere e riprendere quando vuole '
        "dallo stesso link personale:\n\n{{ link }}\n\n{% if closing_date %}L'indagine resta "
        "aperta fino al {{ closing_date }}.\n\n{% endif %}Grazie per il suo contributo.\n",
    ),
    ("invite", "en"): (
        "{{ survey }}: your view matters",
        "Dear {{ name|default:'member' }},\n\nwe invite you to take part in the survey "
        '"{{ survey }}". It takes a few minutes; you can stop and continue whenever you like '
        "from the same personal link:\n\n{{ link }}\n\n{% if closing_date %}The survey is open "
        "until {{ closing_date }}.\n\n{% endif %}Thank you for your contribution.\n",
    ),
    ("remind", "it"): (
        "Promemoria: {{ survey }}",
        "Gentile {{ name|default:'socio' }},\n\nnon abbiamo ancora ricevuto le sue risposte "
        'all\'indagine "{{ survey }}". Se ha già iniziato, riprende da dove si era fermato:'
        "\n\n{{ link }}\n\n{% if closing_date %}L'indagine chiude il {{ closing_date }}.\n\n"
        "{% endif %}Grazie!\n",
    ),
    ("remind", "en"): (
        "Reminder: {{ survey }}",
        "Dear {{ name|default:'member' }},\n\nwe have not yet received your answers to the "
        'survey "{{ survey }}". If you already started, you will continue where you '
        "stopped:\n\n{{ link }}\n\n{% if closing_date %}The survey closes on "
        "{{ closing_date }}.\n\n{% endif %}Thank you!\n",
    ),
    ("thanks", "it"): (
        "Grazie per aver risposto: {{ survey }}",
        "Gentile {{ name|default:'socio' }},\n\ngrazie per aver completato l'indagine "
        '"{{ survey }}". Condivideremo i risultati con tutti i soci.\n',
    ),
    ("thanks", "en"): (
        "Thank you for answering: {{ survey }}",
        "Dear {{ name|default:'member' }},\n\nthank you for completing the survey "
        '"{{ survey }}". We will share the results with all members.\n',
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
def _compiled(source: str, autoescape: bool):
    return Engine(autoescape=autoescape).from_string(source)


def wording(message: Message, lang: str) -> Wording:
    survey = message.member.survey
    own = MessageTemplate.objects.filter(survey=survey, kind=message.kind, language=lang).first()
    if own is not None:
        return Wording(own.subject, own.text, own.html)
    subject, text = BUILTIN.get((message.kind, lang)) or BUILTIN[(message.kind, "it")]
    return Wording(subject, text, "")


def _language(member: Member) -> str:
    lang = str(member.attributes.get("language", "")).lower()[:2]
    if lang in ("it", "en"):
        return lang
    form = member.survey.current_version.form if member.survey.current_version else None
    return form.default_language if form and form.default_language in ("it", "en") else "it"


def _html_from_text(text: str) -> str:
    """A plain-text body as simple HTML, links made clickable (the text is escaped first)."""
    from django.utils.html import escape, urlize

    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{urlize(escape(p)).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def build(message: Message, connection=None) -> EmailMultiAlternatives:
    """The email for one message, ready to send."""
    member = message.member
    survey = member.survey
    lang = _language(member)
    base = settings.INDAGINE_BASE_URL
    invitation = member.invitation
    token = member_token(member.pk, invitation.nonce)
    unsubscribe = base + reverse("panel:unsubscribe", args=[unsubscribe_token(member.pk)])
    with translation.override(lang):
        closing = (
            formats.date_format(timezone.localtime(survey.closes_at), "j F Y")
            if survey.closes_at
            else ""
        )
    values = {
        "name": member.name,
        "survey": survey.title,
        "closing_date": closing,
        "link": base + reverse("panel:enter", args=[survey.slug, token]),
        "unsubscribe": unsubscribe,
    }
    words = wording(message, lang)
    context = Context(values, autoescape=False)
    subject = _compiled(words.subject, False).render(context).strip().replace("\n", " ")
    text = _compiled(words.text + FOOTER[lang], False).render(context)
    html = (
        _compiled(words.html, True).render(Context(values)) if words.html else _html_from_text(text)
    )
    email = EmailMultiAlternatives(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [member.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # The same message always has the same id: a retry after a crash is recognisable.
            "Message-ID": f"<{message.kind}.{message.round}.{member.pk}.{survey.pk}"
            f"@indagine.invalid>",
        },
    )
    email.attach_alternative(html, "text/html")
    return email
