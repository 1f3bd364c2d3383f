"""A real SMTP server in the test process (aiosmtpd), a panel of members, and helpers that act
as a member does: read the email, follow the link, answer the small survey."""

from __future__ import annotations

import asyncio
import email
import re
import socket
from collections import Counter
from collections.abc import Callable
from email.message import Message as EmailMessage

import pytest
from aiosmtpd.controller import Controller

LINK = re.compile(r"(https?://\S+?/s/[\w-]+/t/([\w-]+)/)")
UNSUBSCRIBE = re.compile(r"(https?://\S+?/u/([^/\s]+)/(?:\?lang=\w+)?)")


class Inbox:
    """Keeps every message the SMTP server accepted, with its envelope recipients.

    `refuse` maps an address to the reply its RCPT TO gets (say "550 5.1.1 no such user");
    `on_data(n, envelope)` runs before the n-th message (1-based) is accepted and may return a
    reply that replaces "250 OK"; `delay` slows every message down (seconds)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[list[str]] = []
        self.refuse: dict[str, str] = {}
        self.on_data: Callable[[int, object], str | None] | None = None
        self.delay = 0.0
        self.sessions: set[int] = set()
        self.data_commands = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this hook by name
        self.data_commands += 1
        self.sessions.add(id(session))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.on_data is not None:
            reply = self.on_data(self.data_commands, envelope)
            if asyncio.iscoroutine(reply):
                reply = await reply
            if reply:
                return reply
        self.accept(envelope)
        return "250 OK"

    def accept(self, envelope) -> None:
        self.messages.append(email.message_from_bytes(envelope.content))
        self.envelopes.append(list(envelope.rcpt_tos))

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def by_recipient(self) -> Counter[str]:
        return Counter(address for rcpts in self.envelopes for address in rcpts)

    def by_message_id(self) -> Counter[str]:
        return Counter(m["Message-ID"] for m in self.messages)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp() -> tuple[Inbox, Controller]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return inbox, controller


@pytest.fixture
def smtp(settings):
    inbox, controller = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def members_csv(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(
        "email,name,organisation,org_type,size\n"
        "anna@example.org,Anna Rossi,Acme,bpo,large\n"
        "bruno@example.org,Bruno Bianchi,Beta,inhouse,small\n"
        "carla@example.org,Carla Verdi,Gamma,bpo,small\n",
        encoding="utf-8",
    )
    return path


# What an email says, part by part.


def text_part(message: EmailMessage) -> str:
    return _part(message, "text/plain")


def html_part(message: EmailMessage) -> str:
    return _part(message, "text/html")


def _part(message: EmailMessage, content_type: str) -> str:
    for part in message.walk():
        if part.get_content_type() == content_type:
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no {content_type} part in {message['Subject']!r}")


def subject(message: EmailMessage) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def personal_link(message: EmailMessage) -> tuple[str, str]:
    """(the personal link, its token) as the plain-text part gives them."""
    found = LINK.search(text_part(message))
    assert found, text_part(message)
    return found.group(1), found.group(2)


def unsubscribe_link(message: EmailMessage) -> str:
    found = UNSUBSCRIBE.search(text_part(message))
    assert found, text_part(message)
    return found.group(1)


# A member answering the small survey (tests/conftest.py SMALL_FORM) with the test client.

SMALL_PAGES = ({"org": "bpo"}, {"share": "50"}, {})


def answer_small(client, token: str, pages: int = 3, slug: str = "small"):
    """Open the personal link, then send `pages` pages of answers; the last reply."""
    assert client.get(f"/s/{slug}/t/{token}/").status_code == 302
    reply = None
    for index, answers in enumerate(SMALL_PAGES[:pages]):
        reply = client.post(
            f"/s/{slug}/", {"_key": token, "_action": "next", "_page": str(index), **answers}
        )
        assert reply.status_code == 302, reply.content.decode()[:2000]
    return reply
