"""Authenticating a bearer key: a well-formed key is looked up by its hash and names its
workspace and mode; anything else is refused without a lookup."""

from __future__ import annotations

from adapters.persistence.memory import MemoryUnitOfWork
from application.authenticate import AuthenticateApiKey, StoredPrincipals
from application.ports.api_keys import Principal
from application.workspaces import CreatedWorkspace, CreateWorkspace
from domain.workspace import WorkspaceMode
from tests.unit.application.world import World


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
) -> tuple[CreatedWorkspace, AuthenticateApiKey, CountingFactory]:
    created = await CreateWorkspace(world.uow(), world.ids, world.clock).execute("acme", mode)
    factory = CountingFactory(world)
    return created, AuthenticateApiKey(StoredPrincipals(factory)), factory


async def test_a_key_names_its_workspace_and_mode(world: World) -> None:
    created, authenticate, _ = await setup(world, WorkspaceMode.TEST)
    principal = await authenticate.execute(created.api_key.plaintext)
    assert principal == Principal(
        key_id=created.api_key.key.id,
        workspace_id=created.workspace.id,
        workspace_mode=WorkspaceMode.TEST,
    )


async def test_an_unknown_key_is_refused(world: World) -> None:
    _, authenticate, _ = await setup(world)
    assert await authenticate.execute("op_live_" + "B" * 32) is None


async def test_a_malformed_key_is_refused_without_a_lookup(world: World) -> None:
    _, authenticate, factory = await setup(world)
    for garbage in ["", "Bearer", "op_live_short", "op_prod_" + "A" * 32, "x" * 40]:
        assert await authenticate.execute(garbage) is None
        assert authenticate.cached(garbage) is None
    assert factory.opened == 0


async def test_without_a_cache_every_request_is_a_lookup(world: World) -> None:
    created, authenticate, factory = await setup(world)
    key = created.api_key.plaintext
    assert await authenticate.execute(key) is not None
    assert await authenticate.execute(key) is not None
    assert authenticate.cached(key) is None
    assert factory.opened == 2
