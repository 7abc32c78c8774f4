"""Records what came of delivery attempts, many to a transaction.

Outcomes that arrive while one transaction is being written wait for it and go together in
the next: no timer, no added wait when the worker is idle, and under load one transaction
carries as many outcomes as arrived during the last (a transaction per attempt cost more
than the attempt itself). Each delivery still decides its own outcome (`Delivery.record`,
done by the caller); here each is saved unless it went stale (`save_attempt`), and its
endpoint hears of it: a 410 disables it (`gone`), failures count towards `failing`, a
success clears that count. Endpoints are locked in id order, so two writers never wait on
each other in a cycle. If a batch fails, its outcomes are written one transaction each.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.ports.webhook_deliveries import ClaimedDelivery
from application.webhooks.policy import DeliveryPolicy
from domain.webhooks.delivery import AttemptResult, Delivery
from domain.webhooks.endpoint import WebhookEndpoint

log = logging.getLogger("openpost.webhooks")


@dataclass(slots=True)
class Attempt:
    claimed: ClaimedDelivery
    delivery: Delivery  # after `record`
    result: AttemptResult
    at: datetime
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def tells_endpoint(self) -> bool:
        return not self.result.succeeded or self.claimed.endpoint.failing_since is not None


class RecordAttempts:
    def __init__(self, uow_factory: UnitOfWorkFactory, policy: DeliveryPolicy) -> None:
        self.uow_factory, self.policy = uow_factory, policy
        self._waiting: list[Attempt] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(
        self, claimed: ClaimedDelivery, delivery: Delivery, result: AttemptResult, at: datetime
    ) -> None:
        """Returns once the outcome is committed (or dropped as stale)."""
        attempt = Attempt(claimed, delivery, result, at)
        self._waiting.append(attempt)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_while_waiting())
        await asyncio.shield(attempt.done)

    async def _write_while_waiting(self) -> None:
        batch: list[Attempt] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._write(batch)
        except BaseException:
            for attempt in [*batch, *self._waiting]:
                if not attempt.done.done():
                    attempt.done.cancel()
            self._waiting = []
            raise
        finally:
            self._writer = None

    async def _write(self, batch: list[Attempt]) -> None:
        try:
            async with self.uow_factory() as uow:
                await self._save(uow, batch)
                await uow.commit()
        except Exception as error:
            if len(batch) == 1:
                _settle(batch[0], error)
                return
            log.warning("recording %d attempts together failed; recording each", len(batch))
            for attempt in batch:
                await self._write([attempt])
            return
        for attempt in batch:
            _settle(attempt, None)

    async def _save(self, uow: UnitOfWork, batch: list[Attempt]) -> None:
        told: dict[UUID, list[Attempt]] = {}
        saved = await uow.webhook_deliveries.save_attempts(
            [(a.delivery, a.claimed.delivery.attempts) for a in batch]
        )
        for attempt in batch:
            delivery = attempt.delivery
            if delivery.id not in saved:
                log.warning("late outcome of delivery %s dropped", delivery.id)
            elif attempt.tells_endpoint:
                told.setdefault(delivery.endpoint_id, []).append(attempt)
        for endpoint_id in sorted(told, key=str):
            endpoint = await uow.webhook_endpoints.get_any(endpoint_id, for_update=True)
            if endpoint is None:
                continue
            changed = [self._tell(endpoint, a.result, a.at) for a in told[endpoint_id]]
            if any(changed):
                await uow.webhook_endpoints.save(endpoint)

    def _tell(self, endpoint: WebhookEndpoint, result: AttemptResult, at: datetime) -> bool:
        """Lets the endpoint hear of one attempt; True when it changed."""
        if result.succeeded:
            return endpoint.delivery_succeeded()
        if result.gone:
            if endpoint.enabled:
                log.warning("endpoint %s answered 410 Gone: disabled", endpoint.id)
            endpoint.gone(at)
            return True
        return endpoint.delivery_failed(at, self.policy.failing_after)


def _settle(attempt: Attempt, error: Exception | None) -> None:
    if attempt.done.done():
        return
    if error is None:
        attempt.done.set_result(None)
    else:
        attempt.done.set_exception(error)
