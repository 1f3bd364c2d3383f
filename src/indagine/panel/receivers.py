"""The panel's side of collection (what a personal link is, and what completing one means) and
of a copied survey (its emails' wording)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from indagine.collect.keys import key_asked
from indagine.collect.signals import response_deleted, response_saved
from indagine.panel.models import Invitation, Member, MessageTemplate
from indagine.panel.services import queue_thanks, settle_later
from indagine.surveys.signals import survey_copied

# Plain SQL, as in collect.lookups: it runs on a public respondent's first and last page, where
# the ORM's query compiler would cost several times the query itself.
_STATE_SQL = (
    f"SELECT i.completed FROM {Invitation._meta.db_table} i "
    f"JOIN {Member._meta.db_table} m ON m.id = i.member_id "
    "WHERE i.token_hash = %s AND m.survey_id = %s"
)


def invitation_state(survey, key_hash: str) -> str | None:
    """What a key is in this survey: "invited" (a personal link), "spent" (its member has
    answered), or None (not a personal link of this survey)."""
    with connection.cursor() as cursor:
        cursor.execute(_STATE_SQL, [key_hash, survey.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    return "spent" if row[0] else "invited"


@receiver(key_asked)
def answer_key_state(sender, survey, key_hash: str, **kwargs) -> str | None:
    """The panel's answer to collect's question about a key: a personal link's state."""
    return invitation_state(survey, key_hash)


@receiver(response_saved)
def record_progress(
    sender, survey, response, key_hash, created, completed, key_state=None, **kwargs
) -> None:
    """Started and completed are recorded on the member's side; in an anonymous survey only
    that the member completed, never which response or when, and not in this transaction.
    Pages in between cost nothing here: this runs on every page a respondent sends."""
    if not completed:
        if created and key_state == "invited":
            Invitation.objects.filter(
                token_hash=key_hash, member__survey=survey, started=False
            ).update(started=True)
        return
    if survey.anonymous:  # learnt later, in batches, by services.settle_anonymous: see there why
        if key_state == "invited" or invitation_state(survey, key_hash) is not None:
            transaction.on_commit(lambda: settle_later(survey))
        return
    if invitation_state(survey, key_hash) is None:
        return  # a public link: most completions, so the cheap question first
    invitation = (
        Invitation.objects.filter(token_hash=key_hash, member__survey=survey)
        .select_related("member__survey")
        .first()
    )
    if invitation is None:
        return
    invitation.started = invitation.completed = True
    if not survey.anonymous:
        invitation.completed_on = timezone.localdate()
        invitation.response = response
    invitation.save(update_fields=["started", "completed", "completed_on", "response"])
    queue_thanks(invitation.member)


@receiver(response_deleted)
def forget_answered(sender, survey, responses, **kwargs) -> None:
    """Members whose responses the organiser deleted have not answered any more: their link
    starts afresh and reminders reach them again. In an anonymous survey nothing ties a
    complete response to its member, who stays counted (and their link spent)."""
    pks = [r.pk for r in responses]
    hashes = [r.key_hash for r in responses if r.key_hash]
    for start in range(0, max(len(pks), len(hashes)), 1000):  # short IN lists for SQLite
        part = Q(response_id__in=pks[start : start + 1000])
        part |= Q(token_hash__in=hashes[start : start + 1000])
        Invitation.objects.filter(part, member__survey=survey).update(
            started=False, completed=False, completed_on=None, response=None
        )


@receiver(survey_copied)
def copy_wording(sender, source, copy, members: bool = False, **kwargs) -> None:
    """A copied survey's emails say what the source's said (its own wording, each language);
    a new edition asked to keep the panel gets its members (those not erased: address, name,
    organisation and attributes; never their invitations, links or answers)."""
    if members:
        Member.objects.bulk_create(
            Member(
                survey=copy,
                email=m.email,
                name=m.name,
                organisation=m.organisation,
                attributes=m.attributes,
            )
            for m in Member.objects.filter(survey=source, erased_at__isnull=True)
        )
        return
    MessageTemplate.objects.bulk_create(
        MessageTemplate(
            survey=copy,
            kind=t.kind,
            language=t.language,
            subject=t.subject,
            text=t.text,
            html=t.html,
        )
        for t in MessageTemplate.objects.filter(survey=source)
    )
