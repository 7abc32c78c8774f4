"""A small world for the post use cases: memory adapters, a manual clock, one workspace
with an X and a Bluesky account, and a scripted platform we own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.clock import ManualClock
from adapters.ids import Uuid7Generator
from adapters.persistence.memory import MemoryStore, MemoryUnitOfWork
from adapters.platforms.directory import StaticPlatformDirectory
from application.cancel_post import CancelPost
from application.claim_due_targets import ClaimDueTargets
from application.create_post import CreatePost, CreatePostCommand
from application.expire_leases import ExpireLeases
from application.ports.credentials import Credentials
from application.ports.outcomes import OutcomeRecorder
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import PlatformGateway, PublishedPost
from application.ports.publish_queue import ClaimedTarget
from application.ports.unit_of_work import UnitOfWork
from application.publish_target import PublishTarget
from application.refresh_credentials import RefreshCredentials, RefreshPolicy
from application.update_post import UpdatePost, UpdatePostCommand
from application.usable_credentials import GetUsableCredentials
from domain.integration import Integration, Profile
from domain.outcomes import Published
from domain.platform import Platform
from domain.post import Post
from domain.workspace import Workspace, WorkspaceMode
from tests.support.media import InMemoryMediaStore

START = datetime(2026, 4, 17, 10, 30, 15, 250_000, tzinfo=UTC)
LEASE = timedelta(seconds=120)


class ScriptedGateway(PlatformGateway):
    """Answers publishes from a script: an exception is raised, anything else publishes.
    An empty script publishes. Refreshes follow `refresh_script` the same way."""

    def __init__(self, platform: Platform, *script: Any) -> None:
        self.platform = platform
        self.script = list(script)
        self.refresh_script: list[Any] = []
        self.sent: list[str] = []
        self.sent_media: list[list[tuple[OutgoingMedia, bytes]]] = []
        self.used_tokens: list[str] = []
        self.refreshes = 0

    async def publish(
        self, credentials: Credentials, text: str, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPost:
        """Reads every attachment through, as an upload would, before the script speaks."""
        self.used_tokens.append(credentials.access_token)
        uploaded = [(item, await item.read()) for item in media]
        step = self.script.pop(0) if self.script else None
        if isinstance(step, BaseException):
            raise step
        self.sent.append(text)
        self.sent_media.append(uploaded)
        number = len(self.sent)
        return PublishedPost(str(number), f"https://example.test/{self.platform}/{number}")

    async def refresh(self, credentials: Credentials) -> Credentials:
        self.refreshes += 1
        step = self.refresh_script.pop(0) if self.refresh_script else None
        if isinstance(step, BaseException):
            raise step
        return Credentials(
            access_token=f"access-{self.refreshes + 1}",
            refresh_token=f"refresh-{self.refreshes + 1}",
            expires_at=START + timedelta(days=1),
        )

    async def revoke(self, credentials: Credentials) -> None:
        return None


@dataclass
class World:
    store: MemoryStore = field(default_factory=MemoryStore)
    clock: ManualClock = field(default_factory=lambda: ManualClock(START))
    ids: Uuid7Generator = field(default_factory=Uuid7Generator)
    mode: WorkspaceMode = WorkspaceMode.LIVE
    gateways: dict[Platform, ScriptedGateway] = field(default_factory=dict)
    media_store: InMemoryMediaStore = field(default_factory=InMemoryMediaStore)
    workspace: Workspace | None = None
    twitter: Integration | None = None
    bluesky: Integration | None = None
    cards: Any = None

    def uow(self) -> UnitOfWork:
        return MemoryUnitOfWork(self.store)

    @property
    def workspace_id(self) -> Any:
        assert self.workspace is not None
        return self.workspace.id

    async def setup(self) -> World:
        self.workspace = Workspace(self.ids.new_id(), "acme", self.mode, START)
        self.twitter = self._integration(Platform.TWITTER, "111")
        self.bluesky = self._integration(Platform.BLUESKY, "did:plc:abc")
        async with self.uow() as uow:
            await uow.workspaces.add(self.workspace)
            for integration in (self.twitter, self.bluesky):
                await uow.integrations.add(integration)
                await uow.credentials.put(integration.id, Credentials("access-1", "refresh-1"))
            await uow.commit()
        for platform in (Platform.TWITTER, Platform.BLUESKY):
            self.gateways.setdefault(platform, ScriptedGateway(platform))
        return self

    def _integration(self, platform: Platform, user_id: str) -> Integration:
        profile = Profile(user_id, f"user-{platform}", "User")
        return Integration.connect(
            id=self.ids.new_id(),
            workspace_id=self.workspace_id,
            platform=platform,
            profile=profile,
            now=START,
        )

    async def create(self, *integrations: Integration | str, **kw: Any) -> Post:
        kw.setdefault("content", "hello")
        targets: Sequence[Any] = [
            i.id if isinstance(i, Integration) else i for i in integrations or [self.twitter]
        ]
        command = CreatePostCommand(workspace_id=self.workspace_id, integration_ids=targets, **kw)
        return await CreatePost(self.uow(), self.ids, self.clock).execute(command)

    async def update(self, post: Post, **kw: Any) -> Post:
        command = UpdatePostCommand(workspace_id=self.workspace_id, post_id=post.id, **kw)
        return await UpdatePost(self.uow(), self.clock).execute(command)

    async def cancel(self, post: Post) -> Post:
        return await CancelPost(self.uow(), self.clock).execute(self.workspace_id, post.id)

    async def stored(self, post: Post) -> Post:
        async with self.uow() as uow:
            found = await uow.posts.get_any(post.id)
        assert found is not None
        return found

    async def integration(self, integration: Integration | None) -> Integration:
        assert integration is not None
        async with self.uow() as uow:
            found = await uow.integrations.get_any(integration.id)
        assert found is not None
        return found

    def publisher(
        self, margin_s: float = 300, outcomes: OutcomeRecorder | None = None
    ) -> PublishTarget:
        directory = StaticPlatformDirectory(live=self.gateways, simulated=self.gateways)
        refresher = RefreshCredentials(self.uow, self.clock, directory, RefreshPolicy(margin_s))
        credentials = GetUsableCredentials(self.uow, self.clock, refresher)
        return PublishTarget(
            self.uow,
            self.clock,
            directory,
            credentials,
            self.media_store,
            jitter=lambda: 0.0,
            cards=self.cards,
            outcomes=outcomes,
        )

    async def run_due(self, limit: int = 100) -> list[Any]:
        """One worker pass: expire leases, claim what is due, publish each."""
        await ExpireLeases(self.uow, self.clock).execute()
        claimed = await ClaimDueTargets(self.uow, self.clock, LEASE).execute(limit)
        publisher = self.publisher()
        return [await publisher.execute(c) for c in claimed]


async def claimed_posts(count: int, at: datetime) -> tuple[World, list[ClaimedTarget]]:
    """A world with `count` posts to X due at `at`, the clock at `at`, and all of them claimed."""
    world = await World().setup()
    for n in range(count):
        await world.create(world.twitter, schedule_at=at, content=f"post {n}")
    world.clock.set(at)
    claimed = await ClaimDueTargets(world.uow, world.clock, LEASE).execute(count)
    assert len(claimed) == count
    return world, claimed


def published(n: int) -> Published:
    """The platform's answer for the `n`th post."""
    return Published(str(n), f"https://x.test/{n}")
