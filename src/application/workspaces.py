"""Creating and listing workspaces."""

from __future__ import annotations

from dataclasses import dataclass

from application.api_keys import IssuedKey, issue_key
from application.ports.clock import Clock
from application.ports.ids import IdGenerator
from application.ports.unit_of_work import UnitOfWork
from domain.integration import Integration, Profile
from domain.platform import Platform
from domain.workspace import Workspace, WorkspaceMode

DEMO_WORKSPACE_NAME = "demo"

# The synthetic accounts every test workspace starts with; they publish to a simulated
# platform that never touches the network.
SYNTHETIC_PROFILES = {
    Platform.TWITTER: Profile(
        platform_user_id="1000000000000000001",
        username="openpost_demo",
        display_name="OpenPost Demo",
        avatar_url=None,
    ),
    Platform.BLUESKY: Profile(
        platform_user_id="did:plc:openpostdemo000000000000",
        username="openpost-demo.bsky.social",
        display_name="OpenPost Demo",
        avatar_url=None,
    ),
}


@dataclass(frozen=True, slots=True)
class CreatedWorkspace:
    workspace: Workspace
    api_key: IssuedKey
    integrations: tuple[Integration, ...]


class CreateWorkspace:
    """A workspace with its first API key; a test workspace also gets synthetic accounts."""

    def __init__(self, uow: UnitOfWork, ids: IdGenerator, clock: Clock) -> None:
        self.uow, self.ids, self.clock = uow, ids, clock

    async def execute(self, name: str, mode: WorkspaceMode) -> CreatedWorkspace:
        name = name.strip()
        if not name or len(name) > 200:
            raise ValueError("a workspace name is 1 to 200 characters")
        now = self.clock.now()
        workspace = Workspace(id=self.ids.new_id(), name=name, mode=mode, created_at=now)
        issued = issue_key(workspace.id, mode, self.ids, self.clock)
        integrations = tuple(
            Integration.connect(
                id=self.ids.new_id(),
                workspace_id=workspace.id,
                platform=platform,
                profile=profile,
                now=now,
            )
            for platform, profile in SYNTHETIC_PROFILES.items()
            if mode is WorkspaceMode.TEST
        )
        async with self.uow:
            await self.uow.workspaces.add(workspace)
            await self.uow.api_keys.add(issued.key)
            for integration in integrations:
                await self.uow.integrations.add(integration)
            await self.uow.commit()
        return CreatedWorkspace(workspace=workspace, api_key=issued, integrations=integrations)


class ListWorkspaces:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self) -> list[Workspace]:
        async with self.uow:
            return await self.uow.workspaces.list()


class EnsureDemoWorkspace:
    """On a database with no workspace, creates the test workspace `demo`.

    Returns it (with its one-time key) when it was created, None when workspaces exist.
    """

    def __init__(self, uow: UnitOfWork, create: CreateWorkspace) -> None:
        self.uow, self.create = uow, create

    async def execute(self) -> CreatedWorkspace | None:
        async with self.uow:
            if await self.uow.workspaces.exists_any():
                return None
        return await self.create.execute(DEMO_WORKSPACE_NAME, WorkspaceMode.TEST)
