"""Turns a bearer key into a principal, with a short in-process cache.

A revoked key must be refused by every process within `ttl_s` (5 s at most by contract),
so a cached answer, found or not, lives no longer than that.
"""

from __future__ import annotations

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

    async def execute(self, key: str) -> Principal | None:
        if not looks_like_api_key(key):
            return None
        key_hash = hash_api_key(key)
        now = self.monotonic()
        hit = self._cache.get(key_hash)
        if hit is not None and hit[0] > now:
            return hit[1]
        async with self.uow_factory() as uow:
            principal = await uow.api_keys.principal_for(key_hash)
        if len(self._cache) >= MAX_CACHED_KEYS:
            self._cache.clear()
        self._cache[key_hash] = (now + self.ttl_s, principal)
        return principal
