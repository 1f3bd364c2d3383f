"""The `indagine` command's subcommands, one module per noun: each module's `register` adds its
subcommands to the parser, and each subcommand's `run` returns the exit code. Commands that need
the database set Django up on demand (`commands.setup`), so `indagine forms check` and
`indagine stats` run without one."""

from __future__ import annotations

import sys
from typing import Any

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def find_survey(slug: str, *, with_form: bool = False) -> Any:
    """The survey named `slug` (with a questionnaire, if asked), or None after saying so."""
    from indagine.surveys.models import Survey

    survey = Survey.objects.select_related("current_version").filter(slug=slug).first()
    if survey is None or (with_form and survey.current_version is None):
        print(
            f"error SURVEY_NOT_FOUND: no survey '{slug}'"
            + (" with a questionnaire" if with_form else ""),
            file=sys.stderr,
        )
        return None
    return survey
