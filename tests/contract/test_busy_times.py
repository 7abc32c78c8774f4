"""BusyTimeReader contract: pending and publishing targets within [start, end] block."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from application.ports.unit_of_work import UnitOfWork
from tests.contract.builders import T0, committed_integration, committed_workspace
from tests.contract.conftest import Backend
from tests.contract.races import second_waits_for_first

START, END = T0, T0 + timedelta(days=7)


async def _setup(backend: Backend) -> tuple[UUID, UUID, UUID]:
    workspace = await committed_workspace(backend())
    mine = await committed_integration(backend(), workspace.id)
    other = await committed_integration(backend(), workspace.id)
    return workspace.id, mine.id, other.id


async def _busy(backend: Backend, integration_id: UUID) -> list:
    async with backend() as uow:
        return sorted(await uow.busy_times.busy_times(integration_id, START, END))


async def test_nothing_scheduled_means_no_busy_time(uow_factory: Backend) -> None:
    _, mine, _ = await _setup(uow_factory)
    assert await _busy(uow_factory, mine) == []


async def test_only_pending_and_publishing_targets_block(uow_factory: Backend) -> None:
    workspace, mine, _ = await _setup(uow_factory)
    at = T0 + timedelta(hours=3)
    for offset, status in enumerate(["pending", "publishing", "published", "failed", "canceled"]):
        await uow_factory.add_target(workspace, mine, at + timedelta(minutes=offset), status)

    assert await _busy(uow_factory, mine) == [at, at + timedelta(minutes=1)]


async def test_drafts_never_block(uow_factory: Backend) -> None:
    workspace, mine, _ = await _setup(uow_factory)
    await uow_factory.add_target(workspace, mine, None, "pending")
    assert await _busy(uow_factory, mine) == []


async def test_the_window_is_inclusive_at_both_ends(uow_factory: Backend) -> None:
    workspace, mine, _ = await _setup(uow_factory)
    tick = timedelta(microseconds=1)
    for at in (START - tick, START, START + tick, END - tick, END, END + tick):
        await uow_factory.add_target(workspace, mine, at, "pending")

    assert await _busy(uow_factory, mine) == [START, START + tick, END - tick, END]


async def test_only_the_integrations_own_targets_block(uow_factory: Backend) -> None:
    workspace, mine, other = await _setup(uow_factory)
    await uow_factory.add_target(workspace, mine, T0 + timedelta(hours=1), "pending")
    await uow_factory.add_target(workspace, other, T0 + timedelta(hours=2), "pending")

    assert await _busy(uow_factory, mine) == [T0 + timedelta(hours=1)]
    assert await _busy(uow_factory, other) == [T0 + timedelta(hours=2)]


async def test_times_come_back_aware_utc_and_repeat(uow_factory: Backend) -> None:
    workspace, mine, _ = await _setup(uow_factory)
    at = T0 + timedelta(hours=5, microseconds=250_000)
    await uow_factory.add_target(workspace, mine, at, "pending")
    await uow_factory.add_target(workspace, mine, at, "publishing")

    busy = await _busy(uow_factory, mine)

    assert busy == [at, at]
    assert all(t.utcoffset() == timedelta(0) for t in busy)


async def test_a_post_can_leave_its_own_targets_out(uow_factory: Backend) -> None:
    workspace, mine, other = await _setup(uow_factory)
    moving = await uow_factory.add_target(workspace, mine, T0 + timedelta(hours=1), "pending")
    await uow_factory.add_target(
        workspace, other, T0 + timedelta(hours=1), "pending", post_id=moving
    )
    await uow_factory.add_target(workspace, mine, T0 + timedelta(hours=2), "pending")

    async with uow_factory() as uow:
        reader = uow.busy_times
        without = await reader.busy_times(mine, START, END, excluding_post=moving)
        other_without = await reader.busy_times(other, START, END, excluding_post=moving)
        unrelated = await reader.busy_times(mine, START, END, excluding_post=uuid4())

    assert without == [T0 + timedelta(hours=2)]
    assert other_without == []
    assert sorted(unrelated) == [T0 + timedelta(hours=1), T0 + timedelta(hours=2)]


async def test_holding_integrations_serializes_reservations(uow_factory: Backend) -> None:
    """A second reservation on a held integration waits for the first unit to end, then
    sees what it wrote."""
    _, mine, other = await _setup(uow_factory)

    async def hold(uow: UnitOfWork) -> None:
        await uow.busy_times.hold([other, mine])

    async def rename(uow: UnitOfWork) -> None:
        integration = await uow.integrations.get_any(mine)
        assert integration is not None
        integration.username = "taken-by-first"
        await uow.integrations.save(integration)

    async def read(uow: UnitOfWork) -> str | None:
        integration = await uow.integrations.get_any(mine)
        return integration.username if integration else None

    assert await second_waits_for_first(uow_factory, hold, rename, read) == "taken-by-first"


async def test_holding_nothing_is_fine(uow_factory: Backend) -> None:
    async with uow_factory() as uow:
        await uow.busy_times.hold([])
        await uow.commit()


async def test_times_come_back_earliest_first(uow_factory: Backend) -> None:
    workspace, mine, _ = await _setup(uow_factory)
    for hours in (30, 2, 90, 2, 55, 1):
        await uow_factory.add_target(workspace, mine, T0 + timedelta(hours=hours), "pending")
    async with uow_factory() as uow:
        found = await uow.busy_times.busy_times(mine, START, END)
        but = await uow.busy_times.busy_times(mine, START, END, excluding_post=uuid4())
    expected = [T0 + timedelta(hours=h) for h in (1, 2, 2, 30, 55, 90)]
    assert found == but == expected


async def test_integrations_read_held_serialize_reservations(uow_factory: Backend) -> None:
    """`get_held` holds as `hold` does: a second unit waits for the first to end, then
    reads what it wrote."""
    workspace, mine, other = await _setup(uow_factory)

    async def hold(uow: UnitOfWork) -> None:
        await uow.integrations.get_held(workspace, [other, mine])

    async def rename(uow: UnitOfWork) -> None:
        integration = await uow.integrations.get_any(mine)
        assert integration is not None
        integration.username = "taken-by-first"
        await uow.integrations.save(integration)

    async def read(uow: UnitOfWork) -> str | None:
        held = await uow.integrations.get_held(workspace, [mine])
        return held[mine].username

    assert await second_waits_for_first(uow_factory, hold, rename, read) == "taken-by-first"


async def test_integrations_read_held_are_the_workspace_s_only(uow_factory: Backend) -> None:
    workspace, mine, other = await _setup(uow_factory)
    async with uow_factory() as uow:
        assert set(await uow.integrations.get_held(workspace, [mine, other, uuid4()])) == {
            mine,
            other,
        }
        assert await uow.integrations.get_held(uuid4(), [mine, other]) == {}
        assert await uow.integrations.get_held(workspace, []) == {}
