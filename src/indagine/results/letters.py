"""The newsletter draft of a survey: its findings written as a letter (`indagine.narrative`)."""

from __future__ import annotations

from dataclasses import replace
from typing import TypeGuard, get_args

from django.urls import reverse
from django.utils import timezone

from indagine.narrative.letter import Letter, write_letter
from indagine.narrative.quantities import Lang
from indagine.narrative.statements import Stage
from indagine.results import editions, services
from indagine.results.models import Publication
from indagine.surveys import site
from indagine.surveys.models import Survey


def letter_for(
    survey: Survey, *, lang: str, stage: str, base_url: str | None = None, weighted: bool = False
) -> Letter:
    """The interim or final letter in `lang`, signed as the survey's publication settings say.
    Its link to the survey starts with `base_url`, by default the site's public address."""
    if not _is_lang(lang) or not _is_stage(stage):
        raise ValueError(
            f"letters are {get_args(Stage)} in {get_args(Lang)}: not {stage} in {lang}"
        )
    settings, _ = Publication.objects.get_or_create(survey=survey)
    found = services.findings(survey, services.View(weighted=weighted))
    # Findings over a repeat's instances stay in the report. The letter's sentences speak of
    # the members ("about two thirds of you ..."), decide on confidence sequences and name
    # groups of respondents: a share of sites or of colleagues is none of these, and said in
    # them it would read as a share of members. Left out here, the letter does not list them
    # among the findings it left to the report either.
    compared = editions.compared(survey, found, weighted)
    found = replace(found, items=tuple(f for f in found.items if not f.repeat))
    link = (base_url or site.base_url()).rstrip("/") + reverse("collect:survey", args=[survey.slug])
    return write_letter(
        found,
        lang,
        stage,
        club=organisation(settings),
        promoter=settings.promoter or None,
        theme=(settings.theme_it if lang == "it" else settings.theme_en) or None,
        link=link if stage == "interim" and survey.is_accepting() else None,
        place=settings.place,
        date=timezone.localdate(),
        signature=settings.signature_it if lang == "it" else settings.signature_en,
        closes_on=timezone.localtime(survey.closes_at).date() if survey.closes_at else None,
        editions=compared,
    )


def organisation(publication: Publication) -> str | None:
    """The name the letter greets the members by: the site's organisation name, else the
    survey's own if an organiser changed it from the model's placeholder "Club" (which would
    read "Dear members of Club"), else none ("Dear members")."""
    placeholder = Publication._meta.get_field("club").get_default()
    own = publication.club.strip()
    return site.organisation_name() or (own if own and own != placeholder else None)


def _is_lang(code: str) -> TypeGuard[Lang]:
    return code in get_args(Lang)


def _is_stage(name: str) -> TypeGuard[Stage]:
    return name in get_args(Stage)
