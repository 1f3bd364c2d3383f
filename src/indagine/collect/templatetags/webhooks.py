"""The notice on the survey's page of a webhook switched off after repeated failures."""

from __future__ import annotations

from typing import Any

from django import template

from indagine.collect.models import Webhook

register = template.Library()


@register.inclusion_tag("collect/_webhooks_notice.html")
def webhooks_notice(survey: Any) -> dict[str, Any]:
    off = Webhook.objects.filter(survey=survey, enabled=False).order_by("pk")
    return {"survey": survey, "off": list(off)}
