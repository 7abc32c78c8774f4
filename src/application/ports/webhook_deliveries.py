from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from domain.webhooks.delivery import Delivery, DeliveryStatus
from domain.webhooks.endpoint import WebhookEndpoint


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery a worker now holds (claimed: one more attempt, a lease), with what its
    attempt needs: the endpoint as it was at the claim (URL, signing secrets) and the
    event's body."""

    delivery: Delivery
    endpoint: WebhookEndpoint
    body: bytes = field(repr=False)


class DeliveryRepository(Protocol):
    @abstractmethod
    async def get(
        self, workspace_id: UUID, endpoint_id: UUID, delivery_id: UUID, *, for_update: bool = False
    ) -> Delivery | None: ...

    @abstractmethod
    async def save(self, delivery: Delivery) -> None: ...

    @abstractmethod
    async def save_attempts(self, attempts: Sequence[tuple[Delivery, int]]) -> set[UUID]:
        """Writes each delivery's outcome of its attempt number `claimed_attempts`, unless
        the delivery has moved on since (its lease expired and another attempt was
        claimed, or it was deleted or finished). Returns the ids of those written."""

    @abstractmethod
    async def list(
        self,
        workspace_id: UUID,
        endpoint_id: UUID,
        status: DeliveryStatus | None,
        limit: int,
        starting_after: Delivery | None = None,
    ) -> list[Delivery]:
        """Newest first (`created_at`, then `id`, descending), after the cursor."""


class DeliveryQueue(Protocol):
    """The due deliveries, seen as a queue that several workers share."""

    @abstractmethod
    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int, per_endpoint: int
    ) -> list[ClaimedDelivery]:
        """Claims up to `limit` due deliveries (pending, `next_attempt_at <= now`, no live
        lease) of enabled endpoints, as `Delivery.claim` does, so that no endpoint has
        more than `per_endpoint` in flight. Two units of work never claim the same
        delivery, nor together exceed `per_endpoint` (PostgreSQL: the endpoint rows are
        locked `FOR UPDATE SKIP LOCKED`; SQLite: the write lock)."""
