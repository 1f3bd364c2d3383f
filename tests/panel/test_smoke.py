"""The panel from import to thank-you, through a real SMTP server."""

from __future__ import annotations

import re

from indagine.panel import services
from indagine.panel.models import Invitation, Member, Message


def test_invite_answer_remind_thank(client, open_survey, smtp, members_csv):
    report = services.import_members(open_survey, members_csv)
    assert report.created == 3
    assert services.invite(open_survey) == 3
    assert services.deliver_pending(open_survey.pk)["sent"] == 3
    anna = smtp.to("anna@example.org")[0]
    text = anna.get_payload()[0].get_payload(decode=True).decode()
    link = re.search(r"http://\S+/s/small/t/(\S+)/", text)
    assert link and anna["List-Unsubscribe"].strip().startswith("<http")
    token = link.group(1)
    assert not Invitation.objects.filter(token_hash=token).exists()  # only the hash is stored
    reply = client.get(f"/s/small/t/{token}/")
    assert reply.status_code == 302
    body = {"_key": token, "_action": "next"}
    client.post("/s/small/", {**body, "_page": "0", "org": "bpo"})
    client.post("/s/small/", {**body, "_page": "1", "share": "50"})
    done = client.post("/s/small/", {**body, "_page": "2"})
    assert "/thanks/" in done["Location"]
    invitation = Member.objects.get(email="anna@example.org").invitation
    assert invitation.completed and invitation.response is not None
    services.deliver_pending(open_survey.pk)
    assert len(smtp.to("anna@example.org")) == 2  # the invitation and the thank-you
    Message.objects.filter(kind="invite").update(queued_at="2000-01-01T00:00:00Z")
    assert services.remind(open_survey) == 2
    assert services.remind(open_survey) == 0  # not twice
    services.deliver_pending(open_survey.pk)
    assert len(smtp.to("anna@example.org")) == 2
    assert len(smtp.to("bruno@example.org")) == 2
