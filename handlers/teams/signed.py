"""Signed, expiring links served by `python -m bot teams` (chart images, a person's export).

A token is URL-safe base64 of a payload followed by its HMAC-SHA256. Each kind of link has its own
key, derived from TEAMS_APP_PASSWORD (or, without it, PLUME_ENCRYPTION_KEY) and the kind's label, so a
chart token never opens an export and rotating the secret retires every link.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re

from bot.config import Settings

MAX_TOKEN_CHARS = 1024  # real tokens are 60-150 characters; anything longer is not decoded at all
MAC_BYTES = hashlib.sha256().digest_size
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]+")


def link_key(settings: Settings, label: bytes) -> bytes | None:
    """The key for one kind of link, derived from the first secret set; None when there is none."""
    secret = settings.TEAMS_APP_PASSWORD or settings.PLUME_ENCRYPTION_KEY
    if secret is None or not secret.get_secret_value():
        return None
    return hmac.new(secret.get_secret_value().encode("utf-8"), label, hashlib.sha256).digest()


def seal(key: bytes, payload: bytes) -> str:
    """The token carrying `payload`, signed."""
    raw = payload + hmac.new(key, payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unseal(key: bytes, token: str) -> bytes | None:
    """The payload a token carries, or None if it is malformed or its signature does not verify."""
    if len(token) > MAX_TOKEN_CHARS or not _TOKEN_CHARS.fullmatch(token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if not payload or not hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).digest(), mac):
        return None
    return payload
