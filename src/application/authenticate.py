"""Turns a bearer key into a principal, with a short in-process cache.

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

from application.ports.api_keys import Principal
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory
from domain.workspace import hash_api_key, looks_like_api_key

V = TypeVar("V")
MAX_CACHED_KEYS = 10_000
MAX_CACHED_MISSES = 10_000


class AuthenticateApiKey:
    def __init__(
        self,
        uow_factory: ReadOnlyUnitOfWorkFactory,
        ttl_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
        max_found: int = MAX_CACHED_KEYS,
        max_misses: int = MAX_CACHED_MISSES,
    ) -> None:
        self.uow_factory = uow_factory
        self.ttl_s = ttl_s
        self.monotonic = monotonic
        self.max_found, self.max_misses = max_found, max_misses
        self._cache: dict[str, tuple[float, Principal]] = {}  # keys found
        self._misses: dict[str, float] = {}  # keys not found, until when
        self._looking_up: dict[str, asyncio.Future[Principal | None]] = {}

    def cached(self, key: str) -> Principal | None:
        """The principal this process already knows for `key`, without any lookup."""
        hit = self._cache.get(hash_api_key(key)) if looks_like_api_key(key) else None
        return hit[1] if hit is not None and hit[0] > self.monotonic() else None

    async def execute(self, key: str) -> Principal | None:
        if not looks_like_api_key(key):
            return None
        key_hash = hash_api_key(key)
        now = self.monotonic()
        hit = self._cache.get(key_hash)
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
            async with self.uow_factory() as uow:
                principal = await uow.api_keys.principal_for(key_hash)
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
            _keep(self._cache, key_hash, (now + self.ttl_s, principal), self.max_found)
        return principal


def _keep(cache: dict[str, V], key: str, value: V, most: int) -> None:
    """Stores `value`, first dropping the oldest entries past `most` (a dict keeps its
    insertion order; a renewed entry moves to the end)."""
    cache.pop(key, None)
    while len(cache) >= most:
        del cache[next(iter(cache))]
    cache[key] = value
