"""OAuth states over `MemoryStore`."""

from __future__ import annotations

from datetime import datetime

from adapters.persistence.memory.store import MemoryStore
from application.ports.oauth_states import OAuthState, OAuthStateRepository


class MemoryOAuthStateRepository(OAuthStateRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def add(self, state: OAuthState) -> None:
        self.store.oauth_states[state.state] = state

    async def get(self, state: str) -> OAuthState | None:
        return self.store.oauth_states.get(state)

    async def consume(self, state: str) -> OAuthState | None:
        return self.store.oauth_states.pop(state, None)

    async def purge_expired(self, now: datetime) -> int:
        expired = [k for k, v in self.store.oauth_states.items() if v.is_expired(now)]
        for key in expired:
            del self.store.oauth_states[key]
        return len(expired)
