"""Signatures of a delivery, as Standard Webhooks defines them, plus OpenPost's own header.

- `webhook-signature`: `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, keyed with
  the secret's decoded bytes (the part after `whsec_`); one per signing secret,
  space-separated (two during a rotation's overlap).
- `X-OpenPost-Signature`: lowercase hex HMAC-SHA256 of the raw body keyed with the whole
  secret string's UTF-8 bytes; space-separated the same way during an overlap.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def standard_signature(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def openpost_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_headers(
    secrets_in_use: Sequence[str], event_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Every header that identifies and signs one attempt."""
    if not secrets_in_use:
        raise ValueError("an endpoint always has a secret")
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            standard_signature(s, event_id, timestamp, body) for s in secrets_in_use
        ),
        "X-OpenPost-Signature": " ".join(openpost_signature(s, body) for s in secrets_in_use),
    }
