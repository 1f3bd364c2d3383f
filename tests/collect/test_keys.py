"""Respondent keys (collect.keys): made unguessable, stored only as hashes, spent once in an
anonymous survey, carried by a script-proof same-site cookie, and known to other apps only
through the key_asked signal."""

from __future__ import annotations

import pytest
from django.http import HttpResponse

from indagine.collect import keys
from indagine.collect.models import SpentKey


def test_a_new_key_is_well_formed_unguessable_and_stored_only_as_its_hash():
    made = {keys.new_key() for _ in range(200)}
    assert len(made) == 200 and all(keys.well_formed(k) and len(k) == 43 for k in made)
    key = made.pop()
    assert keys.digest(key) == keys.hash_key(key) != key and len(keys.hash_key(key)) == 64
    assert keys.spent_digest(key) != keys.hash_key(key)  # a spent key matches no response


@pytest.mark.parametrize("key", [None, "", "1", "k" * 31, "k" * 101, "k" * 40 + "<>!"])
def test_a_key_the_server_did_not_make_is_not_one(key):
    assert not keys.well_formed(key) and keys.digest(key) is None


def test_the_cookie_keeps_the_key_out_of_scripts_and_other_sites(settings):
    settings.SESSION_COOKIE_SECURE = True
    reply = keys.remember(HttpResponse(), "club", "k" * 43)
    cookie = reply.cookies[keys.COOKIE.format(slug="club")]
    assert cookie.value == "k" * 43 and cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Lax" and int(cookie["max-age"]) == keys.COOKIE_AGE
    assert keys.cookie_of({"indagine_club": "abc"}, "club") == "abc"
    assert keys.cookie_of({"indagine_club": "abc"}, "other") is None


def test_what_is_known_of_a_key_comes_from_other_apps_and_from_spent_keys(open_survey):
    key = keys.new_key()
    assert keys.key_state(open_survey, key) is None  # a public key: no app knows it

    def panel(sender, survey, key_hash, **kwargs):
        return "invited" if key_hash == keys.hash_key(key) else None

    keys.key_asked.connect(panel)
    try:
        assert keys.key_state(open_survey, key) == "invited"
        assert keys.key_state(open_survey, keys.new_key()) is None
    finally:
        keys.key_asked.disconnect(panel)
    keys.spend(key, 2**41)
    assert SpentKey.objects.get().digest == keys.spent_digest(key)
    assert keys.key_state(open_survey, key) is None  # spent keys count in anonymous surveys
    open_survey.anonymous = True
    assert keys.key_state(open_survey, key) == "spent"
