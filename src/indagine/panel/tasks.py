"""Background work, run by `indagine worker` (Django's Tasks API, database backend)."""

from __future__ import annotations

from django_tasks import task

from indagine.panel.delivery import deliver_pending


@task()
def deliver(survey_id: int) -> dict[str, int]:
    return dict(deliver_pending(survey_id))


@task()
def settle(survey_id: int) -> int:
    """Learn which members of an anonymous survey have completed (and thank them), in a batch
    apart from the responses (services.settle_anonymous); queued a while after a completion."""
    from indagine.panel.services import settle_anonymous
    from indagine.surveys.models import Survey

    survey = Survey.objects.filter(pk=survey_id).first()
    return settle_anonymous(survey) if survey is not None else 0
