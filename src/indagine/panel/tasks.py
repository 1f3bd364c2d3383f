"""Background work, run by `indagine worker` (Django's Tasks API, database backend)."""

from __future__ import annotations

from django.db.models import Q
from django_tasks import task
from django_tasks_db.models import DBTaskResult, get_date_max

from indagine.panel.delivery import deliver_pending, next_due

# The messages one delivery task sends at most before it leaves the rest to a task of its own.
# A worker told to stop (systemd's stop, a deploy) finishes the task it runs: one that sent
# until a long queue was empty would outlast the stop's timeout and be killed mid-send, the one
# window where a message may go twice. 200 messages take seconds, not minutes.
TASK_LIMIT = 200


@task()
def deliver(survey_id: int) -> dict[str, int]:
    """Send what can be sent now (up to TASK_LIMIT, the rest queued at once as another task),
    then come back when what waits comes due (a lease that runs out, a retry after its
    back-off): without that, a killed worker's messages and the retries would wait for the
    next worker to start or the next message to be queued."""
    outcome = deliver_pending(survey_id, limit=TASK_LIMIT)
    if outcome.total() >= TASK_LIMIT:
        _deliver_now(survey_id)
    deliver_when_due(survey_id)
    return dict(outcome)


def _deliver_now(survey_id: int) -> None:
    """Queue a delivery to run as soon as a worker is free, unless one is queued so."""
    queued = DBTaskResult.objects.filter(
        task_path=deliver.module_path,
        status="READY",
        args_kwargs__args__0=survey_id,
        run_after=get_date_max(),
    )
    if not queued.exists():
        deliver.enqueue(survey_id)


def deliver_when_due(survey_id: int) -> None:
    """Queue a delivery for when the survey's first waiting message comes due, unless one is
    queued already that runs no later (one queued to run now queues the next itself)."""
    due = next_due(survey_id)
    if due is None:
        return
    queued = DBTaskResult.objects.filter(
        task_path=deliver.module_path, status="READY", args_kwargs__args__0=survey_id
    ).filter(Q(run_after__lte=due) | Q(run_after=get_date_max()))
    if not queued.exists():
        deliver.using(run_after=due).enqueue(survey_id)
