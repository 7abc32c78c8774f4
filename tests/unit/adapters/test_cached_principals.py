"""The key cache around the principal lookup: an answer, found or not, is reused for at
most `ttl_s` seconds, so a revoked key is refused everywhere within that time; lookups
that overlap share one; made-up keys never evict a valid one."""

from __future__ import annotations

import asyncio

import pytest

from adapters.decorators.principals import CachedPrincipals
from application.api_keys import RevokeApiKey
from application.authenticate import AuthenticateApiKey
from application.ports.api_keys import Principal, PrincipalLookup
from application.workspaces import CreatedWorkspace, CreateWorkspace
from domain.workspace import WorkspaceMode, hash_api_key
from tests.unit.application.world import World


@pytest.fixture
def world() -> World:
    return World()


class FakeMonotonic:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Counted(PrincipalLookup):
    """The world's keys, read through its units of work; counts the lookups and, when
    `held`, lets them through only once the test sets it, so requests overlap."""

    def __init__(self, world: World, held: bool = False) -> None:
        self.world, self.lookups = world, 0
        self.gate = asyncio.Event()
        if not held:
            self.gate.set()

    async def principal_for(self, key_hash: str) -> Principal | None:
        self.lookups += 1
        await self.gate.wait()
        async with self.world.uow() as uow:
            return await uow.api_keys.principal_for(key_hash)


async def setup(
    world: World,
) -> tuple[CreatedWorkspace, CachedPrincipals, FakeMonotonic, Counted]:
    created = await CreateWorkspace(world.uow(), world.ids, world.clock).execute(
        "acme", WorkspaceMode.LIVE
    )
    clock, inner = FakeMonotonic(), Counted(world)
    return created, CachedPrincipals(inner, ttl_s=5.0, monotonic=clock), clock, inner


def hashed(created: CreatedWorkspace) -> str:
    return hash_api_key(created.api_key.plaintext)


async def test_within_the_ttl_the_cache_answers(world: World) -> None:
    created, cached, clock, inner = await setup(world)
    first = await cached.principal_for(hashed(created))
    clock.now += 4.9
    second = await cached.principal_for(hashed(created))
    assert first is not None and second == first
    assert cached.known(hashed(created)) == first
    assert inner.lookups == 1


async def test_a_revoked_key_is_refused_once_the_ttl_has_passed(world: World) -> None:
    created, cached, clock, _ = await setup(world)
    authenticate = AuthenticateApiKey(cached)
    key = created.api_key.plaintext
    assert await authenticate.execute(key) is not None

    await RevokeApiKey(world.uow(), world.clock).execute(key)
    clock.now += 4.9
    assert await authenticate.execute(key) is not None  # still cached: allowed up to the ttl
    clock.now += 0.1
    assert authenticate.cached(key) is None
    assert await authenticate.execute(key) is None


async def test_a_refusal_is_cached_no_longer_than_the_ttl(world: World) -> None:
    _, cached, clock, inner = await setup(world)
    unknown = hash_api_key("op_live_" + "C" * 32)

    assert await cached.principal_for(unknown) is None
    assert await cached.principal_for(unknown) is None
    assert inner.lookups == 1
    clock.now += 5.0
    assert await cached.principal_for(unknown) is None
    assert inner.lookups == 2


async def test_requests_finding_the_answer_expired_share_one_lookup(world: World) -> None:
    created = await CreateWorkspace(world.uow(), world.ids, world.clock).execute(
        "acme", WorkspaceMode.LIVE
    )
    inner = Counted(world, held=True)
    cached = CachedPrincipals(inner, ttl_s=5.0, monotonic=FakeMonotonic())
    waiting = [asyncio.create_task(cached.principal_for(hashed(created))) for _ in range(10)]
    for _ in range(3):
        await asyncio.sleep(0)
    inner.gate.set()
    answers = await asyncio.gather(*waiting)
    assert inner.lookups == 1
    assert {a.workspace_id if a else None for a in answers} == {created.workspace.id}


async def test_a_failed_shared_lookup_fails_every_request_sharing_it() -> None:
    class Broken(PrincipalLookup):
        async def principal_for(self, key_hash: str) -> Principal | None:
            await asyncio.sleep(0)
            raise ConnectionError("database gone")

    cached = CachedPrincipals(Broken(), ttl_s=5.0, monotonic=FakeMonotonic())
    key = hash_api_key("op_live_" + "C" * 32)
    results = await asyncio.gather(
        *(cached.principal_for(key) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, ConnectionError) for r in results)
    with pytest.raises(ConnectionError):
        await cached.principal_for(key)  # nothing cached: the next request asks again


def made_up(n: int) -> str:
    """The hash of a well-formed key issued to nobody."""
    return hash_api_key(f"op_live_{n:032d}")


async def test_a_flood_of_made_up_keys_never_evicts_a_valid_one(world: World) -> None:
    created, cached, _, inner = await setup(world)
    assert await cached.principal_for(hashed(created)) is not None
    looked_up = inner.lookups

    for n in range(10_000):
        assert await cached.principal_for(made_up(n)) is None
    assert inner.lookups == looked_up + 10_000

    assert await cached.principal_for(hashed(created)) is not None
    assert inner.lookups == looked_up + 10_000  # still cached: no lookup


async def test_misses_are_bounded_and_the_newest_are_kept(world: World) -> None:
    inner = Counted(world)
    cached = CachedPrincipals(inner, ttl_s=5.0, max_misses=100)
    for n in range(110):
        await cached.principal_for(made_up(n))
    assert len(cached._misses) == 100
    before = inner.lookups
    await cached.principal_for(made_up(109))  # among the newest
    assert inner.lookups == before
    await cached.principal_for(made_up(0))  # the oldest, dropped
    assert inner.lookups == before + 1
