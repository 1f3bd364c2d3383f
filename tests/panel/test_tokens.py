"""Personal links: 192-bit tokens of which only the hash is stored, forged links refused and
rate-limited, one response per link, resume by the same link, a spent link."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.core.cache import caches
from django.test import Client

from indagine.collect.models import Response
from indagine.panel import services
from indagine.panel.models import Invitation, Member
from indagine.panel.tokens import member_token
from panel.conftest import SMALL_PAGES, answer_small, personal_link


@pytest.fixture
def tokens(open_survey, smtp, members_csv):
    services.import_members(open_survey, members_csv)
    services.invite(open_survey)
    services.deliver_pending(open_survey.pk)
    caches["ratelimit"].clear()  # the links sent count for nothing against the limit
    return {m["To"]: personal_link(m)[1] for m in smtp.messages}


def _forged(token: str) -> str:
    return ("A" if token[0] != "A" else "B") + token[1:]


def test_a_token_has_192_random_bits_and_only_its_hash_is_stored(tokens):
    for address, token in tokens.items():
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) == 24
        invitation = Member.objects.get(email=address).invitation
        assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (invitation.nonce, invitation.token_hash)
    assert len(set(tokens.values())) == 3
    assert not Invitation.objects.filter(token_hash__in=tokens.values()).exists()


def test_a_link_needs_the_secret_key_so_a_leaked_database_opens_nothing(tokens, settings):
    member = Member.objects.get(email="anna@example.org")
    assert member_token(member.pk, member.invitation.nonce) == tokens["anna@example.org"]
    settings.SECRET_KEY = "another-key-" + "y" * 40
    assert member_token(member.pk, member.invitation.nonce) != tokens["anna@example.org"]


def test_opening_the_link_remembers_it_and_records_that_it_was_opened(tokens, client):
    reply = client.get(f"/s/small/t/{tokens['anna@example.org']}/")
    assert reply.status_code == 302 and reply["Location"] == "/s/small/"
    assert client.cookies["indagine_small"].value == tokens["anna@example.org"]
    assert client.cookies["indagine_small"]["httponly"]
    invitation = Member.objects.get(email="anna@example.org").invitation
    assert invitation.opened_at is not None and not invitation.started
    page = client.get("/s/small/")
    assert page.status_code == 200 and tokens["anna@example.org"] in page.content.decode()
    assert Response.objects.count() == 0  # opening stores no response


def test_a_forged_link_is_refused_and_nothing_is_stored(tokens, client):
    reply = client.get(f"/s/small/t/{_forged(tokens['anna@example.org'])}/")
    assert reply.status_code == 404 and b"TOKEN_UNKNOWN" in reply.content
    assert "indagine_small" not in reply.cookies
    assert not Invitation.objects.exclude(opened_at=None).exists()
    assert Response.objects.count() == 0


def test_a_member_listed_in_english_gets_the_questionnaire_in_english(tokens, client):
    member = Member.objects.get(email="bruno@example.org")
    member.attributes = {**member.attributes, "language": "en"}
    member.save()
    reply = client.get(f"/s/small/t/{tokens['bruno@example.org']}/")
    assert reply.status_code == 302 and reply["Location"] == "/s/small/?lang=en"
    assert '<html lang="en"' in client.get(reply["Location"]).content.decode()


def test_a_forged_link_says_the_link_does_not_work(tokens, client):
    reply = client.get(f"/s/small/t/{_forged(tokens['anna@example.org'])}/")
    assert "Questo link non funziona" in reply.content.decode()
    assert "Non è stato possibile accettare" not in reply.content.decode()


def test_a_link_works_only_for_its_own_survey(tokens, client, builtin_survey):
    reply = client.get(f"/s/{builtin_survey.slug}/t/{tokens['anna@example.org']}/")
    assert reply.status_code == 404 and b"TOKEN_UNKNOWN" in reply.content


def test_guessing_is_rate_limited(tokens, settings):
    settings.INDAGINE_TOKEN_RATE = "3/m"
    guesser = Client()
    wrong = [_forged(t) for t in tokens.values()]
    for token in wrong:
        assert guesser.get(f"/s/small/t/{token}/").status_code == 404
    # Three wrong links used the allowance: the next request, right or wrong, is refused.
    reply = guesser.get(f"/s/small/t/{_forged(wrong[0])}/")
    assert reply.status_code == 429 and b"RATE_LIMITED" in reply.content
    assert guesser.get(f"/s/small/t/{tokens['anna@example.org']}/").status_code == 429


def test_right_links_do_not_count_towards_the_limit(tokens, settings):
    settings.INDAGINE_TOKEN_RATE = "2/m"
    member = Client()
    for _ in range(5):
        assert member.get(f"/s/small/t/{tokens['anna@example.org']}/").status_code == 302


def test_one_response_per_link_resumed_by_the_same_link_elsewhere(tokens):
    token = tokens["bruno@example.org"]
    phone, laptop = Client(), Client()
    answer_small(phone, token, pages=1)
    assert Member.objects.get(email="bruno@example.org").invitation.started
    assert laptop.get(f"/s/small/t/{token}/").status_code == 302
    page = laptop.get("/s/small/").content.decode()
    assert 'name="share"' in page  # the second page: where the phone stopped
    for index in (1, 2):
        laptop.post(
            "/s/small/",
            {"_key": token, "_action": "next", "_page": str(index), **SMALL_PAGES[index]},
        )
    (response,) = Response.objects.all()
    assert response.status == "complete" and response.answers["org"] == "bpo"
    assert Member.objects.get(email="bruno@example.org").invitation.response == response


def test_a_spent_link_of_a_named_survey_shows_the_thanks_and_refuses_new_answers(tokens):
    token = tokens["anna@example.org"]
    answer_small(Client(), token)
    later = Client()
    assert later.get(f"/s/small/t/{token}/").status_code == 302
    assert later.get("/s/small/")["Location"].startswith("/s/small/thanks/")
    again = later.post("/s/small/", {"_key": token, "_page": "0", "org": "inhouse"})
    if again.status_code == 302:  # a finished response is shown as finished, never changed
        assert again["Location"].startswith("/s/small/thanks/")
    else:
        assert again.status_code == 409 and b"SUBMISSION_ALREADY_COMPLETE" in again.content
    assert Response.objects.get().answers["org"] == "bpo"


def test_a_spent_link_of_an_anonymous_survey_shows_the_thanks_and_refuses_new_answers(
    open_survey, tokens
):
    open_survey.anonymous = True
    open_survey.save()
    token = tokens["anna@example.org"]
    answer_small(Client(), token)
    stored = list(Response.objects.values_list("pk", "answers"))
    later = Client()
    assert later.get(f"/s/small/t/{token}/").status_code == 302
    page = later.get("/s/small/", follow=True)
    assert page.redirect_chain[-1][0].startswith("/s/small/thanks/")
    assert page.status_code == 200
    for index, answers in enumerate(SMALL_PAGES):
        refused = later.post("/s/small/", {"_key": token, "_page": str(index), **answers})
        assert refused.status_code == 409
        assert b"SUBMISSION_ALREADY_COMPLETE" in refused.content
    assert list(Response.objects.values_list("pk", "answers")) == stored


def test_a_panel_only_survey_takes_answers_through_personal_links_only(open_survey, tokens):
    open_survey.panel_only = True
    open_survey.save()
    stranger = Client()
    refused = stranger.post("/s/small/", {"_key": "x" * 43, "_page": "0", "org": "bpo"})
    assert refused.status_code == 403 and b"SURVEY_PANEL_ONLY" in refused.content
    assert Response.objects.count() == 0
    answer_small(Client(), tokens["carla@example.org"])
    assert Response.objects.get().status == "complete"
