"""Pieces for publisher tests that run real workers: a platform we own that records every
send (in memory and, across processes, in an append-only file), a provider that puts it
behind every workspace, and due posts seeded through the use cases."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dishka import Provider, Scope, provide

from adapters.clock import ManualClock
from adapters.ids import Uuid7Generator
from adapters.platforms.directory import StaticPlatformDirectory
from application.create_post import CreatePost, CreatePostCommand
from application.ports.credentials import Credentials
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platform_directory import PlatformDirectory
from application.ports.platforms import PlatformGateway, PublishedPost
from application.ports.unit_of_work import UnitOfWorkFactory
from application.workspaces import CreateWorkspace
from domain.platform import Platform
from domain.workspace import WorkspaceMode


class RecordingGateway(PlatformGateway):
    """Publishes after `delay_s`; `hang` makes it record the send and then never answer,
    as a worker that dies mid-flight would look from the outside."""

    def __init__(
        self, platform: Platform, log: Path | None = None, delay_s: float = 0.0, hang: bool = False
    ) -> None:
        self.platform, self.log, self.delay_s, self.hang = platform, log, delay_s, hang
        self.sent: list[str] = []

    async def publish(
        self, credentials: Credentials, text: str, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPost:
        self.sent.append(text)
        if self.log is not None:
            line = f"{os.getpid()} {self.platform.value} {text}\n".encode()
            fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        if self.hang:
            await asyncio.Event().wait()
        await asyncio.sleep(self.delay_s)
        return PublishedPost(f"{self.platform.value}-{len(self.sent)}", "https://example.test/p")

    async def refresh(self, credentials: Credentials) -> Credentials:
        return credentials

    async def revoke(self, credentials: Credentials) -> None:
        return None


class RecordingPlatforms(Provider):
    def __init__(self, gateways: dict[Platform, RecordingGateway]) -> None:
        super().__init__()
        self.gateways = gateways

    @provide(scope=Scope.APP)
    def directory(self) -> PlatformDirectory:
        gateways: dict[Platform, PlatformGateway] = dict(self.gateways)
        return StaticPlatformDirectory(live=gateways, simulated=gateways)


def recording(log: Path | None = None, **kw: Any) -> dict[Platform, RecordingGateway]:
    return {p: RecordingGateway(p, log, **kw) for p in (Platform.TWITTER, Platform.BLUESKY)}


async def seed_due_posts(uow_factory: UnitOfWorkFactory, count: int) -> list[str]:
    """`count` posts on a new test workspace's two accounts, all already due by the real
    clock (created as if an hour ago, scheduled two minutes after that). Returns their
    contents, each unique."""
    clock = ManualClock(datetime.now(UTC) - timedelta(hours=1))
    ids = Uuid7Generator()
    created = await CreateWorkspace(uow_factory(), ids, clock).execute("load", WorkspaceMode.TEST)
    targets = [i.id for i in created.integrations]
    contents = [f"post number {n}" for n in range(count)]
    for content in contents:
        command = CreatePostCommand(
            workspace_id=created.workspace.id,
            content=content,
            integration_ids=targets,
            schedule_at=clock.now() + timedelta(minutes=2),
        )
        await CreatePost(uow_factory(), ids, clock).execute(command)
    return contents
