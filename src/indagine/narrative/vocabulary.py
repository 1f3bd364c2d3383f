"""Vocabulary: the fixed wording of a letter, in Italian and English, as templates with slots."""

from __future__ import annotations

import datetime as dt

from indagine.narrative.quantities import Lang

# each entry: (Italian, English); {slots} are filled by `sentences.compose`
TEXTS: dict[str, tuple[str, str]] = {
    "greeting": ("Cari Amici {of}, buongiorno.", "Dear members {of},"),
    "greeting_unnamed": ("Cari soci, buongiorno.", "Dear members,"),
    "intro_interim": (
        "Vi scriviamo per condividere i primi risultati dell'indagine «{title}»{about}, "
        "che è ancora in corso: finora abbiamo ricevuto {n} risposte.",
        "We are writing to share the first results of the survey “{title}”{about}, "
        "which is still open: so far we have received {n} responses.",
    ),
    "intro_final": (
        "Vi scriviamo per condividere i risultati dell'indagine «{title}»{about}, "
        "che si è chiusa con {n} risposte{rate}.",
        "We are writing to share the results of the survey “{title}”{about}, "
        "which has closed with {n} responses{rate}.",
    ),
    "about_both": (
        ", promossa {promoter} e dedicata {theme}",
        ", promoted by {promoter}, on {theme}",
    ),
    "about_promoter": (", promossa {promoter}", ", promoted by {promoter}"),
    "about_theme": (", dedicata {theme}", ", on {theme}"),
    "rate": (", ovvero {rate} degli invitati", ", {rate} of those invited"),
    "margin": (
        "Il margine di errore, per una quota intorno alla metà, è di {moe}.",
        "The margin of error, for a share around one half, is {moe}.",
    ),
    "moe": ("±{x} punti percentuali", "±{x} percentage points"),
    "weighted": (
        "Le stime sono ponderate per rispecchiare la composizione dei soci.",
        "The estimates are weighted to reflect the make-up of the membership.",
    ),
    "lead_interim": (
        "Alcuni risultati si possono già considerare consolidati.",
        "Some results can already be considered settled.",
    ),
    "lead_final": ("Ecco i risultati principali.", "These are the main results."),
    "lead_none": (
        "Per ora nessun risultato si può dire consolidato: le risposte sono ancora poche "
        "per conclusioni sicure.",
        "No result can yet be called settled: there are still too few answers for firm "
        "conclusions.",
    ),
    "opinion": (
        "{prefix}{q}{subject} ritiene che {claim}.",
        "{prefix}{q}{subject} think that {claim}.",
    ),
    "predicate": ("{prefix}{q}{subject} {claim}.", "{prefix}{q}{subject} {claim}."),
    "open_first": (
        "{prefix}non è ancora evidente se {claim}.",
        "{prefix}it is not yet clear whether {claim}.",
    ),
    "open_next": (
        "{prefix}resta ancora da capire se {claim}.",
        "{prefix}it also remains to be seen whether {claim}.",
    ),
    "open_next_2": (
        "{prefix}non è ancora chiaro neppure se {claim}.",
        "{prefix}nor is it clear yet whether {claim}.",
    ),
    "open_next_3": (
        "{prefix}è presto anche per dire se {claim}.",
        "{prefix}it is also too early to say whether {claim}.",
    ),
    "majority_of": ("la maggioranza{subject} {claim}", "most{subject} {claim}"),
    "divided": (
        "{prefix}il campione si divide sul fatto che {claim}: lo ritiene {q}.",
        "{prefix}respondents are divided on whether {claim}: {q} think so.",
    ),
    "divided_predicate": (
        "{prefix}il campione si divide: {q} {claim}.",
        "{prefix}the sample is split: {q} {claim}.",
    ),
    "unsettled": (
        "{prefix}le risposte non bastano per dire se {claim}: lo ritiene {q}.",
        "{prefix}there are too few answers to tell whether {claim}: {q} think so.",
    ),
    "unsettled_predicate": (
        "{prefix}le risposte non bastano per una conclusione: {q} {claim}.",
        "{prefix}there are too few answers for a conclusion: {q} {claim}.",
    ),
    "moderate": (
        "{prefix}{who} moderatamente d'accordo sul fatto che {claim} ({m}).",
        "{prefix}respondents moderately agree that {claim} ({m}).",
    ),
    "agree": (
        "{prefix}{who} nel complesso d'accordo sul fatto che {claim} ({m}).",
        "{prefix}respondents agree, on the whole, that {claim} ({m}).",
    ),
    "disagree": (
        "{prefix}{who} nel complesso in disaccordo sul fatto che {claim} ({m}).",
        "{prefix}respondents disagree, on the whole, that {claim} ({m}).",
    ),
    "neutral": (
        "{prefix}sul fatto che {claim} non ci si sbilancia né in un senso né nell'altro ({m}).",
        "{prefix}respondents are broadly neutral on whether {claim} ({m}).",
    ),
    # a claim with its own verb cannot follow "sul fatto che": it is asked, as it was asked
    "moderate_predicate": (
        "{prefix}alla domanda se {claim}, {who} tende moderatamente al sì ({m}).",
        "{prefix}asked whether they {claim}, {who} lean moderately towards yes ({m}).",
    ),
    "agree_predicate": (
        "{prefix}alla domanda se {claim}, {who} risponde nel complesso di sì ({m}).",
        "{prefix}asked whether they {claim}, {who} say yes on the whole ({m}).",
    ),
    "disagree_predicate": (
        "{prefix}alla domanda se {claim}, {who} risponde nel complesso di no ({m}).",
        "{prefix}asked whether they {claim}, {who} say no on the whole ({m}).",
    ),
    "neutral_predicate": (
        "{prefix}alla domanda se {claim}, {who} non si sbilancia né in un senso né nell'altro "
        "({m}).",
        "{prefix}asked whether they {claim}, {who} lean neither way ({m}).",
    ),
    "who_asked": ("il campione", "respondents"),
    "who_asked_within": ("questo gruppo", "they"),
    "who": ("il campione è", "respondents"),
    "who_within": ("si è", "respondents"),
    "mean": (
        "media {x} su una scala da {low} a {high}",
        "mean {x} on a scale from {low} to {high}",
    ),
    "percent": ("{prefix}in media {q} {claim}.", "{prefix}on average, {q} {claim}."),
    "percent_open": (
        "{prefix}non è ancora evidente se in media più della metà {claim}.",
        "{prefix}it is not yet clear whether, on average, more than half {claim}.",
    ),
    "percent_question": (
        "{prefix}alla domanda «{claim}» la risposta media è {q}.",
        "{prefix}the average answer to “{claim}” is {q}.",
    ),
    "everyone": (
        "tra i rispondenti a cui la domanda era rivolta",
        "among the respondents the question applied to",
    ),
    "scope_one": (
        "La domanda era rivolta solo a questo gruppo: per il resto del campione il dato non si "
        "può stimare.",
        "The question was asked only of this group, so the figure cannot be estimated for the "
        "rest of the sample.",
    ),
    "scope_many": (
        "Queste domande erano rivolte solo a una parte del campione: per gli altri i dati non si "
        "possono stimare.",
        "These questions were asked only of part of the sample, so the figures cannot be "
        "estimated for the others.",
    ),
    "ranked_two": (
        "Tra gli aspetti valutati, due spiccano chiaramente sugli altri: {ab}, per cui "
        "rispondono {labels}, rispettivamente, {qa} e {qb} del campione.",
        "Of the aspects rated in the survey, two stand clearly ahead of the rest: {ab}, "
        "rated {labels} by {qa} and {qb} of the sample respectively.",
    ),
    "ranked_one": (
        "Tra gli aspetti valutati, uno spicca chiaramente sugli altri: {a}, per cui risponde "
        "{labels} {qa} del campione; per gli altri i dati non stabiliscono {yet}un ordine netto.",
        "Of the aspects rated in the survey, one stands clearly ahead of the rest: {a}, rated "
        "{labels} by {qa} of the sample; the data do not {yet}put the others in a clear order.",
    ),
    "ranked_none": (
        "Tra gli aspetti valutati, i dati non permettono {yet}di dire quali pesino di più: le "
        "differenze restano entro i margini di incertezza.",
        "Of the aspects rated in the survey, the data do not {yet}show which weigh most: the "
        "differences are within the margins of uncertainty.",
    ),
    "yet": ("ancora ", "yet "),
    "upper_half": ("nella parte alta della scala", "in the upper half of the scale"),
    "or": (" o ", " or "),
    "quote": ("«{x}»", "“{x}”"),
    "contrasts": (
        "Emergono anche alcune differenze significative tra gruppi di rispondenti.",
        "Some differences between groups of respondents are also significant.",
    ),
    "contrast": (
        "Nel gruppo «{segment}» la quota di chi {what} {verb} {seg}, contro {overall} del "
        "campione nel suo insieme.",
        "In the “{segment}” group, the share who {what} {verb} {seg}, against {overall} of the "
        "sample as a whole.",
    ),
    "rises": ("sale", "rises to"),
    "falls": ("scende", "falls to"),
    "thinks": ("ritiene che {claim}", "think that {claim}"),
    "precision": (
        "Alla chiusura le stime saranno più precise: potremo {what} e guardare alle differenze "
        "tra gruppi di rispondenti.",
        "At the close the estimates will be more precise: we will be able to {what} and look at "
        "the differences between groups of respondents.",
    ),
    "settle": ("sciogliere i punti ancora aperti", "settle the points still open"),
    "confirm": ("confermare questi risultati", "confirm these results"),
    "closes": ("La raccolta delle risposte si chiuderà {date}.", "The survey closes on {date}."),
    "closes_soon": (
        "La raccolta delle risposte resterà aperta ancora per qualche giorno.",
        "The survey will stay open for a few more days.",
    ),
    "thanks_interim": (
        "Grazie di cuore a chi ha già risposto.",
        "Many thanks to all of you who have already answered.",
    ),
    "invite_link": (
        "Chi non l'ha ancora fatto può rispondere da qui: {link}; ogni risposta in più rende i "
        "risultati più solidi.",
        "If you have not answered yet, you can do so here: {link}. Every extra answer makes "
        "the results more solid.",
    ),
    "invite": (
        "Chi non l'ha ancora fatto è ancora in tempo: ogni risposta in più rende i risultati "
        "più solidi.",
        "If you have not answered yet, there is still time: every extra answer makes the "
        "results more solid.",
    ),
    "thanks_final": (
        "Grazie di cuore a tutti quelli che hanno risposto.",
        "Many thanks to all of you who answered.",
    ),
    "report_link": (
        "Il rapporto completo, con le tabelle e i grafici, è a questo indirizzo: {link}.",
        "The full report, with tables and charts, is at {link}.",
    ),
    "farewell": ("Un caro saluto,", "With warm regards,"),
}

SUBJECTS: dict[str, tuple[str, ...]] = {
    "it": (" del campione", " dei partecipanti", " di chi ha risposto"),
    "en": (" of the sample", " of respondents", " of those who answered"),
}

MONTHS = {
    "it": [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


def text(key: str, lang: Lang) -> str:
    """The template `key` in `lang`."""
    return TEXTS[key][0 if lang == "it" else 1]


def date_words(day: dt.date, lang: Lang, *, with_article: bool = False) -> str:
    """A date as words: "3 aprile 2020" ("l'8 aprile 2020" with the article), "3 April 2020"."""
    if lang == "en":
        return f"{day.day} {MONTHS['en'][day.month - 1]} {day.year}"
    number = "1º" if day.day == 1 else str(day.day)
    words = f"{number} {MONTHS['it'][day.month - 1]} {day.year}"
    if not with_article:
        return words
    return ("l'" if day.day in (8, 11) else "il ") + words


def count_words(n: int, lang: Lang) -> str:
    """A count with the language's thousands separator ("1.234", "1,234")."""
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "it" else text


_ARTICLES = ("il", "lo", "la", "i", "gli", "le")
_JOINED = {"da": ("dal", "dallo", "dalla", "dai", "dagli", "dalle", "dall'")}
_JOINED["a"] = ("al", "allo", "alla", "ai", "agli", "alle", "all'")
_JOINED["di"] = ("del", "dello", "della", "dei", "degli", "delle", "dell'")


def joined(preposition: str, words: str, lang: Lang) -> str:
    """Italian "da"/"a" before words, fused with their article ("dal Club", "alla palestra")."""
    if lang != "it":
        return words
    forms = _JOINED[preposition]
    first, _, rest = words.partition(" ")
    if first.lower() in _ARTICLES and rest:
        return f"{forms[_ARTICLES.index(first.lower())]} {rest}"
    if words[:2].lower() in ("l'", "l’"):
        return forms[-1] + words[2:]
    return f"{preposition} {words}"


def of_organisation(name: str, lang: Lang) -> str:
    """The organisation's name after "members": "del Club", "dell'Associazione", "of the Club".

    A name is taken to be a noun that takes the article, as clubs and associations are named
    ("Cari Amici del Club" in the club's own letters). An article already written is kept and, in
    Italian, fused; without one, Italian chooses "dell'" before a vowel, "dello" before s and a
    consonant or z, else "del" (a feminine name is best written with its article: "la Lega").
    English puts "the" before any name that has no "the" of its own.
    """
    first, _, rest = name.partition(" ")
    if lang == "en":  # an Italian article written with the name gives way to "the"
        if first.lower() in _ARTICLES and rest:
            name = rest
        elif name[:2].lower() in ("l'", "l’"):
            name = name[2:]
        return f"of {name}" if name.lower().startswith("the ") else f"of the {name}"
    if (first.lower() in _ARTICLES and rest) or name[:2].lower() in ("l'", "l’"):
        return joined("di", name, lang)
    lowered = name.lower()
    if lowered[:1] in "aeiouàèéìòù":
        return f"dell'{name}"
    if lowered[:1] == "z" or (lowered[:1] == "s" and lowered[1:2] not in "aeiouàèéìòù"):
        return f"dello {name}"
    return f"del {name}"
