"""Default wording of answer problems, in the languages indagine ships (a form's own
`required_message` and `constraint_message` take precedence)."""

from __future__ import annotations

import enum

from indagine.forms.languages import page_words


class AnswerCode(enum.StrEnum):
    """Stable codes of problems with an answer or a submission."""

    REQUIRED = "ANSWER_REQUIRED"
    CONSTRAINT = "ANSWER_CONSTRAINT"
    NOT_A_NUMBER = "ANSWER_NOT_A_NUMBER"
    NOT_AN_INTEGER = "ANSWER_NOT_AN_INTEGER"
    OUT_OF_RANGE = "ANSWER_OUT_OF_RANGE"
    UNKNOWN_CHOICE = "ANSWER_UNKNOWN_CHOICE"
    # a choice of the list that the choice_filter leaves out given the other answers: what a
    # respondent without the page's script sends after changing the answer it depends on
    CHOICE_NOT_OFFERED = "ANSWER_CHOICE_NOT_OFFERED"
    MULTIPLE_VALUES = "ANSWER_MULTIPLE_VALUES"
    TOO_LONG = "ANSWER_TOO_LONG"
    BAD_DATE = "ANSWER_BAD_DATE"
    BAD_TIME = "ANSWER_BAD_TIME"
    BAD_DATETIME = "ANSWER_BAD_DATETIME"
    NOT_A_PHONE = "ANSWER_NOT_A_PHONE"
    UNKNOWN_FIELD = "ANSWER_UNKNOWN_FIELD"
    EXPRESSION = "ANSWER_EXPRESSION_FAILED"
    RANK_TIE = "ANSWER_RANK_TIE"  # two items given one position
    RANK_INCOMPLETE = "ANSWER_RANK_INCOMPLETE"  # some items ranked, others not
    FILE_TOO_LARGE = "ANSWER_FILE_TOO_LARGE"  # an upload over the size limit
    FILE_TYPE = "ANSWER_FILE_TYPE"  # an upload whose content is none the question takes
    FILE_UNKNOWN = "ANSWER_FILE_UNKNOWN"  # an upload's name the server did not give (forged)


_MESSAGES: dict[AnswerCode, dict[str, str]] = {
    AnswerCode.REQUIRED: {
        "it": "Questa domanda richiede una risposta.",
        "en": "This question needs an answer.",
        "fr": "Cette question demande une réponse.",
        "de": "Diese Frage braucht eine Antwort.",
        "es": "Esta pregunta necesita una respuesta.",
    },
    AnswerCode.CONSTRAINT: {
        "it": "La risposta non è valida.",
        "en": "This answer is not valid.",
        "fr": "Cette réponse n'est pas valide.",
        "de": "Diese Antwort ist ungültig.",
        "es": "Esta respuesta no es válida.",
    },
    AnswerCode.NOT_A_NUMBER: {
        "it": "Scriva un numero, ad esempio 12 oppure 12,5.",
        "en": "Enter a number, for example 12 or 12.5.",
        "fr": "Saisissez un nombre, par exemple 12 ou 12,5.",
        "de": "Geben Sie eine Zahl ein, zum Beispiel 12 oder 12,5.",
        "es": "Escriba un número, por ejemplo 12 o 12,5.",
    },
    AnswerCode.NOT_AN_INTEGER: {
        "it": "Scriva un numero intero, senza decimali.",
        "en": "Enter a whole number, without decimals.",
        "fr": "Saisissez un nombre entier, sans décimales.",
        "de": "Geben Sie eine ganze Zahl ohne Nachkommastellen ein.",
        "es": "Escriba un número entero, sin decimales.",
    },
    AnswerCode.OUT_OF_RANGE: {
        "it": "Scelga un valore tra {start} e {end}, a passi di {step} a partire da {start}.",
        "en": "Choose a value between {start} and {end}, in steps of {step} from {start}.",
        "fr": (
            "Choisissez une valeur entre {start} et {end}, par pas de {step} à partir de {start}."
        ),
        "de": (
            "Wählen Sie einen Wert zwischen {start} und {end}, in Schritten von {step} ab {start}."
        ),
        "es": "Elija un valor entre {start} y {end}, en pasos de {step} desde {start}.",
    },
    AnswerCode.UNKNOWN_CHOICE: {
        "it": "Scelga una delle opzioni elencate.",
        "en": "Choose one of the listed options.",
        "fr": "Choisissez une des options proposées.",
        "de": "Wählen Sie eine der aufgeführten Optionen.",
        "es": "Elija una de las opciones de la lista.",
    },
    AnswerCode.CHOICE_NOT_OFFERED: {
        "it": "Questa opzione non vale con le altre risposte date: scelga di nuovo.",
        "en": "This option does not go with your other answers: please choose again.",
        "fr": "Cette option ne va pas avec vos autres réponses : choisissez à nouveau.",
        "de": "Diese Option passt nicht zu Ihren anderen Antworten: Bitte wählen Sie erneut.",
        "es": "Esta opción no encaja con sus otras respuestas: elija de nuevo.",
    },
    AnswerCode.MULTIPLE_VALUES: {
        "it": "Scelga una sola opzione.",
        "en": "Choose only one option.",
        "fr": "Choisissez une seule option.",
        "de": "Wählen Sie nur eine Option.",
        "es": "Elija una sola opción.",
    },
    AnswerCode.TOO_LONG: {
        "it": "Il testo è troppo lungo: al massimo {limit} caratteri.",
        "en": "The text is too long: {limit} characters at most.",
        "fr": "Le texte est trop long : {limit} caractères au maximum.",
        "de": "Der Text ist zu lang: höchstens {limit} Zeichen.",
        "es": "El texto es demasiado largo: {limit} caracteres como máximo.",
    },
    AnswerCode.BAD_DATE: {
        "it": "Scriva una data come 2020-03-18.",
        "en": "Enter a date like 2020-03-18.",
        "fr": "Saisissez une date comme 2020-03-18.",
        "de": "Geben Sie ein Datum wie 2020-03-18 ein.",
        "es": "Escriba una fecha como 2020-03-18.",
    },
    AnswerCode.BAD_TIME: {
        "it": "Scriva un orario come 9:30 o 14.45.",
        "en": "Enter a time like 9:30 or 14:45.",
        "fr": "Saisissez une heure comme 9:30 ou 14:45.",
        "de": "Geben Sie eine Uhrzeit wie 9:30 oder 14:45 ein.",
        "es": "Escriba una hora como 9:30 o 14:45.",
    },
    AnswerCode.BAD_DATETIME: {
        "it": "Scriva data e ora come 2020-03-18 9:30.",
        "en": "Enter a date and time like 2020-03-18 9:30.",
        "fr": "Saisissez une date et une heure comme 2020-03-18 9:30.",
        "de": "Geben Sie Datum und Uhrzeit wie 2020-03-18 9:30 ein.",
        "es": "Escriba fecha y hora como 2020-03-18 9:30.",
    },
    AnswerCode.NOT_A_PHONE: {
        "it": "Scriva un numero di telefono, ad esempio +39 02 1234567.",
        "en": "Enter a phone number, for example +44 20 7946 0958.",
        "fr": "Saisissez un numéro de téléphone, par exemple +33 1 23 45 67 89.",
        "de": "Geben Sie eine Telefonnummer ein, zum Beispiel +49 30 1234567.",
        "es": "Escriba un número de teléfono, por ejemplo +34 912 345 678.",
    },
    AnswerCode.UNKNOWN_FIELD: {
        "it": "La risposta contiene un campo sconosciuto: {field}.",
        "en": "The submission has an unknown field: {field}.",
        "fr": "La réponse contient un champ inconnu : {field}.",
        "de": "Die Antwort enthält ein unbekanntes Feld: {field}.",
        "es": "La respuesta contiene un campo desconocido: {field}.",
    },
    AnswerCode.EXPRESSION: {
        "it": "Il questionario non riesce a valutare questa domanda.",
        "en": "The questionnaire cannot evaluate this question.",
        "fr": "Le questionnaire ne parvient pas à évaluer cette question.",
        "de": "Der Fragebogen kann diese Frage nicht auswerten.",
        "es": "El cuestionario no puede evaluar esta pregunta.",
    },
    AnswerCode.RANK_TIE: {
        "it": "Due voci hanno la stessa posizione ({position}): dia a ciascuna la sua.",
        "en": "Two items share position {position}: give each its own.",
        "fr": "Deux éléments ont la même position ({position}) : donnez à chacun la sienne.",
        "de": "Zwei Einträge haben dieselbe Position ({position}): Geben Sie jedem eine eigene.",
        "es": "Dos elementos comparten la posición {position}: dé a cada uno la suya.",
    },
    AnswerCode.RANK_INCOMPLETE: {
        "it": "Dia una posizione a ogni voce, da 1 a {end}.",
        "en": "Give every item a position, from 1 to {end}.",
        "fr": "Donnez une position à chaque élément, de 1 à {end}.",
        "de": "Geben Sie jedem Eintrag eine Position, von 1 bis {end}.",
        "es": "Dé una posición a cada elemento, de 1 a {end}.",
    },
    AnswerCode.FILE_TOO_LARGE: {
        "it": "Il file è troppo grande: al massimo {limit} MB.",
        "en": "The file is too large: {limit} MB at most.",
        "fr": "Le fichier est trop volumineux : {limit} Mo au maximum.",
        "de": "Die Datei ist zu groß: höchstens {limit} MB.",
        "es": "El archivo es demasiado grande: {limit} MB como máximo.",
    },
    AnswerCode.FILE_TYPE: {
        "it": "Questo tipo di file non è accettato: invii un file {kinds}.",
        "en": "This kind of file is not accepted: send a {kinds} file.",
        "fr": "Ce type de fichier n'est pas accepté : envoyez un fichier {kinds}.",
        "de": "Diese Art von Datei wird nicht angenommen: senden Sie eine {kinds}-Datei.",
        "es": "Este tipo de archivo no se acepta: envíe un archivo {kinds}.",
    },
    AnswerCode.FILE_UNKNOWN: {
        "it": "Il file non è stato ricevuto: lo scelga di nuovo.",
        "en": "The file was not received: choose it again.",
        "fr": "Le fichier n'a pas été reçu : choisissez-le à nouveau.",
        "de": "Die Datei ist nicht angekommen: wählen Sie sie erneut.",
        "es": "El archivo no se ha recibido: elíjalo de nuevo.",
    },
}


# NOT_A_NUMBER on a whole-number question (`whole=True`): its example has no decimals.
_WHOLE_NUMBER = {
    "it": "Scriva un numero intero, ad esempio 12.",
    "en": "Enter a whole number, for example 12.",
    "fr": "Saisissez un nombre entier, par exemple 12.",
    "de": "Geben Sie eine ganze Zahl ein, zum Beispiel 12.",
    "es": "Escriba un número entero, por ejemplo 12.",
}


# OUT_OF_RANGE of a range whose steps are whole numbers from 0 (`step` 1), or multiples of
# its step (`multiple`): the simplest words that are still exact.
_WHOLE_IN_RANGE = {
    "it": "Scelga un numero intero tra {start} e {end}.",
    "en": "Choose a whole number between {start} and {end}.",
    "fr": "Choisissez un nombre entier entre {start} et {end}.",
    "de": "Wählen Sie eine ganze Zahl zwischen {start} und {end}.",
    "es": "Elija un número entero entre {start} y {end}.",
}
_MULTIPLE_IN_RANGE = {
    "it": "Scelga un multiplo di {step} tra {start} e {end}.",
    "en": "Choose a multiple of {step} between {start} and {end}.",
    "fr": "Choisissez un multiple de {step} entre {start} et {end}.",
    "de": "Wählen Sie ein Vielfaches von {step} zwischen {start} und {end}.",
    "es": "Elija un múltiplo de {step} entre {start} y {end}.",
}


# The languages that write decimals with a comma.
_DECIMAL_COMMA = {"it", "fr", "de", "es"}


def message(code: AnswerCode, lang: str, **values: object) -> str:
    """The default message for `code` in `lang` (English when the language is not shipped)."""
    texts = _MESSAGES[code]
    if code is AnswerCode.NOT_A_NUMBER and values.get("whole"):
        texts = _WHOLE_NUMBER
    elif code is AnswerCode.OUT_OF_RANGE and values.get("step") in ("1", 1):
        texts = _WHOLE_IN_RANGE if values.get("multiple") else texts
    elif code is AnswerCode.OUT_OF_RANGE and values.get("multiple"):
        texts = _MULTIPLE_IN_RANGE
    lang = page_words(lang)  # a language without indagine's words: English
    if lang in _DECIMAL_COMMA:  # "a passi di 0,5"
        values = {k: v.replace(".", ",") if isinstance(v, str) else v for k, v in values.items()}
    return texts.get(lang, texts["en"]).format(**values)
