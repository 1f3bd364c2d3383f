"""Personal links: unguessable tokens of which only a hash is stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing

TOKEN_BYTES = 24  # 192 bits
_UNSUBSCRIBE_SALT = "indagine.panel.unsubscribe"


def new_nonce() -> str:
    return secrets.token_hex(16)


def member_token(member_id: int, nonce: str) -> str:
    """The member's personal token: HMAC of a random per-member nonce under the secret key.

    The database keeps the nonce and the token's hash, never the token: a leaked database
    gives no working link without the secret key, yet every reminder can repeat the link."""
    message = f"indagine.panel.invitation:{member_id}:{nonce}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode().rstrip("=")


def token_hash(token: str) -> str:
    """The stored form: the same hash collect keeps for resume keys, so a link is a key."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def unsubscribe_token(member_id: int) -> str:
    """A signed, non-expiring token naming a member: for the unsubscribe link."""
    return signing.dumps(member_id, salt=_UNSUBSCRIBE_SALT, compress=True)


def member_from_unsubscribe(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
