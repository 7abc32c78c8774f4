"""What an endpoint URL may be. Checked when it is set and again at each delivery. Which
addresses it may reach is the guarded fetcher's address policy, applied at delivery to
every address the name resolves to (WEBHOOK_ALLOW_PRIVATE)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.webhooks.errors import InvalidWebhookInput

MAX_URL_LENGTH = 2048


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """WEBHOOK_ALLOW_HTTP: off in production, on for self-hosting beside the receiver
    and in tests."""

    allow_http: bool = False


def check_url(url: str, policy: UrlPolicy) -> str:
    """The URL as given, when it is an absolute `https` URL (`http` too when allowed) with
    a host and no credentials or fragment."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidWebhookInput("url", f"must be at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidWebhookInput("url", f"is not a valid URL ({error})") from error
    schemes = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in schemes:
        allowed = "http or https" if policy.allow_http else "https"
        raise InvalidWebhookInput("url", f"must be an absolute {allowed} URL")
    if not parts.hostname or any(c.isspace() for c in url):
        raise InvalidWebhookInput("url", "must name a host")
    if parts.username is not None or parts.password is not None:
        raise InvalidWebhookInput("url", "must not carry credentials")
    if parts.fragment:
        raise InvalidWebhookInput("url", "must not have a fragment")
    if port == 0:
        raise InvalidWebhookInput("url", "must not use port 0")
    return url
