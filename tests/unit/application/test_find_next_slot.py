"""The next free slot of an integration, from its pending and publishing targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.errors import NotFound
from application.find_next_slot import FindNextSlot, Slot
from application.integration_slots import SlotReadsThrough
from domain.errors import IntegrationDisconnected, NoSlotAvailable
from domain.integration import Integration, IntegrationStatus
from domain.platform import Platform
from tests.unit.application.world import START, World

# START is 2026-04-17 12:10 UTC: the first candidate is 13:00.
THIRTEEN = datetime(2026, 4, 17, 13, 0, tzinfo=UTC)
FOURTEEN = THIRTEEN + timedelta(hours=1)


async def next_slot(world: World, integration: Integration) -> Slot:
    use_case = FindNextSlot(SlotReadsThrough(world.uow), world.clock)
    return await use_case.execute(integration.workspace_id, integration.id)


def busy(world: World, integration: Integration, at: datetime, status: str = "pending") -> None:
    world.store.targets.append((integration.id, at, status))


async def test_with_nothing_scheduled_the_next_top_of_the_hour_is_free(world: World) -> None:
    integration = world.integration(world.workspace(), platform=Platform.BLUESKY)
    assert await next_slot(world, integration) == Slot(THIRTEEN, Platform.BLUESKY, integration.id)


@pytest.mark.parametrize("status", ["pending", "publishing"])
async def test_pending_and_publishing_targets_block_their_hour(world: World, status: str) -> None:
    integration = world.integration(world.workspace())
    busy(world, integration, THIRTEEN, status)
    assert (await next_slot(world, integration)).date == FOURTEEN


@pytest.mark.parametrize("status", ["published", "failed", "canceled"])
async def test_finished_targets_never_block(world: World, status: str) -> None:
    integration = world.integration(world.workspace())
    busy(world, integration, THIRTEEN, status)
    assert (await next_slot(world, integration)).date == THIRTEEN


async def test_another_integrations_posts_do_not_block(world: World) -> None:
    workspace = world.workspace()
    integration, other = world.integration(workspace), world.integration(workspace)
    busy(world, other, THIRTEEN)
    assert (await next_slot(world, integration)).date == THIRTEEN


async def test_a_post_exactly_an_hour_away_does_not_block(world: World) -> None:
    integration = world.integration(world.workspace())
    busy(world, integration, FOURTEEN)
    busy(world, integration, THIRTEEN - timedelta(hours=1))
    assert (await next_slot(world, integration)).date == THIRTEEN


async def test_the_hour_less_than_a_minute_away_is_skipped(world: World) -> None:
    integration = world.integration(world.workspace())
    world.clock.set(THIRTEEN - timedelta(seconds=30))
    assert (await next_slot(world, integration)).date == FOURTEEN


async def test_an_integration_needing_a_refresh_still_gets_a_slot(world: World) -> None:
    integration = world.integration(world.workspace(), status=IntegrationStatus.NEEDS_REFRESH)
    assert (await next_slot(world, integration)).date == THIRTEEN


async def test_a_disconnected_integration_gets_no_slot(world: World) -> None:
    integration = world.integration(world.workspace(), status=IntegrationStatus.DISCONNECTED)
    with pytest.raises(IntegrationDisconnected):
        await next_slot(world, integration)


async def test_another_workspaces_integration_is_not_found(world: World) -> None:
    mine, theirs = world.workspace(), world.workspace()
    foreign = world.integration(theirs)
    with pytest.raises(NotFound):
        await FindNextSlot(SlotReadsThrough(world.uow), world.clock).execute(mine.id, foreign.id)


async def test_a_fully_booked_week_has_no_slot(world: World) -> None:
    integration = world.integration(world.workspace())
    for hour in range(7 * 24):
        busy(world, integration, THIRTEEN + timedelta(hours=hour))
    with pytest.raises(NoSlotAvailable):
        await next_slot(world, integration)


async def test_the_last_hour_of_the_week_is_still_a_candidate(world: World) -> None:
    integration = world.integration(world.workspace())
    for hour in range(7 * 24 - 1):
        busy(world, integration, THIRTEEN + timedelta(hours=hour))
    last = START.replace(minute=0) + timedelta(days=7)
    assert (await next_slot(world, integration)).date == last


async def test_a_post_still_publishing_from_before_now_blocks_the_first_hour(
    world: World,
) -> None:
    integration = world.integration(world.workspace())
    busy(world, integration, START - timedelta(minutes=5), "publishing")  # 12:05, 55 min away
    assert (await next_slot(world, integration)).date == FOURTEEN


async def test_a_post_just_past_the_window_still_blocks_the_last_hour(world: World) -> None:
    integration = world.integration(world.workspace())
    for hour in range(7 * 24 - 1):
        busy(world, integration, THIRTEEN + timedelta(hours=hour))
    last = START.replace(minute=0) + timedelta(days=7)
    busy(world, integration, last + timedelta(minutes=30))  # after now + 7 days
    with pytest.raises(NoSlotAvailable):
        await next_slot(world, integration)


async def test_posts_far_from_the_window_are_ignored(world: World) -> None:
    integration = world.integration(world.workspace())
    busy(world, integration, START - timedelta(days=3))
    busy(world, integration, START + timedelta(days=30))
    assert (await next_slot(world, integration)).date == THIRTEEN
