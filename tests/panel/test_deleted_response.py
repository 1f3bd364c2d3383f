"""An organiser deletes a member's response from the responses page: the panel no longer
counts the member as having answered."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from indagine.collect.models import Response


def test_deleting_a_member_s_response_lets_them_answer_again_and_be_reminded(
    open_survey, client, django_user_model, smtp, tmp_path
):
    from indagine.panel import services as panel
    from indagine.panel.models import Invitation

    members = tmp_path / "members.csv"
    members.write_text("email,name\nanna@example.org,Anna\n")
    panel.import_members(open_survey, members)
    assert panel.invite(open_survey) == 1
    panel.deliver_pending(open_survey.pk)
    text = smtp.to("anna@example.org")[0].get_payload()[0].get_payload(decode=True).decode()
    token = re.search(r"/s/small/t/(\S+)/", text).group(1)
    client.get(f"/s/small/t/{token}/")
    body = {"_key": token, "_action": "next"}
    client.post("/s/small/", {**body, "_page": "0", "org": "bpo"})
    client.post("/s/small/", {**body, "_page": "1", "share": "50"})
    client.post("/s/small/", {**body, "_page": "2"})
    invitation = Invitation.objects.get()
    assert invitation.completed and invitation.response_id
    later = timezone.now() + dt.timedelta(days=8)  # past the quiet days after the invitation
    assert panel.remind(open_survey, now=later) == 0  # she has answered
    response = Response.objects.get()
    organiser = django_user_model.objects.create_superuser("org", password="pw-for-tests-123")
    client.force_login(organiser)
    client.post(f"/manage/small/responses/{response.pk}/delete/")
    invitation.refresh_from_db()
    assert not invitation.completed and invitation.response_id is None
    assert panel.remind(open_survey, now=later) == 1
    again = client.post("/s/small/", {**body, "_page": "0", "org": "inhouse"})
    assert again.status_code == 302 and Response.objects.get().answers == {"org": "inhouse"}
