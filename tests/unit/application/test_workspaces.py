"""Creating workspaces: a first API key shown once and stored hashed; a test workspace also
gets one synthetic account per platform that can post."""

from __future__ import annotations

import hashlib
import re

import pytest

from application.workspaces import CreateWorkspace, EnsureDemoWorkspace, ListWorkspaces
from domain.integration import IntegrationStatus
from domain.platform import Platform
from domain.workspace import WorkspaceMode
from tests.unit.application.world import World


def create(world: World) -> CreateWorkspace:
    return CreateWorkspace(world.uow(), world.ids, world.clock)


async def test_a_test_workspace_gets_an_x_and_a_bluesky_account(world: World) -> None:
    created = await create(world).execute("sandbox", WorkspaceMode.TEST)

    stored = [i for i in world.store.integrations.values()]
    assert sorted(i.platform for i in stored) == [Platform.BLUESKY, Platform.TWITTER]
    assert all(i.workspace_id == created.workspace.id for i in stored)
    assert all(i.status is IntegrationStatus.ACTIVE for i in stored)
    assert {i.id for i in created.integrations} == {i.id for i in stored}


async def test_a_live_workspace_starts_with_no_accounts(world: World) -> None:
    created = await create(world).execute("acme", WorkspaceMode.LIVE)
    assert created.integrations == ()
    assert world.store.integrations == {}


@pytest.mark.parametrize(
    ("mode", "prefix"), [(WorkspaceMode.TEST, "op_test_"), (WorkspaceMode.LIVE, "op_live_")]
)
async def test_the_key_says_its_mode_and_has_40_url_safe_characters(
    world: World, mode: WorkspaceMode, prefix: str
) -> None:
    key = (await create(world).execute("acme", mode)).api_key.plaintext
    assert key.startswith(prefix)
    assert len(key) == 40
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", key[len(prefix) :])


async def test_only_the_hash_and_the_visible_prefix_of_the_key_are_stored(world: World) -> None:
    created = await create(world).execute("acme", WorkspaceMode.LIVE)
    plaintext = created.api_key.plaintext

    (stored,) = world.store.api_keys.values()
    assert stored.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert stored.prefix == plaintext[:12]
    assert stored.workspace_id == created.workspace.id
    assert plaintext not in repr(world.store.snapshot())
    assert plaintext not in repr(created)


async def test_every_workspace_gets_its_own_key(world: World) -> None:
    first = await create(world).execute("one", WorkspaceMode.LIVE)
    second = await create(world).execute("two", WorkspaceMode.LIVE)
    assert first.api_key.plaintext != second.api_key.plaintext
    assert first.workspace.id != second.workspace.id


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
async def test_a_name_is_1_to_200_characters(world: World, name: str) -> None:
    with pytest.raises(ValueError):
        await create(world).execute(name, WorkspaceMode.LIVE)
    assert world.store.workspaces == {}


async def test_the_name_is_trimmed(world: World) -> None:
    created = await create(world).execute("  acme  ", WorkspaceMode.LIVE)
    assert created.workspace.name == "acme"


async def test_workspaces_are_listed_oldest_first(world: World) -> None:
    await create(world).execute("first", WorkspaceMode.LIVE)
    world.clock.advance(60)
    await create(world).execute("second", WorkspaceMode.TEST)
    listed = await ListWorkspaces(world.uow()).execute()
    assert [w.name for w in listed] == ["first", "second"]


async def test_the_demo_workspace_is_created_once_on_an_empty_database(world: World) -> None:
    ensure = EnsureDemoWorkspace(world.uow(), create(world))

    demo = await ensure.execute()
    again = await ensure.execute()

    assert demo is not None
    assert demo.workspace.name == "demo"
    assert demo.workspace.mode is WorkspaceMode.TEST
    assert demo.api_key.plaintext.startswith("op_test_")
    assert again is None
    assert len(world.store.workspaces) == 1


async def test_no_demo_workspace_when_one_already_exists(world: World) -> None:
    await create(world).execute("acme", WorkspaceMode.LIVE)
    assert await EnsureDemoWorkspace(world.uow(), create(world)).execute() is None
    assert len(world.store.workspaces) == 1
