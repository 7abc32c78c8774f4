"""TwitterGateway contract: the aiohttp adapter against the fake X over real loopback HTTP,
and the simulated gateway of test workspaces on the same happy path.

Each X failure must leave the adapter as the port error the publisher and token keeping
act on; `sent` must say whether a post may exist."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import aiohttp
import httpx
import pytest

from adapters.clock import ManualClock
from adapters.platforms.simulated import SimulatedTwitterGateway
from adapters.platforms.twitter import AiohttpTwitterGateway, x_session
from application.ports.credentials import Credentials
from application.ports.platforms import (
    AccessTokenExpired,
    ContentRejected,
    CredentialsRejected,
    PlatformRateLimited,
    PlatformUnreachable,
)
from application.ports.twitter import AuthorizationCodeRejected, TwitterGateway
from application.start_connect import TWITTER_SCOPES
from tests.fakes.x import DEFAULT_CLIENT, DEFAULT_USER, FakeX
from tests.support.x import authorization_code, pkce, x_gateway

NOW = datetime(2026, 4, 17, 10, 0, tzinfo=UTC)
REDIRECT = DEFAULT_CLIENT.redirect_uris[0]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with x_session(2) as session:
        yield session


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False, timeout=5) as client:
        yield client


@pytest.fixture
def gateway(
    fake_x: FakeX, http: aiohttp.ClientSession, clock: ManualClock
) -> AiohttpTwitterGateway:
    return x_gateway(fake_x, http, clock)


async def connected(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> Credentials:
    verifier, challenge = pkce()
    code = await authorization_code(browser, fake_x, challenge)
    credentials = await gateway.exchange_code(code, verifier, REDIRECT)
    return replace(credentials, extra={"username": DEFAULT_USER.username})


# The port's happy path, for both adapters -------------------------------------------------


@pytest.fixture(params=["x", "simulated"])
async def any_gateway(
    request: pytest.FixtureRequest,
    http: aiohttp.ClientSession,
    browser: httpx.AsyncClient,
    clock: ManualClock,
) -> tuple[TwitterGateway, str, str]:
    """(gateway, code, verifier): a gateway and a fresh code it will exchange."""
    verifier, challenge = pkce()
    if request.param == "simulated":
        simulated = SimulatedTwitterGateway(clock)
        return simulated, simulated.issue_code(challenge), verifier
    fake: FakeX = request.getfixturevalue("fake_x")
    code = await authorization_code(browser, fake, challenge)
    return x_gateway(fake, http, clock), code, verifier


async def test_a_code_becomes_tokens_a_profile_a_post_and_new_tokens(
    any_gateway: tuple[TwitterGateway, str, str],
) -> None:
    gateway, code, verifier = any_gateway
    credentials = await gateway.exchange_code(code, verifier, REDIRECT)
    assert credentials.access_token and credentials.refresh_token
    assert credentials.expires_at == NOW + timedelta(seconds=7200)
    assert set(credentials.scopes) == set(TWITTER_SCOPES)

    profile = await gateway.profile(credentials)
    assert profile.platform_user_id.isdigit() and profile.username and profile.display_name

    named = replace(credentials, extra={"username": profile.username})
    post = await gateway.publish(named, "hello from the contract")
    assert post.platform_post_id.isdigit()
    assert post.url == f"https://x.com/{profile.username}/status/{post.platform_post_id}"

    fresh = await gateway.refresh(named)
    assert fresh.access_token != credentials.access_token
    assert fresh.refresh_token != credentials.refresh_token
    assert dict(fresh.extra) == {"username": profile.username}
    await gateway.revoke(fresh)


async def test_a_code_with_another_verifier_is_refused(
    any_gateway: tuple[TwitterGateway, str, str],
) -> None:
    gateway, code, _ = any_gateway
    with pytest.raises(AuthorizationCodeRejected):
        await gateway.exchange_code(code, pkce()[0], REDIRECT)


# The code exchange ------------------------------------------------------------------------


async def test_exchange_reads_x_s_profile(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    profile = await gateway.profile(await connected(gateway, fake_x, browser))
    assert profile.platform_user_id == DEFAULT_USER.id
    assert profile.username == DEFAULT_USER.username
    assert profile.display_name == DEFAULT_USER.name
    assert profile.avatar_url == DEFAULT_USER.profile_image_url
    assert fake_x.code_exchanges == 1


@pytest.mark.parametrize(
    "image",
    [
        "javascript:alert(document.domain)",
        "http://169.254.169.254/latest/meta-data/",
        "data:image/png;base64,AAAA",
        "https://user:pass@pbs.twimg.com/a.jpg",
        " https://pbs.twimg.com/a.jpg",
    ],
)
async def test_an_avatar_that_is_not_a_plain_https_url_is_dropped(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient, image: str
) -> None:
    fake_x.register_user("77", "mallory", profile_image_url=image)
    fake_x.sign_in("77")
    profile = await gateway.profile(await connected(gateway, fake_x, browser))
    assert profile.username == "mallory"
    assert profile.avatar_url is None


async def test_a_public_client_names_itself_in_the_body(
    fake_x: FakeX, http: aiohttp.ClientSession, browser: httpx.AsyncClient, clock: ManualClock
) -> None:
    fake_x.register_client("public-app", None, [REDIRECT])
    gateway = x_gateway(fake_x, http, clock, client_id="public-app", client_secret=None)
    verifier, challenge = pkce()
    code = await authorization_code(browser, fake_x, challenge, client_id="public-app")
    credentials = await gateway.exchange_code(code, verifier, REDIRECT)
    assert (await gateway.profile(credentials)).username == DEFAULT_USER.username


async def test_a_code_older_than_30_seconds_is_refused(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    verifier, challenge = pkce()
    code = await authorization_code(browser, fake_x, challenge)
    fake_x.advance(31)
    with pytest.raises(AuthorizationCodeRejected, match="authorization code"):
        await gateway.exchange_code(code, verifier, REDIRECT)


async def test_a_code_works_once(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    verifier, challenge = pkce()
    code = await authorization_code(browser, fake_x, challenge)
    await gateway.exchange_code(code, verifier, REDIRECT)
    with pytest.raises(AuthorizationCodeRejected):
        await gateway.exchange_code(code, verifier, REDIRECT)


async def test_wrong_app_credentials_are_no_fault_of_the_account(
    fake_x: FakeX, http: aiohttp.ClientSession, browser: httpx.AsyncClient, clock: ManualClock
) -> None:
    gateway = x_gateway(fake_x, http, clock, client_secret="not-the-secret")
    verifier, challenge = pkce()
    code = await authorization_code(browser, fake_x, challenge)
    with pytest.raises(PlatformUnreachable, match="app credentials"):
        await gateway.exchange_code(code, verifier, REDIRECT)


async def test_granted_scopes_are_stored_as_granted(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    fake_x.grant_next_authorization(["tweet.read", "users.read"])
    verifier, challenge = pkce()
    code = await authorization_code(browser, fake_x, challenge)
    credentials = await gateway.exchange_code(code, verifier, REDIRECT)
    assert set(credentials.scopes) == {"tweet.read", "users.read"}
    assert credentials.refresh_token is None


@pytest.mark.parametrize("fault", ["fail", "malformed", "reset"])
async def test_a_failing_token_endpoint_is_unreachable(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient, fault: str
) -> None:
    verifier, challenge = pkce()
    code = await authorization_code(browser, fake_x, challenge)
    getattr(fake_x, f"{fault}_next")("token")
    with pytest.raises(PlatformUnreachable):
        await gateway.exchange_code(code, verifier, REDIRECT)


# Refresh: rotating, single-use refresh tokens ---------------------------------------------


async def test_refresh_rotates_and_the_spent_token_is_refused_for_good(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient, clock: ManualClock
) -> None:
    first = await connected(gateway, fake_x, browser)
    clock.advance(timedelta(hours=1))
    second = await gateway.refresh(first)
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert second.expires_at == clock.now() + timedelta(seconds=7200)
    assert second.scopes == first.scopes
    assert fake_x.token_refreshes == 1

    with pytest.raises(CredentialsRejected) as refused:
        await gateway.refresh(first)
    assert refused.value.reason == "token_revoked"

    third = await gateway.refresh(second)
    assert (await gateway.profile(third)).username == DEFAULT_USER.username
    assert fake_x.token_refreshes == 2


async def test_refresh_without_a_refresh_token_is_refused(gateway: AiohttpTwitterGateway) -> None:
    with pytest.raises(CredentialsRejected):
        await gateway.refresh(Credentials(access_token="a"))


async def test_a_refresh_lost_after_x_spent_the_token_leaves_it_spent(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    """Why token keeping must store the answer before anything else: a lost answer cannot
    be asked for again."""
    credentials = await connected(gateway, fake_x, browser)
    fake_x.reset_next("token", after_effect=True)
    with pytest.raises(PlatformUnreachable) as lost:
        await gateway.refresh(credentials)
    assert lost.value.sent is True
    with pytest.raises(CredentialsRejected):
        await gateway.refresh(credentials)


@pytest.mark.parametrize("status", [500, 503])
async def test_a_5xx_at_refresh_is_transient(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient, status: int
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    fake_x.fail_next("token", status)
    with pytest.raises(PlatformUnreachable):
        await gateway.refresh(credentials)
    assert (await gateway.refresh(credentials)).access_token


async def test_a_rate_limited_refresh_says_when_to_come_back(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    fake_x.rate_limit_next("token", reset_in=60)
    with pytest.raises(PlatformRateLimited) as limited:
        await gateway.refresh(credentials)
    assert limited.value.reset_at == datetime.fromtimestamp(int(fake_x.now()) + 60, UTC)


# The API: 401, 429, 5xx, cut connections, malformed answers, refused content -------------


async def test_an_expired_access_token_is_access_token_expired(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    fake_x.advance(7201)
    with pytest.raises(AccessTokenExpired):
        await gateway.profile(credentials)
    with pytest.raises(AccessTokenExpired):
        await gateway.publish(credentials, "too late")
    assert fake_x.tweets == []


async def test_a_publish_names_the_post_by_the_stored_username(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    post = await gateway.publish(credentials, "hello")
    [tweet] = fake_x.tweets
    assert post.platform_post_id == tweet.id and tweet.text == "hello"
    assert post.url == f"https://x.com/{DEFAULT_USER.username}/status/{tweet.id}"


async def test_rate_limited_reports_x_s_reset_time(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    fake_x.rate_limit_next("create_tweet", reset_in=120)
    with pytest.raises(PlatformRateLimited) as limited:
        await gateway.publish(credentials, "hello")
    assert limited.value.reset_at == datetime.fromtimestamp(int(fake_x.now()) + 120, UTC)
    assert fake_x.tweets == []


async def test_the_real_rate_window_is_reported_too(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    fake_x.set_rate_limit("create_tweet", 1, 900)
    await gateway.publish(credentials, "one")
    with pytest.raises(PlatformRateLimited) as limited:
        await gateway.publish(credentials, "two")
    assert limited.value.reset_at is not None
    assert limited.value.reset_at > datetime.fromtimestamp(fake_x.now(), UTC)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_5xx_publish_is_retryable(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient, status: int
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    fake_x.fail_next("create_tweet", status)
    with pytest.raises(PlatformUnreachable) as failed:
        await gateway.publish(credentials, "hello")
    assert failed.value.sent is False
    assert fake_x.tweets == []


async def test_a_post_created_before_a_5xx_comes_back_as_a_duplicate_on_retry(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    fake_x.fail_next("create_tweet", 503, after_effect=True)
    with pytest.raises(PlatformUnreachable):
        await gateway.publish(credentials, "hello")
    with pytest.raises(ContentRejected) as duplicate:
        await gateway.publish(credentials, "hello")
    assert duplicate.value.code == "duplicate_content"
    assert len(fake_x.tweets) == 1


@pytest.mark.parametrize("fault", ["reset", "malformed"])
async def test_a_publish_lost_after_sending_is_not_retryable(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient, fault: str
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    getattr(fake_x, f"{fault}_next")("create_tweet", after_effect=True)
    with pytest.raises(PlatformUnreachable) as lost:
        await gateway.publish(credentials, "hello")
    assert lost.value.sent is True
    assert len(fake_x.tweets) == 1


async def test_a_publish_that_times_out_is_not_retryable(
    fake_x: FakeX, browser: httpx.AsyncClient, clock: ManualClock
) -> None:
    async with x_session(0.2) as impatient:
        gateway = x_gateway(fake_x, impatient, clock)
        credentials = await connected(gateway, fake_x, browser)
        fake_x.hold_next("create_tweet")
        with pytest.raises(PlatformUnreachable) as slow:
            await gateway.publish(credentials, "hello")
    assert slow.value.sent is True
    assert fake_x.held("create_tweet") == 1  # it did reach X, which may still carry it out
    fake_x.release()


async def test_nothing_sent_when_x_cannot_be_reached(
    http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    gateway = AiohttpTwitterGateway(
        http, clock, api_url=f"http://127.0.0.1:{closed_port}", client_id="id"
    )
    with pytest.raises(PlatformUnreachable) as down:
        await gateway.publish(Credentials(access_token="a"), "hello")
    assert down.value.sent is False


async def test_a_duplicate_post_is_refused_with_x_s_message(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    await gateway.publish(credentials, "same words")
    with pytest.raises(ContentRejected) as refused:
        await gateway.publish(credentials, "same words")
    assert refused.value.code == "duplicate_content"
    assert "duplicate content" in str(refused.value)


async def test_a_post_too_long_is_refused_with_x_s_message(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    with pytest.raises(ContentRejected) as refused:
        await gateway.publish(credentials, "x" * 281)
    assert refused.value.code == "content_rejected"
    assert "too long" in str(refused.value)
    assert fake_x.tweets == []


# Revoke -----------------------------------------------------------------------------------


async def test_revoke_ends_both_tokens(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    await gateway.revoke(credentials)
    assert fake_x.revocations == 2
    with pytest.raises(AccessTokenExpired):
        await gateway.profile(credentials)
    with pytest.raises(CredentialsRejected):
        await gateway.refresh(credentials)


async def test_a_failing_revoke_raises_for_the_caller_to_log(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, browser: httpx.AsyncClient
) -> None:
    credentials = await connected(gateway, fake_x, browser)
    fake_x.fail_next("revoke", 503)
    with pytest.raises(PlatformUnreachable):
        await gateway.revoke(credentials)
    assert fake_x.revocations == 1
