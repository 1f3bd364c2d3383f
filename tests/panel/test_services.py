"""Reminders go only to members who have not completed (partials included), at most
INDAGINE_MAX_REMINDERS, never within INDAGINE_REMINDER_DAYS of the last message, never twice on
one day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from indagine.panel import services
from indagine.panel.models import Message
from panel.conftest import answer_small, personal_link, subject


@pytest.fixture
def invited(open_survey, smtp, members_csv):
    services.import_members(open_survey, members_csv)
    services.invite(open_survey)
    services.deliver_pending(open_survey.pk)
    return {m["To"]: personal_link(m)[1] for m in smtp.messages}


def _age(days: float) -> None:
    """Pretend every message was queued `days` ago."""
    Message.objects.update(queued_at=timezone.now() - dt.timedelta(days=days))


def test_only_members_who_have_not_completed_are_reminded_partials_included(
    open_survey, invited, client, smtp
):
    answer_small(client, invited["anna@example.org"])  # complete
    answer_small(client.__class__(), invited["bruno@example.org"], pages=1)  # partial
    _age(4)
    assert services.remind(open_survey) == 2
    services.deliver_pending(open_survey.pk)
    reminded = sorted(m["To"] for m in smtp.messages if subject(m).startswith("Promemoria"))
    assert reminded == ["bruno@example.org", "carla@example.org"]
    assert [subject(m) for m in smtp.to("anna@example.org")] == [
        "Piccola: la sua opinione conta",
        "Grazie per aver risposto: Piccola",
    ]


def test_at_most_the_configured_number_of_reminders(open_survey, invited, settings, smtp):
    settings.INDAGINE_MAX_REMINDERS = 2
    counts = []
    for _ in range(4):
        _age(4)
        counts.append(services.remind(open_survey))
        services.deliver_pending(open_survey.pk)
    assert counts == [3, 3, 0, 0]
    assert len(smtp.to("carla@example.org")) == 3  # the invitation and two reminders
    rounds = Message.objects.filter(kind="remind").values_list("round", flat=True)
    assert sorted(set(rounds)) == [1, 2]


def test_never_within_the_configured_days_of_the_last_message(open_survey, invited, settings):
    settings.INDAGINE_REMINDER_DAYS = 3
    _age(2.9)
    assert services.remind(open_survey) == 0
    _age(3.1)
    assert services.remind(open_survey) == 3
    now = timezone.now()
    assert services.remind(open_survey, now=now + dt.timedelta(days=2.9)) == 0
    assert services.remind(open_survey, now=now + dt.timedelta(days=3.1)) == 3


def test_remind_run_twice_on_one_day_reminds_once(open_survey, invited, smtp):
    _age(4)
    assert services.remind(open_survey) == 3
    assert services.remind(open_survey) == 0
    services.deliver_pending(open_survey.pk)
    assert len(smtp.messages) == 6


def test_never_twice_on_one_day_even_with_no_minimum_interval(open_survey, invited, settings):
    """With INDAGINE_REMINDER_DAYS=0 (or any fraction of a day) a second `remind` on the same
    day must still not write to the same member again."""
    settings.INDAGINE_REMINDER_DAYS = 0
    _age(1)
    assert services.remind(open_survey) == 3
    assert services.remind(open_survey) == 0


def test_the_invitation_counts_as_the_last_message_even_before_it_is_sent(open_survey, invited):
    assert services.remind(open_survey) == 0  # invited just now


def test_members_never_invited_are_not_reminded(open_survey, smtp, members_csv):
    services.import_members(open_survey, members_csv)
    assert services.remind(open_survey) == 0


def test_reminders_need_an_open_survey(open_survey, invited):
    from indagine.surveys.services import close_survey

    close_survey(open_survey)
    _age(4)
    with pytest.raises(services.PanelError) as error:
        services.remind(open_survey)
    assert error.value.code == "SURVEY_NOT_ACCEPTING"


def test_reminders_queued_before_the_survey_closed_are_not_sent(open_survey, invited, smtp):
    from indagine.surveys.services import close_survey

    _age(4)
    assert services.remind(open_survey) == 3
    close_survey(open_survey)  # before the worker came round to them
    sent_before = len(smtp.messages)
    outcome = services.deliver_pending(open_survey.pk)
    assert outcome == {"closed": 3} and len(smtp.messages) == sent_before
    assert not Message.objects.filter(kind="remind").exists()
