"""A principal lookup with a short in-process cache.

A revoked key must be refused by every process within `ttl_s` (5 s at most by contract),
so a cached answer, found or not, lives no longer than that. When an answer expires under
load, the requests that find it expired share one lookup rather than each making their
own (a burst of identical lookups every `ttl_s` was the slowest moment of a busy key).

Keys found and keys not found are kept apart, each bounded, the oldest dropped first: a
flood of made-up keys can fill only its own half, never evict a valid key.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

from application.ports.api_keys import Principal, PrincipalLookup

V = TypeVar("V")
MAX_CACHED_KEYS = 10_000
MAX_CACHED_MISSES = 10_000


class CachedPrincipals(PrincipalLookup):
    def __init__(
        self,
        inner: PrincipalLookup,
        ttl_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
        max_found: int = MAX_CACHED_KEYS,
        max_misses: int = MAX_CACHED_MISSES,
    ) -> None:
        self.inner = inner
        self.ttl_s = ttl_s
        self.monotonic = monotonic
        self.max_found, self.max_misses = max_found, max_misses
        self._found: dict[str, tuple[float, Principal]] = {}  # until when, principal
        self._misses: dict[str, float] = {}  # until when
        self._looking_up: dict[str, asyncio.Future[Principal | None]] = {}

    def known(self, key_hash: str) -> Principal | None:
        hit = self._found.get(key_hash)
        return hit[1] if hit is not None and hit[0] > self.monotonic() else None

    async def principal_for(self, key_hash: str) -> Principal | None:
        now = self.monotonic()
        hit = self._found.get(key_hash)
        if hit is not None and hit[0] > now:
            return hit[1]
        missed_until = self._misses.get(key_hash)
        if missed_until is not None and missed_until > now:
            return None
        under_way = self._looking_up.get(key_hash)
        if under_way is not None:  # began moments ago, well within the key's ttl
            return await asyncio.shield(under_way)
        lookup = self._looking_up[key_hash] = asyncio.get_running_loop().create_future()
        try:
            principal = await self.inner.principal_for(key_hash)
        except BaseException as error:
            if isinstance(error, Exception):
                lookup.set_exception(error)
                lookup.exception()  # retrieved, in case nobody else waits on it
            else:
                lookup.cancel()
            raise
        else:
            lookup.set_result(principal)
        finally:
            del self._looking_up[key_hash]
        if principal is None:
            _keep(self._misses, key_hash, now + self.ttl_s, self.max_misses)
        else:
            self._misses.pop(key_hash, None)
            _keep(self._found, key_hash, (now + self.ttl_s, principal), self.max_found)
        return principal


def _keep(cache: dict[str, V], key: str, value: V, most: int) -> None:
    """Stores `value`, first dropping the oldest entries past `most` (a dict keeps its
    insertion order; a renewed entry moves to the end)."""
    cache.pop(key, None)
    while len(cache) >= most:
        del cache[next(iter(cache))]
    cache[key] = value
