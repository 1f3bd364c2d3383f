"""Test users with the organiser's permissions."""

from __future__ import annotations


def make_organiser(user_model, username: str, password: str = "pw-for-tests-123", *, change=True):
    """A user with the organiser's permissions (`surveys.access`), not a superuser."""
    from django.contrib.auth.models import Permission

    user = user_model.objects.create_user(username, password=password)
    codenames = ["view_survey", "change_survey"] if change else ["view_survey"]
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="surveys", codename__in=codenames)
    )
    return user
