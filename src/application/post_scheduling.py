"""What creating and editing a post share: resolving its integrations and its time.

- Integrations are named by id, in order; an unknown, foreign or malformed id is
  `integration_not_found`, a disconnected one `integration_disconnected` (both name the
  offending `integrations[i]`); needs_refresh is accepted, it may be reconnected in time.
- `"next_slot"` takes the earliest top of the hour free on every one of the post's
  integrations (section 3's rule). When any of them has a queue (section 9), it takes the
  earliest moment that is a free slot of every one, each by its own queue or, without
  one, by section 3's rule. The caller holds the integrations (`busy_times.hold`)
  before anything is read, so two concurrent reservations serialize and never land less
  than one gap apart on the same integration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from uuid import UUID

from application.errors import (
    IntegrationNotFound,
    InvalidPostTargets,
    TargetIntegrationDisconnected,
)
from application.integration_slots import free_slots_of
from application.ports.unit_of_work import UnitOfWork
from domain.errors import NoSlotAvailable
from domain.integration import Integration
from domain.queue_slots import common_slot
from domain.slots import DEFAULT_GAP, DEFAULT_HORIZON, DEFAULT_LEAD, find_next_slot

MAX_TARGETS = 20


class NextSlot(Enum):
    NEXT_SLOT = "next_slot"


NEXT_SLOT = NextSlot.NEXT_SLOT
Schedule = datetime | NextSlot | None


def parse_ids(values: Sequence[UUID | str]) -> list[UUID | None]:
    """Ids as given; a malformed one becomes None (it names nothing)."""
    if not values:
        raise InvalidPostTargets("integrations", "name at least one integration")
    if len(values) > MAX_TARGETS:
        raise InvalidPostTargets("integrations", f"name at most {MAX_TARGETS} integrations")
    parsed: list[UUID | None] = []
    for value in values:
        try:
            parsed.append(value if isinstance(value, UUID) else UUID(value))
        except ValueError:
            parsed.append(None)
    seen: set[UUID] = set()
    for index, found in enumerate(parsed):
        if found is not None and found in seen:
            raise InvalidPostTargets(f"integrations[{index}]", "names an integration twice")
        if found is not None:
            seen.add(found)
    return parsed


async def load_integrations(
    uow: UnitOfWork,
    workspace_id: UUID,
    ids: Sequence[UUID | None],
    raw: Sequence[object],
    *,
    held: Mapping[UUID, Integration] | None = None,
) -> list[Integration]:
    """`held`: the integrations already read (`IntegrationRepository.get_held`), else each
    is read here."""
    integrations = []
    for index, integration_id in enumerate(ids):
        if held is not None:
            found = held.get(integration_id) if integration_id else None
        else:
            found = (
                await uow.integrations.get(workspace_id, integration_id) if integration_id else None
            )
        if found is None:
            raise IntegrationNotFound(index, str(raw[index]))
        if found.is_disconnected:
            raise TargetIntegrationDisconnected(index, str(found.id))
        integrations.append(found)
    return integrations


async def next_free_slot(
    uow: UnitOfWork,
    integration_ids: Sequence[UUID],
    now: datetime,
    excluding_post: UUID | None = None,
) -> datetime:
    """The earliest candidate free on every integration (without queues, a candidate is
    free of a union of busy times exactly when it is free of each)."""
    queues = await uow.queues.get_many(integration_ids)
    if queues:
        streams = [
            await free_slots_of(
                uow, i, queues[i].queue if i in queues else None, now, excluding_post
            )
            for i in integration_ids
        ]
        found = common_slot(streams)
        if found is None:
            raise NoSlotAvailable(", ".join(str(i) for i in integration_ids))
        return found
    start, end = now + DEFAULT_LEAD - DEFAULT_GAP, now + DEFAULT_HORIZON + DEFAULT_GAP
    busy: list[datetime] = []
    for integration_id in integration_ids:
        busy += await uow.busy_times.busy_times(
            integration_id, start, end, excluding_post=excluding_post
        )
    slot = find_next_slot(now, busy)
    if slot is None:
        raise NoSlotAvailable(", ".join(str(i) for i in integration_ids))
    return slot
