"""Responses: one per respondent and survey, partial until submitted, then complete."""

from __future__ import annotations

from django.db import models

from indagine.surveys.models import FormVersion, Survey


class Response(models.Model):
    class Status(models.TextChoices):
        PARTIAL = "partial"
        COMPLETE = "complete"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT)
    # SHA-256 of the respondent's resume key: the key itself lives only in their cookie/link.
    key_hash = models.CharField(max_length=64, unique=True, null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PARTIAL)
    answers = models.JSONField(default=dict)
    # The choices of each randomized question in the order this respondent was shown them
    # (question name to choice names, first first; `collect/orders.py`).
    orders = models.JSONField(default=dict)
    language = models.CharField(max_length=10)
    page = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=10, default="web")  # web, import, demo
    # A test response (`indagine demo`'s always, or one the organiser marked): left out of
    # the results, the letter, the public page and the exports unless the organiser asks for
    # it, never counted as a member's answer (collect/responses.py).
    test = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # With the id, the results' look at a survey's complete responses (how many, the sum of
        # their ids, the ids themselves) reads the index alone on PostgreSQL, not the table;
        # SQLite keeps the rowid in every index anyway. Test responses are left out by the same
        # index. No order of completion is kept.
        indexes = [
            models.Index(fields=["survey", "status", "test", "id"], name="collect_response_counted")
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug} #{self.pk} ({self.status})"


class SpentKey(models.Model):
    """A key whose anonymous response is complete. The digest is not the stored key hash
    (sha256 of 'spent:' + key), so nothing joins it to a member's invitation, which keeps
    only sha256(key); without the key itself the two cannot be matched."""

    digest = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.digest[:12]


class Webhook(models.Model):
    """An HTTPS address of the organiser's that each completed response is POSTed to, signed
    with HMAC-SHA256 under `secret` (collect/hooks.py). Switched off after repeated failures."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    # Kept as it is, not hashed: every delivery is signed with it (as Django's SECRET_KEY).
    secret = models.CharField(max_length=64)
    enabled = models.BooleanField(default=True)
    failures = models.PositiveIntegerField(default=0)  # in a row, since the last success
    last_outcome = models.CharField(max_length=200, blank=True)
    switched_off_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.survey.slug} → {self.url}"


class HookDelivery(models.Model):
    """One completed response to send to one webhook: tried until it succeeds, with back-off,
    at most `hooks.ATTEMPTS` times; it goes with its response (deleted: nothing to send)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        GIVEN_UP = "given_up"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField()  # the next try (or the end of the lease of one under way)
    last_outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="collect_hook_due")]

    def __str__(self) -> str:
        return f"{self.webhook} #{self.response_id} ({self.status})"
