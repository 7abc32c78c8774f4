"""Token keeping: when to refresh, one refresh at a time, and when a refusal is final."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import pytest

from application.errors import NotFound
from application.ports.credentials import StoredCredentials
from application.ports.platforms import CredentialsRejected, PlatformUnreachable
from domain.errors import IntegrationDisconnected
from domain.integration import Integration, IntegrationStatus, StatusReason
from domain.platform import Platform
from domain.workspace import WorkspaceMode
from tests.unit.application.twitter_world import (  # noqa: F401  (the fixture)
    NOW,
    TwitterWorld,
    world_fixture,
)

LIFETIME = timedelta(seconds=7200)


async def connected(world: TwitterWorld) -> tuple[Integration, StoredCredentials]:
    integration = await world.connect(await world.workspace())
    stored = await world.stored(integration.id)
    assert stored is not None
    return integration, stored


async def test_credentials_far_from_expiry_are_used_as_stored(world: TwitterWorld) -> None:
    integration, stored = await connected(world)
    world.clock.advance(LIFETIME - timedelta(seconds=301))
    got = await world.refresher().execute(integration.id)
    assert got == stored
    assert world.fake.requests["token"] == 1  # the code exchange only


async def test_credentials_within_the_margin_are_refreshed_and_stored_first(
    world: TwitterWorld,
) -> None:
    integration, stored = await connected(world)
    world.clock.advance(LIFETIME - timedelta(seconds=300))

    got = (await world.refresher().execute(integration.id)).credentials

    assert world.fake.token_refreshes == 1
    assert got.access_token != stored.credentials.access_token
    assert got.expires_at == world.clock.now() + LIFETIME
    after = await world.stored(integration.id)
    assert after is not None and after.version == stored.version + 1
    assert after.credentials == got
    assert dict(got.extra) == dict(stored.credentials.extra)
    assert (await world.integration(integration.id)).status is IntegrationStatus.ACTIVE


async def test_concurrent_callers_share_one_refresh(world: TwitterWorld) -> None:
    integration, _ = await connected(world)
    world.clock.advance(LIFETIME)
    world.fake.delay_next("token", 0.2)
    refresher = world.refresher()

    results = await asyncio.gather(*(refresher.execute(integration.id) for _ in range(5)))

    assert world.fake.token_refreshes == 1
    assert len({r.credentials.access_token for r in results}) == 1
    assert {r.version for r in results} == {2}


async def test_an_access_token_x_refused_is_refreshed_once(world: TwitterWorld) -> None:
    integration, stored = await connected(world)
    refresher = world.refresher()

    fresh = await refresher.execute(integration.id, refused_version=stored.version)
    again = await refresher.execute(integration.id, refused_version=stored.version)

    assert fresh.credentials.access_token != stored.credentials.access_token
    assert fresh.version == stored.version + 1 and again == fresh
    assert world.fake.token_refreshes == 1


async def test_a_refresh_token_refused_for_good_needs_a_reconnect(world: TwitterWorld) -> None:
    integration, stored = await connected(world)
    gateway = world.directory.twitter(WorkspaceMode.LIVE)
    await gateway.refresh(stored.credentials)  # spent elsewhere, its answer lost
    world.clock.advance(LIFETIME)

    with pytest.raises(CredentialsRejected) as refused:
        await world.refresher().execute(integration.id)

    assert refused.value.reason == "token_revoked"
    now_stored = await world.integration(integration.id)
    assert now_stored.status is IntegrationStatus.NEEDS_REFRESH
    assert now_stored.status_reason is StatusReason.TOKEN_REVOKED
    assert now_stored.updated_at == world.clock.now()
    with pytest.raises(CredentialsRejected):
        await world.refresher().execute(integration.id)
    assert world.fake.requests["token"] == 3  # exchange, the lost refresh, ours: no more


async def test_a_refusal_after_another_writer_rotated_the_row_uses_its_tokens(
    world: TwitterWorld,
) -> None:
    """The refresh token we sent was already spent by another process, which stored the
    new one meanwhile: re-reading the row finds it, and the account stays active."""
    integration, stored = await connected(world)
    rotated = await world.directory.twitter(WorkspaceMode.LIVE).refresh(stored.credentials)
    world.clock.advance(LIFETIME)
    world.fake.delay_next("token", 0.3)

    ours = asyncio.create_task(world.refresher().execute(integration.id))
    await asyncio.sleep(0.1)  # our refresh is in flight; the other process commits
    world.store.credentials[integration.id] = StoredCredentials(rotated, stored.version + 1)
    got = await ours

    assert got.credentials == rotated
    assert (await world.integration(integration.id)).status is IntegrationStatus.ACTIVE


async def test_a_refresh_credential_past_its_known_expiry_is_token_expired_without_a_call(
    world: TwitterWorld,
) -> None:
    integration, stored = await connected(world)
    async with world.uow() as uow:
        await uow.credentials.put(
            integration.id,
            replace(stored.credentials, refresh_expires_at=NOW + timedelta(minutes=30)),
        )
        await uow.commit()
    world.clock.advance(timedelta(hours=1))
    refresher = world.refresher()

    still = await refresher.execute(integration.id)  # the access token still works
    assert still.credentials.access_token == stored.credentials.access_token
    world.clock.advance(LIFETIME)
    with pytest.raises(CredentialsRejected) as refused:
        await refresher.execute(integration.id)

    assert refused.value.reason == "token_expired"
    assert (await world.integration(integration.id)).status_reason is StatusReason.TOKEN_EXPIRED
    assert world.fake.requests["token"] == 1  # the code exchange only


async def test_no_refresh_token_and_an_expired_access_token_is_token_expired(
    world: TwitterWorld,
) -> None:
    integration, stored = await connected(world)
    async with world.uow() as uow:
        await uow.credentials.put(integration.id, replace(stored.credentials, refresh_token=None))
        await uow.commit()
    world.clock.advance(LIFETIME)
    with pytest.raises(CredentialsRejected, match="refused") as refused:
        await world.refresher().execute(integration.id)
    assert refused.value.reason == "token_expired"


@pytest.mark.parametrize("fault", ["fail", "reset", "malformed"])
async def test_transient_failures_change_nothing_and_nothing_was_posted(
    world: TwitterWorld, fault: str
) -> None:
    integration, stored = await connected(world)
    world.clock.advance(LIFETIME)
    getattr(world.fake, f"{fault}_next")("token")

    with pytest.raises(PlatformUnreachable) as failed:
        await world.refresher().execute(integration.id)

    assert failed.value.sent is False
    assert (await world.integration(integration.id)).status is IntegrationStatus.ACTIVE
    assert await world.stored(integration.id) == stored
    assert (await world.refresher().execute(integration.id)).credentials.access_token


async def test_a_disconnected_integration_has_no_credentials(world: TwitterWorld) -> None:
    integration, _ = await connected(world)
    async with world.uow() as uow:
        found = await uow.integrations.get_any(integration.id)
        assert found is not None
        found.disconnect(NOW)
        await uow.integrations.save(found)
        await uow.commit()
    with pytest.raises(IntegrationDisconnected):
        await world.refresher().execute(integration.id)


async def test_a_needs_refresh_integration_is_not_refreshed(world: TwitterWorld) -> None:
    integration, _ = await connected(world)
    async with world.uow() as uow:
        found = await uow.integrations.get_any(integration.id)
        assert found is not None
        found.credentials_rejected(StatusReason.TOKEN_REVOKED, NOW)
        await uow.integrations.save(found)
        await uow.commit()
    world.clock.advance(LIFETIME)
    with pytest.raises(CredentialsRejected) as refused:
        await world.refresher().execute(integration.id)
    assert refused.value.reason == "token_revoked"
    assert world.fake.token_refreshes == 0


async def test_a_synthetic_account_gets_placeholder_credentials(world: TwitterWorld) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    synthetic = next(i for i in ws.integrations if i.platform is Platform.TWITTER)
    got = await world.refresher().execute(synthetic.id)
    assert got.version == 0 and got.credentials.extra["username"] == synthetic.username


async def test_a_simulated_connect_is_refreshed_by_the_simulated_x(world: TwitterWorld) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    integration = await world.connect(ws)
    world.clock.advance(LIFETIME)
    got = (await world.refresher().execute(integration.id)).credentials
    assert got.access_token.startswith("simulated-")
    assert got.expires_at == world.clock.now() + LIFETIME
    assert sum(world.fake.requests.values()) == 0


async def test_an_unknown_integration_is_not_found(world: TwitterWorld) -> None:
    with pytest.raises(NotFound):
        await world.refresher().execute(uuid4())
