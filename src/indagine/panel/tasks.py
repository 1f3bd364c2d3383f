"""Background work, run by `indagine worker` (Django's Tasks API, database backend)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver(survey_id: int) -> dict[str, int]:
    from indagine.panel.services import deliver_pending

    return dict(deliver_pending(survey_id))
