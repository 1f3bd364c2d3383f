"""The panel and the API tokens in Django's admin: visible to an organiser, not changed there."""

from __future__ import annotations

from indagine.panel import services
from indagine.results.models import ApiToken


def test_the_admin_lists_members_with_how_far_they_got_and_lets_templates_be_edited(
    admin_client, open_survey, members_csv
):
    services.import_members(open_survey, members_csv)
    page = admin_client.get("/admin/panel/member/")
    assert page.status_code == 200 and "anna@example.org" in page.content.decode()
    assert admin_client.get("/admin/panel/message/").status_code == 200
    assert admin_client.get("/admin/panel/messagetemplate/add/").status_code == 200
    assert admin_client.get("/admin/panel/member/add/").status_code == 403


def test_an_api_token_is_revoked_by_deleting_it_in_the_admin(admin_client, admin_user):
    token, key = ApiToken.issue(admin_user, "script")
    listing = admin_client.get("/admin/results/apitoken/").content.decode()
    assert token.prefix in listing and key not in listing and token.key_hash not in listing
    reply = admin_client.post(f"/admin/results/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert reply.status_code == 302 and not ApiToken.objects.exists()
