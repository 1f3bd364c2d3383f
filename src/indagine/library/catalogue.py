"""The questionnaires an organiser can start a new survey from: the club's own 2020 survey, then
general member-survey templates (satisfaction, needs and priorities, event feedback).

Each is an XLSForm in pyxform's markdown, shipped inside this package and read with
importlib.resources, bilingual (Italian first, English), and accepted by `forms.loader` with no
error and no warning (tests/library/test_templates.py). An organiser takes one as it is, or
downloads it, edits the wording and imports it as their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

PACKAGE = "indagine.library"


@dataclass(frozen=True)
class Template:
    key: str  # "member_satisfaction"
    file: str  # relative to the indagine.library package: "templates/member_satisfaction.md"
    title: dict[str, str]  # language code -> title
    description: dict[str, str]  # language code -> one or two sentences

    @property
    def filename(self) -> str:
        """The file's own name, which tells the loader its format."""
        return self.file.rsplit("/", 1)[-1]

    def source(self) -> bytes:
        """The XLSForm as shipped."""
        return resources.files(PACKAGE).joinpath(*self.file.split("/")).read_bytes()


TEMPLATES: tuple[Template, ...] = (
    Template(
        key="remote_working_2020",
        file="remote_working_2020.md",
        title={
            "it": "Remote Working e Contact Center (2020)",
            "en": "Remote Working and Contact Centers (2020)",
        },
        description={
            "it": "L'indagine del Club del 2020 sul lavoro da remoto nei contact center durante "
            "l'emergenza: organizzazione, strumenti, opinioni ed effetti.",
            "en": "The Club's 2020 survey of remote work in contact centers during the emergency: "
            "organisation, tools, views and effects.",
        },
    ),
    Template(
        key="member_satisfaction",
        file="templates/member_satisfaction.md",
        title={"it": "Soddisfazione dei soci", "en": "Member satisfaction"},
        description={
            "it": "Quanto i soci sono soddisfatti dell'associazione, delle attività, delle "
            "comunicazioni e della quota; se la consiglierebbero e se pensano di rinnovare.",
            "en": "How satisfied members are with the association, its activities, its news and "
            "the fee; whether they would recommend it and expect to renew.",
        },
    ),
    Template(
        key="needs_priorities",
        file="templates/needs_priorities.md",
        title={"it": "Bisogni e priorità dei soci", "en": "Member needs and priorities"},
        description={
            "it": "Di che cosa hanno bisogno i soci, quanto contano per loro le attività "
            "dell'associazione e in quale ordine investire nei prossimi due anni.",
            "en": "What members need, how much the association's activities matter to them and "
            "in what order to invest over the next two years.",
        },
    ),
    Template(
        key="event_feedback",
        file="templates/event_feedback.md",
        title={"it": "Valutazione di un evento", "en": "Event feedback"},
        description={
            "it": "Dopo un evento: chi ha partecipato e perché alcuni no, il giudizio su "
            "contenuti, relatori e organizzazione, che cosa cambiare la prossima volta.",
            "en": "After an event: who came and why some did not, ratings of content, speakers "
            "and organisation, what to change next time.",
        },
    ),
)


def template(key: str) -> Template | None:
    """The template with this key, or None."""
    return next((t for t in TEMPLATES if t.key == key), None)
