"""Idempotency keys: a POST retried with the same key gets the first answer again.

- Keys are 1-255 characters, per workspace, kept 24 hours (`KEEP_FOR`).
- The same key with the same request (method, path, parsed body: the caller's
  `fingerprint`) replays the stored answer; with another request it is refused
  (`KeyReused`); while the first request is still running it is refused (`KeyInUse`).
- Only answers below 500 are kept; after a 5xx or a crash the key is released so the
  request can be retried. A key left in flight longer than `ABANDONED_AFTER` (its process
  died) is taken over by the next request, unless its request had created something.
- New keys are taken, and answers kept, many to a statement: those that arrive while one
  group is being written wait for it and go together in the next (no timer, no wait when
  idle); each `begin` and `finish` returns once its own write is done. A key the group
  did not take new (it has a record, live or stale) goes through `take` alone.
- A use case that creates a resource notes it on the key in the same transaction
  (`note_created`). A request finding its key in flight with a resource noted is told
  `Created`, and answers with that resource: whenever the first request's process died
  (before or after its commit, before or after its answer was kept), there is one
  resource, never two.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar
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


T = TypeVar("T")
R = TypeVar("R")


class _Grouped(Generic[T, R]):
    """Calls that arrive while a group is being written wait for it and go together in the
    next, one `write` of the whole group (no timer: a call alone is written at once). Each
    caller gets its own item's result, or the group's error."""

    def __init__(self, write: Callable[[list[T]], Awaitable[list[R]]]) -> None:
        self.write = write
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_while_waiting())
        # A caller cancelled meanwhile leaves the write to go on.
        return await asyncio.shield(done)

    async def _write_while_waiting(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                try:
                    results = await self.write([item for item, _ in group])
                except Exception as error:
                    for _, done in group:
                        done.set_exception(error)
                        done.exception()  # retrieved: a cancelled caller no longer awaits it
                else:
                    for (_, done), result in zip(group, results, strict=True):
                        done.set_result(result)
        finally:
            self._writer = None


class IdempotencyGuard:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        abandoned_after: timedelta = ABANDONED_AFTER,
    ) -> None:
        self.uow_factory, self.clock = uow_factory, clock
        self.abandoned_after = abandoned_after
        self._new_keys = _Grouped(self._take_new)
        self._answers = _Grouped(self._keep)

    async def begin(self, workspace_id: UUID, key: str, fingerprint: str) -> Decision:
        if not valid_key(key):
            raise ValueError("an idempotency key is 1 to 255 characters")
        now = self.clock.now()
        if await self._new_keys((workspace_id, key, fingerprint, now)):
            return Proceed()
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
        await self._answers((workspace_id, key, response))

    async def _take_new(self, wanted: list[tuple[UUID, str, str, datetime]]) -> list[bool]:
        async with self.uow_factory() as uow:
            taken = await uow.idempotency.take_new(wanted)
            await uow.commit()
        return taken

    async def _keep(self, answers: list[tuple[UUID, str, StoredResponse]]) -> list[None]:
        async with self.uow_factory() as uow:
            await uow.idempotency.complete_many(answers)
            await uow.commit()
        return [None] * len(answers)

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
