"""Authenticating a bearer key: one lookup, then an in-process cache that may answer for
`ttl_s` seconds, so a revoked key is refused everywhere within that time."""

from __future__ import annotations

import asyncio

import pytest

from adapters.persistence.memory import MemoryUnitOfWork
from application.api_keys import RevokeApiKey
from application.authenticate import AuthenticateApiKey
from application.ports.api_keys import Principal
from application.workspaces import CreatedWorkspace, CreateWorkspace
from domain.workspace import WorkspaceMode
from tests.unit.application.world import World


class FakeMonotonic:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingFactory:
    """Hands out memory units of work and counts the lookups they stand for."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.opened = 0

    def __call__(self) -> MemoryUnitOfWork:
        self.opened += 1
        return self.world.uow()


async def setup(
    world: World, mode: WorkspaceMode = WorkspaceMode.LIVE
) -> tuple[CreatedWorkspace, AuthenticateApiKey, FakeMonotonic, CountingFactory]:
    created = await CreateWorkspace(world.uow(), world.ids, world.clock).execute("acme", mode)
    clock, factory = FakeMonotonic(), CountingFactory(world)
    return created, AuthenticateApiKey(factory, ttl_s=5.0, monotonic=clock), clock, factory


async def test_a_key_names_its_workspace_and_mode(world: World) -> None:
    created, authenticate, _, _ = await setup(world, WorkspaceMode.TEST)
    principal = await authenticate.execute(created.api_key.plaintext)
    assert principal == Principal(
        key_id=created.api_key.key.id,
        workspace_id=created.workspace.id,
        workspace_mode=WorkspaceMode.TEST,
    )


async def test_an_unknown_key_is_refused(world: World) -> None:
    _, authenticate, _, _ = await setup(world)
    assert await authenticate.execute("op_live_" + "B" * 32) is None


async def test_a_malformed_key_is_refused_without_a_lookup(world: World) -> None:
    _, authenticate, _, factory = await setup(world)
    for garbage in ["", "Bearer", "op_live_short", "op_prod_" + "A" * 32, "x" * 40]:
        assert await authenticate.execute(garbage) is None
    assert factory.opened == 0


async def test_within_the_ttl_the_cache_answers(world: World) -> None:
    created, authenticate, clock, factory = await setup(world)
    key = created.api_key.plaintext

    first = await authenticate.execute(key)
    clock.now += 4.9
    second = await authenticate.execute(key)

    assert first is not None and second == first
    assert factory.opened == 1


async def test_a_revoked_key_is_refused_once_the_ttl_has_passed(world: World) -> None:
    created, authenticate, clock, _ = await setup(world)
    key = created.api_key.plaintext
    assert await authenticate.execute(key) is not None

    await RevokeApiKey(world.uow(), world.clock).execute(key)
    clock.now += 4.9
    assert await authenticate.execute(key) is not None  # still cached: allowed up to the ttl
    clock.now += 0.1
    assert await authenticate.execute(key) is None


async def test_a_refusal_is_cached_no_longer_than_the_ttl(world: World) -> None:
    _, authenticate, clock, factory = await setup(world)
    unknown = "op_live_" + "C" * 32

    assert await authenticate.execute(unknown) is None
    assert await authenticate.execute(unknown) is None
    assert factory.opened == 1
    clock.now += 5.0
    assert await authenticate.execute(unknown) is None
    assert factory.opened == 2


class HeldFactory(CountingFactory):
    """Lookups that wait until the test lets them through, so requests overlap."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.gate = asyncio.Event()

    def __call__(self) -> MemoryUnitOfWork:
        uow = super().__call__()
        enter, gate = uow.__aenter__, self.gate

        async def held_enter() -> MemoryUnitOfWork:
            await gate.wait()
            return await enter()

        uow.__aenter__ = held_enter  # type: ignore[method-assign]
        return uow


async def test_requests_finding_the_answer_expired_share_one_lookup(world: World) -> None:
    created = await CreateWorkspace(world.uow(), world.ids, world.clock).execute(
        "acme", WorkspaceMode.LIVE
    )
    factory = HeldFactory(world)
    authenticate = AuthenticateApiKey(factory, ttl_s=5.0, monotonic=FakeMonotonic())
    waiting = [
        asyncio.create_task(authenticate.execute(created.api_key.plaintext)) for _ in range(10)
    ]
    for _ in range(3):
        await asyncio.sleep(0)
    factory.gate.set()
    answers = await asyncio.gather(*waiting)
    assert factory.opened == 1
    assert {a.workspace_id if a else None for a in answers} == {created.workspace.id}


async def test_a_failed_shared_lookup_fails_every_request_sharing_it(world: World) -> None:
    class Broken:
        opened = 0

        def __call__(self) -> MemoryUnitOfWork:
            self.opened += 1
            raise ConnectionError("database gone")

    broken = Broken()
    authenticate = AuthenticateApiKey(broken, ttl_s=5.0, monotonic=FakeMonotonic())  # type: ignore[arg-type]
    key = "op_live_" + "C" * 32
    results = await asyncio.gather(
        *(authenticate.execute(key) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, ConnectionError) for r in results)
    with pytest.raises(ConnectionError):
        await authenticate.execute(key)  # nothing cached: the next request asks again


def made_up_key(n: int) -> str:
    """Well-formed (the right prefix and length), but issued to nobody."""
    return f"op_live_{n:032d}"


async def test_a_flood_of_made_up_keys_never_evicts_a_valid_one(world: World) -> None:
    created, authenticate, _, factory = await setup(world)
    key = created.api_key.plaintext
    assert await authenticate.execute(key) is not None
    looked_up = factory.opened

    for n in range(10_000):
        assert await authenticate.execute(made_up_key(n)) is None
    assert factory.opened == looked_up + 10_000

    assert await authenticate.execute(key) is not None
    assert factory.opened == looked_up + 10_000  # still cached: no lookup


async def test_misses_are_bounded_and_the_newest_are_kept(world: World) -> None:
    factory = CountingFactory(world)
    authenticate = AuthenticateApiKey(factory, ttl_s=5.0, max_misses=100)
    for n in range(110):
        await authenticate.execute(made_up_key(n))
    assert len(authenticate._misses) == 100
    before = factory.opened
    await authenticate.execute(made_up_key(109))  # among the newest
    assert factory.opened == before
    await authenticate.execute(made_up_key(0))  # the oldest, dropped
    assert factory.opened == before + 1
