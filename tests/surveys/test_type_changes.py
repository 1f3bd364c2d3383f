"""A question answered in one version keeps how its answers are read in the next: a single
choice made a number (or several choices) is refused, as a question moved into a repeat is;
a whole number made a decimal is not (both are numbers). Otherwise the dashboard could not read
the earlier answers at all (a server error, found by an audit of the editions)."""

from __future__ import annotations

import pytest

from indagine.collect.models import Response
from indagine.surveys.services import SurveyError, import_form


def _answered(survey) -> None:
    Response.objects.create(
        survey=survey,
        form_version=survey.current_version,
        status="complete",
        language="it",
        answers={"org": "bpo", "share": 40, "tools": ["vpn"]},
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("| | select_one org | org |", "| | integer | org |"),
        ("| | select_one org | org |", "| | select_multiple org | org |"),
        ("| | decimal | share |", "| | text | share |"),
    ],
)
def test_an_answered_questions_answers_read_otherwise_are_refused(
    open_survey, small_form_source, before, after
):
    _answered(open_survey)
    changed = small_form_source.decode().replace(before, after)
    assert changed != small_form_source.decode()
    with pytest.raises(SurveyError) as refused:
        import_form(changed.encode(), "small.md", slug="small")
    assert refused.value.code == "SURVEY_TYPE_CHANGED"
    assert open_survey.versions.count() == 1


def test_a_number_stays_a_number_and_an_unanswered_version_may_change(
    open_survey, small_form_source
):
    changed = small_form_source.decode().replace("| | decimal | share |", "| | integer | share |")
    import_form(changed.encode(), "small.md", slug="small")  # nobody answered: any change
    _answered(open_survey)
    import_form(small_form_source, "small.md", slug="small")  # integer back to decimal: numbers
    assert open_survey.versions.count() == 3


def test_the_dashboard_reads_every_version_after_a_change_it_allows(
    client, open_survey, small_form_source, django_user_model
):
    from organisers import make_organiser

    _answered(open_survey)
    renamed = small_form_source.decode().replace(
        "| | select_one org | org |", "| | integer | org_size |"
    )
    renamed = renamed.replace("selected(${org}, 'other')", "${org_size} > 3")
    import_form(renamed.encode(), "small.md", slug="small")
    client.force_login(make_organiser(django_user_model, "segreteria"))
    assert client.get("/manage/small/results/").status_code == 200
