"""Idempotency keys: a POST retried with the same key gets the first answer again.

- Keys are 1-255 characters, per workspace, kept 24 hours (`KEEP_FOR`).
- The same key with the same request (method, path, parsed body: the caller's
  `fingerprint`) replays the stored answer; with another request it is refused
  (`KeyReused`); while the first request is still running it is refused (`KeyInUse`).
- Only answers below 500 are kept; after a 5xx or a crash the key is released so the
  request can be retried. A key left in flight longer than `ABANDONED_AFTER` (its process
  died) is taken over by the next request, unless its request had created something.
- Answers are kept many to a statement: those that arrive while one group is being
  written wait for it and go together in the next (no timer, no wait when idle), and
  each `finish` returns once its own answer is written.
- A use case that creates a resource notes it on the key in the same transaction
  (`note_created`). A request finding its key in flight with a resource noted is told
  `Created`, and answers with that resource: whenever the first request's process died
  (before or after its commit, before or after its answer was kept), there is one
  resource, never two.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.errors import IdempotencyKeyInUse
from application.ports.clock import Clock
from application.ports.idempotency import StoredResponse
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

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


@dataclass(frozen=True, slots=True)
class Created:
    """The key's first request created `resource_id` but its answer was never kept (its
    process died in between): answer with the resource as it is now."""

    resource_id: UUID


Decision = Proceed | Replay | KeyReused | KeyInUse | Created


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= MAX_KEY_LENGTH


@dataclass(slots=True)
class _Answer:
    workspace_id: UUID
    key: str
    response: StoredResponse
    kept: asyncio.Future[None]


class IdempotencyGuard:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        abandoned_after: timedelta = ABANDONED_AFTER,
    ) -> None:
        self.uow_factory, self.clock = uow_factory, clock
        self.abandoned_after = abandoned_after
        self._waiting: list[_Answer] = []
        self._writer: asyncio.Task[None] | None = None

    async def begin(self, workspace_id: UUID, key: str, fingerprint: str) -> Decision:
        if not valid_key(key):
            raise ValueError("an idempotency key is 1 to 255 characters")
        now = self.clock.now()
        async with self.uow_factory() as uow:
            found = await uow.idempotency.take(
                workspace_id, key, fingerprint, now, now - KEEP_FOR, now - self.abandoned_after
            )
            await uow.commit()
        if found is None:
            return Proceed()
        if found.fingerprint != fingerprint:
            return KeyReused()
        if found.response is not None:
            return Replay(found.response)
        if found.resource_id is not None:
            return Created(found.resource_id)
        return KeyInUse()

    async def finish(self, workspace_id: UUID, key: str, response: StoredResponse) -> None:
        if response.status >= 500:
            await self.abandon(workspace_id, key)
            return
        answer = _Answer(workspace_id, key, response, asyncio.get_running_loop().create_future())
        self._waiting.append(answer)
        if self._writer is None:
            self._writer = asyncio.create_task(self._keep_while_waiting())
        # A caller cancelled meanwhile leaves the write to go on.
        await asyncio.shield(answer.kept)

    async def _keep_while_waiting(self) -> None:
        """Writes the answers waiting, as one group, until none is left; a group that fails
        fails each of its callers' `finish` with the error."""
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                try:
                    async with self.uow_factory() as uow:
                        await uow.idempotency.complete_many(
                            [(a.workspace_id, a.key, a.response) for a in group]
                        )
                        await uow.commit()
                except Exception as error:
                    for answer in group:
                        answer.kept.set_exception(error)
                        # retrieved here too: a cancelled caller no longer awaits it
                        answer.kept.exception()
                else:
                    for answer in group:
                        answer.kept.set_result(None)
        finally:
            self._writer = None

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


async def note_created(
    uow: UnitOfWork, workspace_id: UUID, key: str | None, resource: UUID
) -> None:
    """Inside the unit of work creating `resource`: notes it on the request's key, so the
    key and the resource commit together. Raises `IdempotencyKeyInUse` when the key had
    meanwhile created another resource (it was taken over while this request ran)."""
    if key is None:
        return
    earlier = await uow.idempotency.attach(workspace_id, key, resource)
    if earlier is not None:
        raise IdempotencyKeyInUse(key)
