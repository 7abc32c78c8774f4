"""Turns a bearer key into a principal, with a short in-process cache.

A revoked key must be refused by every process within `ttl_s` (5 s at most by contract),
so a cached answer, found or not, lives no longer than that. When an answer expires under
load, the requests that find it expired share one lookup rather than each making their
own (a burst of identical lookups every `ttl_s` was the slowest moment of a busy key).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from application.ports.api_keys import Principal
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory
from domain.workspace import hash_api_key, looks_like_api_key

MAX_CACHED_KEYS = 10_000


class AuthenticateApiKey:
    def __init__(
        self,
        uow_factory: ReadOnlyUnitOfWorkFactory,
        ttl_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.uow_factory = uow_factory
        self.ttl_s = ttl_s
        self.monotonic = monotonic
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._looking_up: dict[str, asyncio.Future[Principal | None]] = {}

    async def execute(self, key: str) -> Principal | None:
        if not looks_like_api_key(key):
            return None
        key_hash = hash_api_key(key)
        now = self.monotonic()
        hit = self._cache.get(key_hash)
        if hit is not None and hit[0] > now:
            return hit[1]
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
        if len(self._cache) >= MAX_CACHED_KEYS:
            self._cache.clear()
        self._cache[key_hash] = (now + self.ttl_s, principal)
        return principal
