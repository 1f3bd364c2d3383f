"""Per-user API tokens (only a hash stored) and the survey's publication settings."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models

from indagine.surveys.models import Survey


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)  # to recognise a token in lists
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        """A new token; the key is returned once and never stored."""
        key = "ind_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.digest(key), prefix=key[4:12])
        return token, key


class Publication(models.Model):
    """The optional public results page of a survey: published findings only."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="publication")
    enabled = models.BooleanField(default=False)
    min_segment = models.PositiveIntegerField(
        default=10, help_text="Segments with fewer respondents than this are not shown."
    )
    findings = models.JSONField(default=list)  # finding keys chosen for publication; [] = all
    # How the newsletter names and signs itself.
    club = models.CharField(max_length=200, default="Club")
    promoter = models.CharField(max_length=200, blank=True)
    theme_it = models.CharField(max_length=300, blank=True)
    theme_en = models.CharField(max_length=300, blank=True)
    signature_it = models.CharField(max_length=200, default="Il Presidente del Club")
    signature_en = models.CharField(max_length=200, default="The President of the Club")
    place = models.CharField(max_length=100, default="Milano")

    def __str__(self) -> str:
        return f"publication of {self.survey.slug}"
