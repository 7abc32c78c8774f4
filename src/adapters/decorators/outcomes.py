"""An outcome recorder that records many outcomes to a transaction.

A worker's publishes answer within milliseconds of each other. Each outcome used to take
a transaction of its own (lock and read the post, let it record, write it back, commit);
here the outcomes that arrive while one transaction is being written wait for it and go
together in the next one: no timer, no added wait when the worker is idle, and under load
one transaction carries as many outcomes as arrived during the last.

Before it takes a group of final outcomes, the writer lets the event loop run a few turns
(`GATHER_TURNS`): answers that have already reached the worker's sockets are read in those
turns and join the group. An idle worker's turns take microseconds; a busy one's read the
answers of the publishes started around the same time, so a group carries several times
as many outcomes (SQLite, one worker at 1,200 targets/s: about 2.5 outcomes a transaction
before, 5 after) for the same throughput. A part waiting is written at once.

A thread's parts published (`PartPublished`) go in transactions of their own, and those
waiting go before the other outcomes waiting: each thread sends its next part only once
its last is recorded, so a part must not wait for a group of final outcomes (each of which
reads and writes its whole post) to be written. The two kinds take turns, so neither waits
for more than one write of the other.

If a group's transaction fails, its outcomes are tried one transaction each, so one bad
outcome cannot lose the others; an outcome whose own transaction fails reaches its caller
as the error (its lease then expires into `outcome_unknown`, as before).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from application.ports.outcomes import OutcomeRecorder
from application.ports.publish_queue import ClaimedTarget
from domain.outcomes import Outcome, PartPublished

log = logging.getLogger("openpost.publisher")

GATHER_TURNS = 3


@dataclass(slots=True)
class _Pending:
    claimed: ClaimedTarget
    outcome: Outcome
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class BatchingOutcomeRecorder(OutcomeRecorder):
    def __init__(self, inner: OutcomeRecorder) -> None:
        self.inner = inner
        self._waiting: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, claimed: ClaimedTarget, outcome: Outcome) -> None:
        """Returns once the outcome is committed (or refused as late). A caller cancelled
        meanwhile (a worker's shutdown grace running out) still waits for the write, then
        the cancellation goes through: what the platform answered is known by then, and
        dropping it would let a published post expire into `outcome_unknown`."""
        pending = _Pending(claimed, outcome)
        self._waiting.append(pending)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_while_waiting())
        try:
            await asyncio.shield(pending.done)
        except asyncio.CancelledError:
            if not pending.done.done():
                await pending.done
            raise

    async def record_all(self, outcomes: Sequence[tuple[ClaimedTarget, Outcome]]) -> None:
        await self.inner.record_all(outcomes)

    async def _write_while_waiting(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._waiting:
                await self._gather()
                for wanted in (True, False):
                    batch = [p for p in self._waiting if _is_part(p) is wanted]
                    self._waiting = [p for p in self._waiting if _is_part(p) is not wanted]
                    if batch:
                        await self._write(batch)
        except BaseException:  # cancelled with the event loop: nobody may wait forever
            for pending in [*batch, *self._waiting]:
                if not pending.done.done():
                    pending.done.cancel()
            self._waiting = []
            raise
        finally:
            self._writer = None

    async def _gather(self) -> None:
        """A few turns of the event loop for answers already in, unless a part waits."""
        for _ in range(GATHER_TURNS):
            if any(_is_part(p) for p in self._waiting):
                return
            await asyncio.sleep(0)

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            await self.inner.record_all([(p.claimed, p.outcome) for p in batch])
        except Exception as error:
            if len(batch) == 1:
                _settle(batch[0], error)
                return
            log.warning("recording %d outcomes together failed; recording each", len(batch))
            for pending in batch:
                await self._write([pending])
            return
        for pending in batch:
            _settle(pending, None)


def _is_part(pending: _Pending) -> bool:
    return isinstance(pending.outcome, PartPublished)


def _settle(pending: _Pending, error: Exception | None) -> None:
    if pending.done.done():
        return
    if error is None:
        pending.done.set_result(None)
    else:
        pending.done.set_exception(error)
