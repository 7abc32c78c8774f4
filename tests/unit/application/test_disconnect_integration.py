"""Disconnecting: idempotent, every stored credential erased, tokens revoked at the platform
on a best-effort basis (a platform that is down never keeps a user from disconnecting)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from adapters.platforms.directory import StaticPlatformDirectory
from application.disconnect_integration import DisconnectIntegration
from application.errors import NotFound
from application.ports.credentials import Credentials, StoredCredentials
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import PlatformGateway, PlatformUnreachable, PublishedPost
from domain.integration import Integration, IntegrationStatus, StatusReason
from domain.platform import Platform
from domain.workspace import WorkspaceMode
from tests.unit.application.world import World

TOKENS = Credentials(access_token="access-1", refresh_token="refresh-1")
APP_PASSWORD = Credentials(access_token="jwt", refresh_token="jwt-r", password="abcd-efgh-ijkl")


class RecordingGateway(PlatformGateway):
    """A platform that notes what it was asked to revoke, or fails when told to."""

    def __init__(self, platform: Platform, *, down: bool = False) -> None:
        self.platform = platform
        self.down = down
        self.revoked: list[Credentials] = []

    async def publish(
        self, credentials: Credentials, text: str, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPost:
        raise AssertionError("disconnecting never publishes")

    async def refresh(self, credentials: Credentials) -> Credentials:
        raise AssertionError("disconnecting never refreshes")

    async def revoke(self, credentials: Credentials) -> None:
        if self.down:
            raise PlatformUnreachable("connection refused", sent=False)
        self.revoked.append(credentials)


def with_credentials(world: World, integration: Integration, credentials: Credentials) -> None:
    world.store.credentials[integration.id] = StoredCredentials(credentials, version=1)


async def disconnect(
    world: World, integration: Integration, platforms: StaticPlatformDirectory
) -> Integration:
    mode = world.store.workspaces[integration.workspace_id].mode
    use_case = DisconnectIntegration(world.uow(), world.clock, platforms)
    return await use_case.execute(integration.workspace_id, mode, integration.id)


@pytest.fixture
def x() -> RecordingGateway:
    return RecordingGateway(Platform.TWITTER)


@pytest.fixture
def platforms(x: RecordingGateway) -> StaticPlatformDirectory:
    return StaticPlatformDirectory(live={Platform.TWITTER: x}, simulated={})


async def test_disconnect_erases_the_credentials_and_revokes_them(
    world: World, x: RecordingGateway, platforms: StaticPlatformDirectory
) -> None:
    integration = world.integration(world.workspace())
    with_credentials(world, integration, TOKENS)
    world.clock.advance(timedelta(minutes=5))

    answer = await disconnect(world, integration, platforms)

    assert answer.status is IntegrationStatus.DISCONNECTED
    assert answer.status_reason is StatusReason.DISCONNECTED_BY_USER
    assert answer.updated_at == world.clock.now()
    assert world.store.integrations[integration.id].status is IntegrationStatus.DISCONNECTED
    assert integration.id not in world.store.credentials
    assert x.revoked == [TOKENS]


async def test_a_bluesky_app_password_is_erased_too(world: World) -> None:
    integration = world.integration(world.workspace(), platform=Platform.BLUESKY)
    with_credentials(world, integration, APP_PASSWORD)
    bluesky = RecordingGateway(Platform.BLUESKY)

    await disconnect(world, integration, StaticPlatformDirectory({Platform.BLUESKY: bluesky}, {}))

    assert integration.id not in world.store.credentials
    assert bluesky.revoked == [APP_PASSWORD]


async def test_disconnecting_twice_answers_the_same_and_changes_nothing(
    world: World, x: RecordingGateway, platforms: StaticPlatformDirectory
) -> None:
    integration = world.integration(world.workspace())
    with_credentials(world, integration, TOKENS)
    first = await disconnect(world, integration, platforms)
    world.clock.advance(timedelta(hours=1))

    second = await disconnect(world, integration, platforms)

    assert second.status is IntegrationStatus.DISCONNECTED
    assert second.updated_at == first.updated_at
    assert x.revoked == [TOKENS]


async def test_a_platform_that_is_down_does_not_stop_the_disconnect(world: World) -> None:
    integration = world.integration(world.workspace())
    with_credentials(world, integration, TOKENS)
    down = RecordingGateway(Platform.TWITTER, down=True)

    answer = await disconnect(
        world, integration, StaticPlatformDirectory({Platform.TWITTER: down}, {})
    )

    assert answer.status is IntegrationStatus.DISCONNECTED
    assert world.store.integrations[integration.id].status is IntegrationStatus.DISCONNECTED
    assert integration.id not in world.store.credentials


async def test_a_platform_no_longer_configured_does_not_stop_the_disconnect(world: World) -> None:
    integration = world.integration(world.workspace())
    with_credentials(world, integration, TOKENS)

    answer = await disconnect(world, integration, StaticPlatformDirectory({}, {}))

    assert answer.status is IntegrationStatus.DISCONNECTED
    assert integration.id not in world.store.credentials


async def test_nothing_is_revoked_when_nothing_was_stored(
    world: World, x: RecordingGateway, platforms: StaticPlatformDirectory
) -> None:
    integration = world.integration(world.workspace())
    await disconnect(world, integration, platforms)
    assert x.revoked == []


async def test_a_test_workspace_revokes_at_the_simulated_platform(
    world: World, x: RecordingGateway
) -> None:
    integration = world.integration(world.workspace(WorkspaceMode.TEST))
    with_credentials(world, integration, TOKENS)
    simulated = RecordingGateway(Platform.TWITTER)
    platforms = StaticPlatformDirectory({Platform.TWITTER: x}, {Platform.TWITTER: simulated})

    await disconnect(world, integration, platforms)

    assert simulated.revoked == [TOKENS]
    assert x.revoked == []


async def test_an_integration_needing_a_refresh_can_be_disconnected(
    world: World, platforms: StaticPlatformDirectory
) -> None:
    integration = world.integration(world.workspace(), status=IntegrationStatus.NEEDS_REFRESH)
    answer = await disconnect(world, integration, platforms)
    assert answer.status is IntegrationStatus.DISCONNECTED


async def test_another_workspaces_integration_is_not_found_and_left_alone(
    world: World, x: RecordingGateway, platforms: StaticPlatformDirectory
) -> None:
    mine, theirs = world.workspace(), world.workspace()
    foreign = world.integration(theirs)
    with_credentials(world, foreign, TOKENS)

    with pytest.raises(NotFound):
        await DisconnectIntegration(world.uow(), world.clock, platforms).execute(
            mine.id, mine.mode, foreign.id
        )

    assert world.store.integrations[foreign.id].status is IntegrationStatus.ACTIVE
    assert foreign.id in world.store.credentials
    assert x.revoked == []
