"""Whose address a request counts against: the TCP peer's, unless the peer is a trusted
proxy; then the right-most forwarded address that is not a trusted proxy."""

from __future__ import annotations

from typing import Any

import pytest

from entrypoints.http.address_limit import client_address, parse_networks

PROXIES = parse_networks(["10.0.0.0/8", "::1"])


def scope(peer: str, *forwarded: str) -> dict[str, Any]:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return {"client": (peer, 4711), "headers": headers}


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(scope("203.0.113.9", "198.51.100.1"), ()) == "203.0.113.9"


def test_a_header_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address(scope("203.0.113.9", "198.51.100.1"), PROXIES) == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        (["198.51.100.1"], "198.51.100.1"),
        # The client wrote the left part itself; its proxy appended the real address.
        (["1.2.3.4, 198.51.100.1"], "198.51.100.1"),
        (["1.2.3.4, 198.51.100.1, 10.1.1.1"], "198.51.100.1"),
        (["1.2.3.4", "198.51.100.1"], "198.51.100.1"),
        (["10.0.0.7, 10.0.0.8"], "10.0.0.7"),
    ],
)
def test_behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client(
    forwarded: list[str], client: str
) -> None:
    assert client_address(scope("10.0.0.2", *forwarded), PROXIES) == client


def test_a_trusted_peer_without_the_header_is_the_client() -> None:
    assert client_address(scope("::1"), PROXIES) == "::1"


def test_settings_refuse_what_is_not_an_address_or_network() -> None:
    with pytest.raises(ValueError):
        parse_networks(["proxy.example"])
