"""Organisers' logins: failed attempts are limited per client address, on both login forms."""

from __future__ import annotations

import pytest

PASSWORD = "pw-for-tests-123"


@pytest.fixture
def organiser(db, django_user_model, settings):
    settings.INDAGINE_LOGIN_RATE = "3/h"
    return django_user_model.objects.create_user(
        "segreteria", password=PASSWORD, is_staff=True, is_superuser=True
    )


def login(client, password, url="/accounts/login/", address="203.0.113.5"):
    data = {"username": "segreteria", "password": password}
    return client.post(url, data, REMOTE_ADDR=address)


def test_past_the_failed_login_limit_even_the_right_password_is_refused(client, organiser):
    assert [login(client, f"guess-{i}").status_code for i in range(3)] == [200, 200, 200]
    refused = login(client, PASSWORD)
    assert refused.status_code == 429
    assert "LOGIN_RATE_LIMITED" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # the admin's own login form counts the same failures and refuses the same way
    assert login(client, PASSWORD, url="/admin/login/").status_code == 429
    # another address may still log in
    assert login(client, PASSWORD, address="203.0.113.6").status_code == 302
    assert client.session["_auth_user_id"] == str(organiser.pk)


def test_admin_login_failures_count_too_and_logins_that_succeed_do_not(client, organiser):
    for _ in range(5):  # successful logins are not failures
        assert login(client, PASSWORD, url="/admin/login/").status_code == 302
        client.logout()
    for i in range(3):
        assert login(client, f"guess-{i}", url="/admin/login/").status_code == 200
    assert login(client, PASSWORD).status_code == 429


def test_the_limit_can_be_turned_off(client, organiser, settings):
    settings.INDAGINE_LOGIN_RATE = "off"
    assert {login(client, f"guess-{i}").status_code for i in range(6)} == {200}
    assert login(client, PASSWORD).status_code == 302
