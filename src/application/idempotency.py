"""Idempotency keys: a POST retried with the same key gets the first answer again.

- Keys are 1-255 characters, per workspace, kept 24 hours (`KEEP_FOR`).
- The same key with the same request (method, path, parsed body: the caller's
  `fingerprint`) replays the stored answer; with another request it is refused
  (`KeyReused`); while the first request is still running it is refused (`KeyInUse`).
- Only answers below 500 are kept; after a 5xx or a crash the key is released so the
  request can be retried. A key left in flight longer than `ABANDONED_AFTER` (its process
  died) is taken over by the next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.ports.clock import Clock
from application.ports.idempotency import StoredResponse
from application.ports.unit_of_work import UnitOfWorkFactory

KEEP_FOR = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=5)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Proceed:
    """The key is ours: run the request, then `finish` or `abandon`."""


@dataclass(frozen=True, slots=True)
class Replay:
    response: StoredResponse


@dataclass(frozen=True, slots=True)
class KeyReused:
    """The key was first used for a different request."""


@dataclass(frozen=True, slots=True)
class KeyInUse:
    """A request with this key is still running."""


Decision = Proceed | Replay | KeyReused | KeyInUse


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= MAX_KEY_LENGTH


class IdempotencyGuard:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory, self.clock = uow_factory, clock

    async def begin(self, workspace_id: UUID, key: str, fingerprint: str) -> Decision:
        if not valid_key(key):
            raise ValueError("an idempotency key is 1 to 255 characters")
        now = self.clock.now()
        async with self.uow_factory() as uow:
            found = await uow.idempotency.take(
                workspace_id, key, fingerprint, now, now - KEEP_FOR, now - ABANDONED_AFTER
            )
            await uow.commit()
        if found is None:
            return Proceed()
        if found.fingerprint != fingerprint:
            return KeyReused()
        if found.response is None:
            return KeyInUse()
        return Replay(found.response)

    async def finish(self, workspace_id: UUID, key: str, response: StoredResponse) -> None:
        if response.status >= 500:
            await self.abandon(workspace_id, key)
            return
        async with self.uow_factory() as uow:
            await uow.idempotency.complete(workspace_id, key, response)
            await uow.commit()

    async def abandon(self, workspace_id: UUID, key: str) -> None:
        async with self.uow_factory() as uow:
            await uow.idempotency.release(workspace_id, key)
            await uow.commit()

    async def purge(self) -> int:
        """Forgets keys older than `KEEP_FOR`; run now and then by the worker."""
        async with self.uow_factory() as uow:
            purged = await uow.idempotency.purge(self.clock.now() - KEEP_FOR)
            await uow.commit()
        return purged
