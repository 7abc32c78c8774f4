"""Name resolution for guarded fetches, and the aiohttp resolver that pins connections to
the addresses the policy checked.

aiohttp connects to exactly the addresses its resolver returns, so a name is resolved once,
every address it resolves to is checked, and the connection goes to one of those: a DNS
answer that changes between the check and the connect (rebinding) cannot slip a private
address in.
"""

from __future__ import annotations

import asyncio
import socket
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Protocol

from aiohttp.abc import AbstractResolver, ResolveResult

from adapters.fetch.policy import AddressPolicy, IPAddress, parse_ip_literal
from application.ports.url_fetcher import FetchFailed, UrlNotAllowed


class Resolver(Protocol):
    """Host name to addresses; the seam tests use to make names resolve where they like."""

    @abstractmethod
    async def resolve(self, host: str) -> list[IPAddress]: ...


class SystemResolver(Resolver):
    """The operating system's resolver (so /etc/hosts too), without blocking the loop."""

    async def resolve(self, host: str) -> list[IPAddress]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise FetchFailed(f"{host} does not resolve") from exc
        addresses = (parse_ip_literal(str(info[4][0])) for info in infos)
        return list(dict.fromkeys(a for a in addresses if a is not None))


class StaticResolver(Resolver):
    """Fixed answers, for tests: a name missing from the table does not resolve."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        self._table = {name.lower(): list(addresses) for name, addresses in table.items()}

    async def resolve(self, host: str) -> list[IPAddress]:
        literals = [parse_ip_literal(a) for a in self._table.get(host.lower().rstrip("."), [])]
        if not literals:
            raise FetchFailed(f"{host} does not resolve")
        return [a for a in literals if a is not None]


class CheckedResolver(AbstractResolver):
    """aiohttp's resolver: resolves, refuses the host if ANY of its addresses is refused,
    and hands aiohttp only checked addresses to connect to."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver) -> None:
        self._policy, self._resolver = policy, resolver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        literal = parse_ip_literal(host)
        addresses = [literal] if literal is not None else await self._resolver.resolve(host)
        if not addresses:
            raise FetchFailed(f"{host} does not resolve")
        for address in addresses:
            self._policy.check(address, host)
        return [_result(host, address, port) for address in addresses]

    async def close(self) -> None:
        return None


def _result(host: str, address: IPAddress, port: int) -> ResolveResult:
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    return ResolveResult(
        hostname=host, host=str(address), port=port, family=family, proto=0, flags=0
    )


__all__ = ["CheckedResolver", "Resolver", "StaticResolver", "SystemResolver", "UrlNotAllowed"]
