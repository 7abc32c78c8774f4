"""Completing an X connect: the rules of the callback, over memory adapters and the fake X
(live workspaces) or the simulated X (test workspaces)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from adapters.ids import Uuid7Generator
from adapters.platforms.directory import StaticPlatformDirectory
from application.complete_twitter_connect import CompleteTwitterConnect, TwitterCallback
from application.connect_errors import (
    AuthorizationDenied,
    ExpiredConnectState,
    MissingAuthorizationCode,
    ScopesNotGranted,
    UnknownConnectState,
)
from application.errors import PlatformNotConfigured
from application.ports.platforms import PlatformUnreachable
from application.ports.twitter import AuthorizationCodeRejected
from application.workspaces import SYNTHETIC_PROFILES
from domain.errors import MediaScopeMissing
from domain.integration import IntegrationStatus, IntegrationWarning, StatusReason
from domain.platform import Platform
from domain.workspace import WorkspaceMode
from tests.fakes.x import DEFAULT_USER
from tests.unit.application.twitter_world import (  # noqa: F401  (the fixture)
    NOW,
    TwitterWorld,
    world_fixture,
)


async def test_a_consented_code_connects_the_account(world: TwitterWorld) -> None:
    ws = await world.workspace()
    done = await world.complete().execute(await world.authorize(ws))

    integration = done.integration
    assert not done.reactivated
    assert integration.platform is Platform.TWITTER
    assert integration.workspace_id == ws.workspace.id
    assert integration.status is IntegrationStatus.ACTIVE
    assert integration.platform_user_id == DEFAULT_USER.id
    assert integration.username == DEFAULT_USER.username
    assert integration.display_name == DEFAULT_USER.name
    assert integration.avatar_url == DEFAULT_USER.profile_image_url
    assert integration.connected_at == NOW

    stored = await world.stored(integration.id)
    assert stored is not None
    credentials = stored.credentials
    assert credentials.refresh_token and credentials.access_token
    assert credentials.expires_at == NOW + timedelta(seconds=7200)
    assert "tweet.write" in credentials.scopes
    assert dict(credentials.extra) == {
        "user_id": DEFAULT_USER.id,
        "username": DEFAULT_USER.username,
    }
    assert world.fake.code_exchanges == 1


async def test_the_same_account_again_reactivates_the_same_integration(
    world: TwitterWorld,
) -> None:
    ws = await world.workspace()
    first = await world.connect(ws)
    before = await world.stored(first.id)
    async with world.uow() as uow:
        gone = await uow.integrations.get_any(first.id)
        assert gone is not None
        gone.credentials_rejected(StatusReason.TOKEN_REVOKED, NOW)
        await uow.integrations.save(gone)
        await uow.commit()
    world.clock.advance(timedelta(hours=1))

    again = await world.complete().execute(await world.authorize(ws))

    assert again.reactivated and again.integration.id == first.id
    assert again.integration.status is IntegrationStatus.ACTIVE
    assert again.integration.status_reason is None
    assert again.integration.connected_at == NOW + timedelta(hours=1)
    after = await world.stored(first.id)
    assert before is not None and after is not None
    assert after.credentials.access_token != before.credentials.access_token


async def test_a_disconnected_account_comes_back_with_its_id(world: TwitterWorld) -> None:
    ws = await world.workspace()
    first = await world.connect(ws)
    async with world.uow() as uow:
        gone = await uow.integrations.get_any(first.id)
        assert gone is not None
        gone.disconnect(NOW)
        await uow.integrations.save(gone)
        await uow.credentials.erase(first.id)
        await uow.commit()

    again = await world.connect(ws)

    assert again.id == first.id and again.status is IntegrationStatus.ACTIVE
    assert await world.stored(first.id) is not None


async def test_the_same_account_in_another_workspace_is_another_integration(
    world: TwitterWorld,
) -> None:
    one = await world.connect(await world.workspace())
    two = await world.connect(await world.workspace())
    assert one.id != two.id and one.platform_user_id == two.platform_user_id


async def test_another_account_in_the_same_workspace_is_another_integration(
    world: TwitterWorld,
) -> None:
    ws = await world.workspace()
    first = await world.connect(ws)
    world.fake.register_user("42", "second", "Second Account")
    world.fake.sign_in("42")
    second = await world.connect(ws)
    assert second.id != first.id and second.username == "second"


async def test_a_state_is_spent_even_when_the_callback_fails(world: TwitterWorld) -> None:
    ws = await world.workspace()
    callback = await world.authorize(ws)
    world.fake.fail_next("token", 503)
    with pytest.raises(PlatformUnreachable):
        await world.complete().execute(callback)
    with pytest.raises(UnknownConnectState):
        await world.complete().execute(callback)
    assert world.store.oauth_states == {}


async def test_a_state_works_once(world: TwitterWorld) -> None:
    callback = await world.authorize(await world.workspace())
    await world.complete().execute(callback)
    with pytest.raises(UnknownConnectState):
        await world.complete().execute(callback)
    assert world.fake.code_exchanges == 1


@pytest.mark.parametrize("state", [None, "", "never-issued"])
async def test_an_unknown_state_is_refused_before_x_is_called(
    world: TwitterWorld, state: str | None
) -> None:
    with pytest.raises(UnknownConnectState):
        await world.complete().execute(TwitterCallback(state, "some-code"))
    assert world.fake.requests["token"] == 0


async def test_an_expired_state_is_refused(world: TwitterWorld) -> None:
    callback = await world.authorize(await world.workspace())
    world.clock.advance(timedelta(minutes=10))
    with pytest.raises(ExpiredConnectState):
        await world.complete().execute(callback)
    assert world.fake.requests["token"] == 0


async def test_access_denied_connects_nothing(world: TwitterWorld) -> None:
    ws = await world.workspace()
    world.fake.deny_next_authorization()
    callback = await world.authorize(ws)
    assert callback.error == "access_denied" and callback.code is None
    with pytest.raises(AuthorizationDenied, match="denied"):
        await world.complete().execute(callback)
    with pytest.raises(UnknownConnectState):
        await world.complete().execute(callback)
    assert world.store.oauth_states == {}
    assert len(world.store.integrations) == 0


async def test_a_callback_without_a_code_is_refused(world: TwitterWorld) -> None:
    callback = await world.authorize(await world.workspace())
    with pytest.raises(MissingAuthorizationCode):
        await world.complete().execute(replace(callback, code=None))


async def test_a_grant_without_tweet_write_is_refused_and_its_tokens_revoked(
    world: TwitterWorld,
) -> None:
    ws = await world.workspace()
    world.fake.grant_next_authorization(["tweet.read", "users.read", "offline.access"])
    with pytest.raises(ScopesNotGranted) as refused:
        await world.complete().execute(await world.authorize(ws))
    assert refused.value.missing == ("tweet.write",)
    assert "tweet.write" in str(refused.value)
    assert world.fake.revocations == 2
    assert len(world.store.integrations) == 0


async def test_a_grant_without_media_write_connects_with_the_media_scope_warning(
    world: TwitterWorld,
) -> None:
    ws = await world.workspace()
    world.fake.grant_next_authorization(
        ["tweet.read", "tweet.write", "users.read", "offline.access"]
    )
    connected = await world.complete().execute(await world.authorize(ws))
    assert connected.integration.warnings == (IntegrationWarning.MEDIA_SCOPE_MISSING,)
    with pytest.raises(MediaScopeMissing):
        connected.integration.ensure_can_post_media()
    again = await world.complete().execute(await world.authorize(ws))
    assert again.reactivated and again.integration.warnings == ()
    again.integration.ensure_can_post_media()


async def test_a_code_x_refuses_is_a_refusal(world: TwitterWorld) -> None:
    callback = await world.authorize(await world.workspace())
    world.fake.advance(31)
    with pytest.raises(AuthorizationCodeRejected):
        await world.complete().execute(callback)


async def test_a_failing_profile_read_connects_nothing_and_revokes(world: TwitterWorld) -> None:
    callback = await world.authorize(await world.workspace())
    world.fake.fail_next("users_me", 503)
    with pytest.raises(PlatformUnreachable):
        await world.complete().execute(callback)
    assert world.fake.revocations == 2
    assert world.store.integrations == {}


async def test_a_live_state_after_x_was_unconfigured_is_not_configured(
    world: TwitterWorld,
) -> None:
    callback = await world.authorize(await world.workspace())
    unconfigured = StaticPlatformDirectory(live={}, simulated=world.directory.simulated)
    complete = CompleteTwitterConnect(world.uow(), world.clock, Uuid7Generator(), unconfigured)
    with pytest.raises(PlatformNotConfigured):
        await complete.execute(callback)


# Test workspaces: the simulated X, offline ------------------------------------------------


async def test_a_test_workspace_connects_its_synthetic_account_offline(
    world: TwitterWorld,
) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    synthetic = next(i for i in ws.integrations if i.platform is Platform.TWITTER)

    done = await world.complete().execute(await world.authorize(ws))

    assert done.reactivated and done.integration.id == synthetic.id
    assert done.integration.username == SYNTHETIC_PROFILES[Platform.TWITTER].username
    stored = await world.stored(synthetic.id)
    assert stored is not None and stored.credentials.access_token.startswith("simulated-")
    assert sum(world.fake.requests.values()) == 0


async def test_the_simulated_consent_refuses_a_live_workspace_state(world: TwitterWorld) -> None:
    started = await world.start(await world.workspace(WorkspaceMode.LIVE))
    with pytest.raises(UnknownConnectState):
        await world.simulate().execute(started.state, "challenge")


async def test_the_simulated_consent_does_not_spend_the_state(world: TwitterWorld) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    started = await world.start(ws)
    await world.simulate().execute(started.state, "challenge")
    assert started.state in world.store.oauth_states


async def test_the_simulated_consent_refuses_expired_and_unknown_states(
    world: TwitterWorld,
) -> None:
    started = await world.start(await world.workspace(WorkspaceMode.TEST))
    with pytest.raises(UnknownConnectState):
        await world.simulate().execute("nope", "challenge")
    world.clock.advance(timedelta(minutes=11))
    with pytest.raises(ExpiredConnectState):
        await world.simulate().execute(started.state, "challenge")
