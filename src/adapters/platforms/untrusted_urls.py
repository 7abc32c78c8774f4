"""URLs a platform hands us about an account (an avatar) reach our clients, who may show
them in a page or fetch them: only a plain `https` URL is passed on."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


def https_url_or_none(value: object, *, trusted_origins: Iterable[str] = ()) -> str | None:
    """`value` when it is an absolute `https` URL with a host and no credentials, no
    whitespace and no control characters; otherwise None. A profile's `javascript:` URL
    or a DID document pointing at `http://169.254.169.254/` (a cloud's metadata service)
    never reaches a client. `trusted_origins` are origins the operator configured (a
    self-hosted `http://` Bluesky server), accepted as they are."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_LENGTH:
        return None
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        return None
    if not parts.hostname or "@" in parts.netloc:
        return None
    if parts.scheme == "https":
        return value
    origin = f"{parts.scheme}://{parts.hostname}{f':{port}' if port else ''}"
    trusted = {_origin(o) for o in trusted_origins}
    return value if parts.scheme == "http" and origin in trusted else None


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.hostname}{f':{port}' if port else ''}"
