"""What an endpoint URL may be. Checked when it is set, and again at each delivery (the
address a name resolves to is only known then)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.webhooks.errors import InvalidWebhookInput, WebhookUrlNotAllowed

MAX_URL_LENGTH = 2048


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE: off in production, on for
    self-hosting next to the receiver, and in tests."""

    allow_http: bool = False
    allow_private: bool = False


def is_public_address(address: str) -> bool:
    """Routable on the public internet: not loopback, private, link-local, multicast,
    reserved or unspecified (an IPv4-mapped IPv6 address is judged as its IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, policy: UrlPolicy) -> str:
    """The URL as given, when it is an absolute `https` URL (`http` too when allowed) with
    a host and no credentials or fragment; a host that is an IP literal must be public
    unless private addresses are allowed."""
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
    if not policy.allow_private and not _public_or_name(parts.hostname):
        raise WebhookUrlNotAllowed("url", "names an address that is not public")
    return url


def _public_or_name(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return is_public_address(host)
    except ValueError:
        return True  # a name: its addresses are checked at each delivery
