"""The panel's side of collection: what a personal link is, and what completing one means."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from indagine.collect.services import KEY_STATES
from indagine.collect.signals import response_saved
from indagine.panel.models import Invitation
from indagine.panel.services import queue_thanks


def invitation_state(survey, key_hash: str) -> str | None:
    state = (
        Invitation.objects.filter(token_hash=key_hash, member__survey=survey)
        .values_list("completed", flat=True)
        .first()
    )
    if state is None:
        return None
    return "spent" if state else "invited"


KEY_STATES.append(invitation_state)


@receiver(response_saved)
def record_progress(sender, survey, response, key_hash, created, completed, **kwargs) -> None:
    """Started and completed are recorded on the member's side; in an anonymous survey only
    that the member completed, never which response or when, and not in this transaction."""
    invitations = Invitation.objects.filter(token_hash=key_hash, member__survey=survey)
    if not completed:
        if created:
            invitations.filter(started=False).update(started=True)
        return
    if survey.anonymous:
        return  # learnt later, in batches, by services.settle_anonymous: see there why
    invitation = invitations.select_related("member__survey").first()
    if invitation is None:
        return
    invitation.started = invitation.completed = True
    if not survey.anonymous:
        invitation.completed_on = timezone.localdate()
        invitation.response = response
    invitation.save(update_fields=["started", "completed", "completed_on", "response"])
    queue_thanks(invitation.member)
