"""Page weight of the respondent's pages: HTML, stylesheet and script together, uncompressed
(and gzip'd, as the server sends them to a browser that asks).

    .venv/bin/python benchmarks/page_weight.py

Every page of the built-in survey ("Remote Working e Contact Center", 2020), rendered as a
respondent who answered everything meets it (each page relevant), and a grid page: a battery
of twelve agreement items on a five-point scale in one table-list group. Rendered through the
view's own code (`collect.pages.page_context` and the page template) on a throwaway data
folder. Targets (issue #15): each built-in page under 20 KB, the grid page under 30 KB.
Baseline for comparison: SurveyJS's respondent libraries (survey-core and its UI) weigh about
2.3 MB, about 450 KB compressed, before the page's own JSON.

Recorded on 2026-12-05 (sizes do not depend on the machine), in KB, whole and gzip'd:
    built-in pages: 11.3-19.5 (agreement, 8 items x 5 choices: 19.5; gzip'd 4.2-5.0);
    HTML 2.3-10.3, stylesheet 5.7, script 2.8 (the organiser's styles in organiser.css)
    grid page (12 rows x 5 choices): 20.4, gzip'd 4.8
    SurveyJS (baseline): about 2,300, gzip'd about 450
"""

from __future__ import annotations

import gzip
import os
import random
import sys
import tempfile
import textwrap
from pathlib import Path

os.environ.setdefault("INDAGINE_DATA_DIR", tempfile.mkdtemp(prefix="indagine-weight-"))
os.environ.setdefault("INDAGINE_SECRET_KEY", "benchmark-only-" + "x" * 40)

AGREE = [
    ("workload", "The workload is fair"),
    ("tools", "The tools work well"),
    ("training", "Training is enough"),
    ("targets", "Targets are clear"),
    ("feedback", "Feedback is useful"),
    ("schedule", "Schedules are predictable"),
    ("team", "The team supports me"),
    ("manager", "My manager listens"),
    ("growth", "I can grow here"),
    ("pay", "Pay is fair"),
    ("balance", "Work and life balance"),
    ("pride", "I am proud of the work"),
]
GRID = "\n".join(
    [
        "| survey |",
        "| | type | name | label | required | appearance |",
        "| | begin_group | battery | How much do you agree? | | table-list |",
        *(f"| | select_one agree | {n} | {label} | yes | |" for n, label in AGREE),
        "| | end_group | | | | |",
        "| choices |",
        "| | list_name | name | label |",
        "| | agree | 1 | Strongly disagree |",
        "| | agree | 2 | Disagree |",
        "| | agree | 3 | Neither agree nor disagree |",
        "| | agree | 4 | Agree |",
        "| | agree | 5 | Strongly agree |",
    ]
)
BUDGET_KB = {"built-in": 20, "grid": 30}


def main() -> int:
    from indagine.cli import _django

    _django()
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.test.utils import setup_test_environment
    from django.utils import translation

    from indagine.collect import pages
    from indagine.forms.synthetic import synthesize_valid
    from indagine.surveys.models import Survey
    from indagine.surveys.services import BUILTIN_SLUG, import_form, open_survey

    setup_test_environment()
    translation.activate("it")
    static = Path(pages.__file__).parent / "static" / "collect"
    assets = (static / "indagine.css").read_bytes() + (static / "page.js").read_bytes()
    request = RequestFactory().get("/")

    def weigh(survey, index: int, answers) -> tuple[int, int]:
        form = survey.current_version.form
        context = pages.page_context(
            survey, form, index, answers, "it", errors=(), key="k" * 43, raw=None
        )
        context.update(action="/s/x/", relevance_url="/s/x/relevance/")
        html = render_to_string("collect/page.html", context, request).encode()
        whole = html + assets
        return len(whole), len(gzip.compress(html)) + len(gzip.compress(assets))

    failed = False
    builtin = Survey.objects.get(slug=BUILTIN_SLUG)
    form = builtin.current_version.form
    answers = synthesize_valid(form, random.Random(1))
    print(f"{'page':<28}{'KB':>8}{'gzip KB':>10}")
    for index, page in enumerate(form.pages):
        size, packed = weigh(builtin, index, answers)
        failed |= size > BUDGET_KB["built-in"] * 1000
        print(f"{page.name:<28}{size / 1000:>8.1f}{packed / 1000:>10.1f}")
    grid = open_survey(import_form(textwrap.dedent(GRID).encode(), "grid.md", slug="grid").survey)
    size, packed = weigh(grid, 0, {})
    failed |= size > BUDGET_KB["grid"] * 1000
    print(f"{'grid (12 rows x 5 choices)':<28}{size / 1000:>8.1f}{packed / 1000:>10.1f}")
    print(f"{'SurveyJS, for comparison':<28}{2300:>8}{450:>10}")
    print("budgets:", ", ".join(f"{k} {v} KB" for k, v in BUDGET_KB.items()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
