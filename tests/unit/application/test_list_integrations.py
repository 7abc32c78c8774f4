"""Listing a workspace's integrations: not disconnected unless asked, newest connection
first (ties by id, descending), in pages that a cursor walks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.errors import InvalidCursor
from application.list_integrations import ListIntegrations, ListIntegrationsQuery
from domain.integration import Integration, IntegrationStatus
from tests.unit.application.world import START, World

ACTIVE = IntegrationStatus.ACTIVE
NEEDS_REFRESH = IntegrationStatus.NEEDS_REFRESH
DISCONNECTED = IntegrationStatus.DISCONNECTED


async def listed(world: World, query: ListIntegrationsQuery) -> list[UUID]:
    page = await ListIntegrations(world.uow).execute(query)
    return [integration.id for integration in page.items]


def ids(*integrations: Integration) -> list[UUID]:
    return [integration.id for integration in integrations]


async def test_by_default_disconnected_integrations_are_left_out(world: World) -> None:
    workspace = world.workspace()
    active = world.integration(workspace, status=ACTIVE, connected_at=START)
    stale = world.integration(
        workspace, status=NEEDS_REFRESH, connected_at=START - timedelta(days=1)
    )
    world.integration(workspace, status=DISCONNECTED, connected_at=START + timedelta(days=1))

    assert await listed(world, ListIntegrationsQuery(workspace.id)) == ids(active, stale)


@pytest.mark.parametrize("status", [ACTIVE, NEEDS_REFRESH, DISCONNECTED])
async def test_a_status_filter_lists_that_status_only(
    world: World, status: IntegrationStatus
) -> None:
    workspace = world.workspace()
    made = {s: world.integration(workspace, status=s) for s in IntegrationStatus}

    query = ListIntegrationsQuery(workspace.id, status=status)
    assert await listed(world, query) == ids(made[status])


async def test_newest_connection_first_then_highest_id(world: World) -> None:
    workspace = world.workspace()
    older = world.integration(workspace, connected_at=START - timedelta(hours=1))
    tie_low = world.integration(workspace, connected_at=START, id=UUID(int=1))
    tie_high = world.integration(workspace, connected_at=START, id=UUID(int=3))
    tie_middle = world.integration(workspace, connected_at=START, id=UUID(int=2))
    newest = world.integration(workspace, connected_at=START + timedelta(hours=1))

    assert await listed(world, ListIntegrationsQuery(workspace.id)) == ids(
        newest, tie_high, tie_middle, tie_low, older
    )


async def test_a_limit_cuts_the_page_and_says_there_is_more(world: World) -> None:
    workspace = world.workspace()
    made = [world.integration(workspace, connected_at=START + timedelta(days=n)) for n in range(3)]
    use_case = ListIntegrations(world.uow)

    first = await use_case.execute(ListIntegrationsQuery(workspace.id, limit=2))
    assert ids(*first.items) == ids(made[2], made[1])
    assert first.has_more

    second = await use_case.execute(
        ListIntegrationsQuery(workspace.id, limit=2, starting_after=first.items[-1].id)
    )
    assert ids(*second.items) == ids(made[0])
    assert not second.has_more


async def test_a_page_that_holds_everything_has_no_more(world: World) -> None:
    workspace = world.workspace()
    for _ in range(3):
        world.integration(workspace)
    page = await ListIntegrations(world.uow).execute(ListIntegrationsQuery(workspace.id, limit=3))
    assert len(page.items) == 3
    assert not page.has_more


async def test_an_unknown_cursor_is_refused(world: World) -> None:
    workspace = world.workspace()
    world.integration(workspace)
    with pytest.raises(InvalidCursor):
        await listed(world, ListIntegrationsQuery(workspace.id, starting_after=UUID(int=7)))


async def test_a_cursor_from_another_workspace_is_refused(world: World) -> None:
    mine, theirs = world.workspace(), world.workspace()
    world.integration(mine)
    foreign = world.integration(theirs)
    with pytest.raises(InvalidCursor):
        await listed(world, ListIntegrationsQuery(mine.id, starting_after=foreign.id))


async def test_a_cursor_disconnected_since_the_last_page_still_works(world: World) -> None:
    workspace = world.workspace()
    older = world.integration(workspace, connected_at=START - timedelta(hours=1))
    cursor = world.integration(workspace, connected_at=START)
    world.store.integrations[cursor.id].disconnect(START + timedelta(minutes=5))

    query = ListIntegrationsQuery(workspace.id, starting_after=cursor.id)
    assert await listed(world, query) == ids(older)


async def test_another_workspaces_integrations_are_invisible(world: World) -> None:
    mine, theirs = world.workspace(), world.workspace()
    own = world.integration(mine)
    for status in IntegrationStatus:
        world.integration(theirs, status=status)

    assert await listed(world, ListIntegrationsQuery(mine.id)) == ids(own)
    assert await listed(world, ListIntegrationsQuery(mine.id, status=DISCONNECTED)) == []


@given(
    connections=st.lists(st.integers(min_value=0, max_value=5), max_size=12),
    limit=st.integers(min_value=1, max_value=5),
)
def test_walking_the_pages_lists_every_integration_once_in_order(
    connections: list[int], limit: int
) -> None:
    world = World()
    workspace = world.workspace()
    made = [
        world.integration(workspace, connected_at=START + timedelta(hours=h)) for h in connections
    ]
    expected = [i.id for i in sorted(made, key=lambda i: (i.connected_at, i.id), reverse=True)]

    async def walk() -> list[UUID]:
        seen: list[UUID] = []
        cursor: UUID | None = None
        while True:
            query = ListIntegrationsQuery(workspace.id, limit=limit, starting_after=cursor)
            page = await ListIntegrations(world.uow).execute(query)
            assert len(page.items) <= limit
            seen += [i.id for i in page.items]
            if not page.has_more:
                return seen
            cursor = page.items[-1].id

    assert asyncio.run(walk()) == expected
