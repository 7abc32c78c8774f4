"""OAuthStateRepository contract: single use, expiry purge, and one winner under races."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from application.ports.oauth_states import OAuthState
from application.ports.unit_of_work import UnitOfWork
from tests.contract.builders import T0, a_state, committed_workspace
from tests.contract.conftest import Backend


async def test_a_state_is_consumed_once(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    state = a_state(workspace.id)
    async with uow_factory() as uow:
        await uow.oauth_states.add(state)
        await uow.commit()

    async with uow_factory() as uow:
        first = await uow.oauth_states.consume(state.state)
        again = await uow.oauth_states.consume(state.state)
        await uow.commit()
    async with uow_factory() as uow:
        later = await uow.oauth_states.consume(state.state)

    assert first == state
    assert first is not None and first.expires_at.utcoffset() == timedelta(0)
    assert again is None and later is None


async def test_get_reads_a_state_without_spending_it(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    state = a_state(workspace.id)
    async with uow_factory() as uow:
        await uow.oauth_states.add(state)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.oauth_states.get(state.state) == state
        assert await uow.oauth_states.get(state.state) == state
        assert await uow.oauth_states.get("never-issued") is None
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.oauth_states.consume(state.state) == state
        assert await uow.oauth_states.get(state.state) is None


async def test_an_unknown_state_consumes_to_nothing(uow_factory: Backend) -> None:
    async with uow_factory() as uow:
        assert await uow.oauth_states.consume("never-issued") is None


async def test_a_consume_rolled_back_leaves_the_state(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    state = a_state(workspace.id)
    async with uow_factory() as uow:
        await uow.oauth_states.add(state)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.oauth_states.consume(state.state) == state
    async with uow_factory() as uow:
        assert await uow.oauth_states.consume(state.state) == state


async def test_purge_removes_only_expired_states(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    now = T0 + timedelta(minutes=10)
    expired = a_state(workspace.id, created_at=T0 - timedelta(minutes=1))
    expiring_now = a_state(workspace.id, created_at=T0)
    alive = a_state(workspace.id, created_at=T0 + timedelta(microseconds=1))
    async with uow_factory() as uow:
        for state in (expired, expiring_now, alive):
            await uow.oauth_states.add(state)
        await uow.commit()

    async with uow_factory() as uow:
        purged = await uow.oauth_states.purge_expired(now)
        await uow.commit()
    async with uow_factory() as uow:
        again = await uow.oauth_states.purge_expired(now)
        left = [await uow.oauth_states.consume(s.state) for s in (expired, expiring_now, alive)]

    assert purged == 2
    assert again == 0
    assert left == [None, None, alive]


async def _consume_in_own_unit(
    uow: UnitOfWork, state: str, started: asyncio.Barrier | None
) -> OAuthState | None:
    async with uow:
        if started is not None:
            await started.wait()
        found = await uow.oauth_states.consume(state)
        await asyncio.sleep(0.05)
        await uow.commit()
    return found


async def test_racing_consumers_get_the_state_exactly_once(uow_factory: Backend) -> None:
    """Two callbacks for the same state, each in its own transaction, opened together where
    the store allows: one gets the state, the other None."""
    workspace = await committed_workspace(uow_factory())
    state = a_state(workspace.id)
    async with uow_factory() as uow:
        await uow.oauth_states.add(state)
        await uow.commit()

    # Two engines, as two processes would have: SQLite keeps one connection per engine.
    units = [uow_factory(), uow_factory.from_another_process()]
    started = asyncio.Barrier(2) if uow_factory.overlapping_units else None
    results = await asyncio.wait_for(
        asyncio.gather(*(_consume_in_own_unit(u, state.state, started) for u in units)), 30
    )

    assert sorted(results, key=lambda r: r is None) == [state, None]


async def test_many_racing_consumers_on_one_engine(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    state = a_state(workspace.id)
    async with uow_factory() as uow:
        await uow.oauth_states.add(state)
        await uow.commit()

    results = await asyncio.wait_for(
        asyncio.gather(*(_consume_in_own_unit(uow_factory(), state.state, None) for _ in range(8))),
        30,
    )

    assert [r for r in results if r is not None] == [state]
