"""The member panel: members, their personal invitations, the messages sent to them."""

from __future__ import annotations

from django.db import models

from indagine.surveys.models import Survey


class Member(models.Model):
    """One member of a survey's panel. Personal fields are blanked when erased on request."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="members")
    email = models.EmailField(max_length=254, null=True)
    name = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    attributes = models.JSONField(default=dict)  # segments and weighting margins
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "email"], name="one_member_per_email")
        ]

    def __str__(self) -> str:
        return self.email or f"member #{self.pk} (erased)"


class OptOut(models.Model):
    """An address that asked for no more messages, kept only as a hash; honoured everywhere."""

    email_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateField(auto_now_add=True)

    def __str__(self) -> str:
        return self.email_hash[:12]


class Invitation(models.Model):
    """A member's personal link to a survey. Only the token's hash is stored."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="invitation")
    token_hash = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=32)  # the token is HMAC(secret key, nonce)
    opened_at = models.DateTimeField(null=True, blank=True)
    started = models.BooleanField(default=False)
    completed = models.BooleanField(default=False)
    completed_on = models.DateField(null=True, blank=True)  # None for anonymous surveys
    response = models.OneToOneField(
        "collect.Response", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    bounced = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"invitation of {self.member}"


class Message(models.Model):
    """One message to one member: sent at most once per (member, kind, round)."""

    class Kind(models.TextChoices):
        INVITE = "invite"
        REMIND = "remind"
        THANKS = "thanks"

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    round = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "kind", "round"], name="once_per_round")
        ]
        indexes = [models.Index(fields=["status", "lease_until"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.round} to {self.member}"


class MessageTemplate(models.Model):
    """A survey's own wording of a message kind in one language (else the built-in one)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="templates")
    kind = models.CharField(max_length=10, choices=Message.Kind.choices)
    language = models.CharField(max_length=10)
    subject = models.CharField(max_length=200)
    text = models.TextField(
        help_text="Plain text; placeholders {{ name }}, {{ link }}, "
        "{{ closing_date }}, {{ unsubscribe }}"
    )
    html = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "kind", "language"], name="one_template")
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug} {self.kind} {self.language}"
