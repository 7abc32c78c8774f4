"""Which addresses a client-given URL may reach.

Public unicast addresses only, unless private ones are allowed (self-hosting, tests). An
IPv6 address that embeds an IPv4 one (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) is
judged by the IPv4 address inside, so `::ffff:127.0.0.1` is loopback like `127.0.0.1`.
Multicast, unspecified and reserved addresses are refused even when private ones are
allowed: nothing useful answers there.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from application.ports.url_fetcher import UrlNotAllowed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries, if it is one of the forms that carry one."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _never_reachable(address: IPAddress) -> bool:
    reserved = address.is_reserved and not address.is_loopback
    return address.is_multicast or address.is_unspecified or reserved


def _public(address: IPAddress) -> bool:
    return address.is_global and not (
        address.is_private or address.is_loopback or address.is_link_local
    )


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    allow_private: bool = False

    def permits(self, address: IPAddress) -> bool:
        effective = embedded_ipv4(address) or address
        if _never_reachable(effective):
            return False
        return self.allow_private or _public(effective)

    def check(self, address: IPAddress, host: str) -> None:
        if not self.permits(address):
            raise UrlNotAllowed(f"{host} is not a public address")


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address when `host` is an IP literal (brackets and zone ids tolerated)."""
    candidate = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None
