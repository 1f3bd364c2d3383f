"""Background work, run by `indagine worker` (Django's Tasks API, database backend)."""

from __future__ import annotations

from django_tasks import task

from indagine.panel.delivery import deliver_pending


@task()
def deliver(survey_id: int) -> dict[str, int]:
    return dict(deliver_pending(survey_id))
