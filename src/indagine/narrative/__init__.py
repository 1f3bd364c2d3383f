"""Narrative: findings turned into the club's letter, in Italian and English (newsletter.md)."""

from indagine.narrative.letter import Letter, write_letter
from indagine.narrative.quantities import Phrase, Style, describe_percent, describe_share

__all__ = ["Letter", "Phrase", "Style", "describe_percent", "describe_share", "write_letter"]
