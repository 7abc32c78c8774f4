"""A budget per client address for what is not authenticated: health, the schema, the X
callback, the simulated consent screen, unknown routes, and every request whose API key is
refused (each made-up key costs a database lookup). Past it: 429 `rate_limited` with
`Retry-After`.

The address is the TCP peer's. `X-Forwarded-For` is believed only from a configured
trusted proxy (`TRUSTED_PROXIES`): then the client is the right-most address in it that is
not itself a trusted proxy, since a client can write anything to the left of what its own
proxy appended."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from application.ports.rate_limiter import RateDecision, RateLimiter
from entrypoints.http.envelope import Refusal

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_REMEMBERED = 10_000


def parse_networks(values: Sequence[str]) -> tuple[Network, ...]:
    """`10.0.0.1`, `10.0.0.0/8`, `::1`...; raises ValueError on anything else."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def client_address(scope: dict[str, Any], trusted: Sequence[Network]) -> str:
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted or not _is_trusted(peer, trusted):
        return str(peer)
    forwarded = [
        hop.strip()
        for name, value in scope.get("headers", ())
        if name == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
        if hop.strip()
    ]
    for hop in reversed(forwarded):
        if not _is_trusted(hop, trusted):
            return str(hop)
    return forwarded[0] if forwarded else str(peer)


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def address_limited(retry_after_s: int) -> Refusal:
    return Refusal(
        429,
        "rate_limited",
        "Too many unauthenticated requests from this address; retry after the window resets.",
        headers=(("Retry-After", str(retry_after_s)),),
    )


@dataclass
class AddressLimit:
    """The limiter (its own counters, apart from the per-key ones) and whom to believe.
    Remembers, in this process, which addresses are over their budget and until when, so
    a refused address's made-up keys are not looked up at all."""

    limiter: RateLimiter
    trusted: tuple[Network, ...] = ()
    monotonic: Callable[[], float] = time.monotonic
    _over_until: dict[str, float] = field(default_factory=dict)

    async def hit(self, address: str) -> RateDecision:
        decision = await self.limiter.hit(address)
        if not decision.allowed:
            if len(self._over_until) >= MAX_REMEMBERED:
                self._over_until.clear()
            self._over_until[address] = self.monotonic() + decision.reset_s
        return decision

    def over_for(self, address: str) -> int | None:
        """Whole seconds this address stays over its budget, as last counted here."""
        until = self._over_until.get(address)
        if until is None:
            return None
        left = until - self.monotonic()
        if left <= 0:
            del self._over_until[address]
            return None
        return max(1, math.ceil(left))
