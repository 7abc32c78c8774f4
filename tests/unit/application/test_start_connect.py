"""Starting a connect: X gets an OAuth 2.0 URL with PKCE and a stored single-use state,
Bluesky gets instructions, platforms pending approval are refused."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from application.errors import PlatformNotConfigured, PlatformUnavailable
from application.start_connect import (
    ConnectConfig,
    CredentialsConnect,
    OAuthConnect,
    StartConnect,
    code_challenge,
)
from domain.platform import Platform
from domain.workspace import Workspace, WorkspaceMode
from tests.unit.application.world import World

PUBLIC_URL = "https://openpost.example"
AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
CONFIG = ConnectConfig(
    public_url=PUBLIC_URL, twitter_client_id="client-123", twitter_authorize_url=AUTHORIZE_URL
)
PENDING = [p for p in Platform if p not in (Platform.TWITTER, Platform.BLUESKY)]


async def start(
    world: World,
    workspace: Workspace,
    platform: Platform = Platform.TWITTER,
    config: ConnectConfig = CONFIG,
) -> OAuthConnect | CredentialsConnect:
    use_case = StartConnect(world.uow(), world.clock, config)
    return await use_case.execute(workspace.id, workspace.mode, platform)


async def start_twitter(
    world: World, workspace: Workspace, config: ConnectConfig = CONFIG
) -> OAuthConnect:
    answer = await start(world, workspace, Platform.TWITTER, config)
    assert isinstance(answer, OAuthConnect)
    return answer


def query(url: str) -> dict[str, str]:
    parsed = parse_qs(urlsplit(url).query, strict_parsing=True)
    assert all(len(values) == 1 for values in parsed.values())
    return {name: values[0] for name, values in parsed.items()}


def test_the_code_challenge_is_s256_of_the_verifier_as_in_rfc_7636() -> None:
    """The example of RFC 7636, appendix B."""
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


async def test_the_x_url_carries_every_parameter_of_the_authorization_request(
    world: World,
) -> None:
    answer = await start_twitter(world, world.workspace())

    assert answer.auth_type == "oauth"
    assert answer.url.startswith(AUTHORIZE_URL + "?")
    assert query(answer.url) == {
        "response_type": "code",
        "client_id": "client-123",
        "redirect_uri": f"{PUBLIC_URL}/api/platforms/twitter/callback",
        "scope": "tweet.read tweet.write users.read offline.access media.write",
        "state": answer.state,
        "code_challenge": code_challenge(answer.code_verifier),
        "code_challenge_method": "S256",
    }
    assert answer.redirect_uri == f"{PUBLIC_URL}/api/platforms/twitter/callback"


async def test_spaces_in_the_scope_are_encoded_as_percent_20(world: World) -> None:
    answer = await start_twitter(world, world.workspace())
    assert "scope=tweet.read%20tweet.write%20users.read%20offline.access%20media.write" in answer.url


async def test_the_verifier_is_what_rfc_7636_allows(world: World) -> None:
    answer = await start_twitter(world, world.workspace())
    assert re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", answer.code_verifier)


async def test_each_connect_gets_its_own_state_and_verifier(world: World) -> None:
    workspace = world.workspace()
    first, second = await start_twitter(world, workspace), await start_twitter(world, workspace)
    assert first.state != second.state
    assert first.code_verifier != second.code_verifier


async def test_the_state_is_stored_for_ten_minutes_with_the_verifier(world: World) -> None:
    workspace = world.workspace()
    answer = await start_twitter(world, workspace)

    stored = world.store.oauth_states[answer.state]
    assert stored.workspace_id == workspace.id
    assert stored.platform is Platform.TWITTER
    assert stored.code_verifier == answer.code_verifier
    assert stored.redirect_uri == answer.redirect_uri
    assert stored.created_at == world.clock.now()
    assert stored.expires_at == world.clock.now() + timedelta(minutes=10)
    assert not stored.is_expired(world.clock.now() + timedelta(minutes=9, seconds=59))
    assert stored.is_expired(world.clock.now() + timedelta(minutes=10))


async def test_a_state_can_be_spent_once(world: World) -> None:
    answer = await start_twitter(world, world.workspace())
    async with world.uow() as uow:
        first = await uow.oauth_states.consume(answer.state)
        second = await uow.oauth_states.consume(answer.state)
        await uow.commit()
    assert first is not None and first.code_verifier == answer.code_verifier
    assert second is None
    assert answer.state not in world.store.oauth_states


async def test_expired_states_are_swept_when_a_new_connect_starts(world: World) -> None:
    workspace = world.workspace()
    old = await start_twitter(world, workspace)
    world.clock.advance(timedelta(minutes=10))
    new = await start_twitter(world, workspace)
    assert set(world.store.oauth_states) == {new.state}
    assert old.state != new.state


async def test_a_live_workspace_needs_an_x_client_id(world: World) -> None:
    unconfigured = ConnectConfig(PUBLIC_URL, None, AUTHORIZE_URL)
    with pytest.raises(PlatformNotConfigured):
        await start(world, world.workspace(WorkspaceMode.LIVE), config=unconfigured)
    assert world.store.oauth_states == {}


async def test_a_test_workspace_is_sent_to_the_simulated_consent_screen(world: World) -> None:
    unconfigured = ConnectConfig(PUBLIC_URL + "/", None, AUTHORIZE_URL)
    answer = await start_twitter(world, world.workspace(WorkspaceMode.TEST), unconfigured)

    simulated = f"{PUBLIC_URL}/api/platforms/twitter/simulated-authorize"
    assert answer.url.startswith(simulated + "?")
    params = query(answer.url)
    assert params["state"] == answer.state
    assert params["code_challenge"] == code_challenge(answer.code_verifier)
    assert params["redirect_uri"] == f"{PUBLIC_URL}/api/platforms/twitter/callback"
    assert answer.state in world.store.oauth_states


@pytest.mark.parametrize("platform", PENDING)
async def test_platforms_pending_approval_cannot_be_connected(
    world: World, platform: Platform
) -> None:
    with pytest.raises(PlatformUnavailable):
        await start(world, world.workspace(), platform)
    assert world.store.oauth_states == {}


async def test_bluesky_answers_with_instructions_for_an_app_password(world: World) -> None:
    answer = await start(world, world.workspace(), Platform.BLUESKY)

    assert isinstance(answer, CredentialsConnect)
    assert answer.auth_type == "credentials"
    assert answer.method == "POST"
    assert answer.url == f"{PUBLIC_URL}/v1/integrations/bluesky/connect"
    assert answer.fields == ("identifier", "password")
    assert "app password" in answer.instructions
    assert world.store.oauth_states == {}
