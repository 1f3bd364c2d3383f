"""A real SMTP server in the test process (aiosmtpd), and a panel of members."""

from __future__ import annotations

import email
import socket
from email.message import Message as EmailMessage

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """Keeps every message the SMTP server accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
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
