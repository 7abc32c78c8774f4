"""The X adapter against the fake X: finding a post created before a 5xx, pacing by the
rate windows X reports (15 minutes and 24 hours), and thread parts, replies and quotes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import aiohttp
import httpx
import pytest

from adapters.clock import ManualClock
from adapters.platforms.twitter import AiohttpTwitterGateway, x_session
from application.ports.credentials import Credentials
from application.ports.platforms import ContentRejected, PlatformRateLimited, PlatformUnreachable
from application.ports.threads import OutgoingPart, PlatformPostRef, ReplyRefs, ReplyTargetNotFound
from domain.references import parse_x_reference
from tests.fakes.x import DEFAULT_CLIENT, DEFAULT_USER, FakeX
from tests.support.x import authorization_code, pkce, x_gateway


@pytest.fixture
def clock(fake_x: FakeX) -> ManualClock:
    """The gateway's clock on the fake's: X's resets are epoch seconds by its own time."""
    return ManualClock(datetime.fromtimestamp(int(fake_x.now()), UTC))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with x_session(2) as session:
        yield session


@pytest.fixture
def gateway(
    fake_x: FakeX, http: aiohttp.ClientSession, clock: ManualClock
) -> AiohttpTwitterGateway:
    return x_gateway(fake_x, http, clock)


@pytest.fixture
async def credentials(gateway: AiohttpTwitterGateway, fake_x: FakeX) -> Credentials:
    async with httpx.AsyncClient(follow_redirects=False, timeout=5) as browser:
        verifier, challenge = pkce()
        code = await authorization_code(browser, fake_x, challenge)
    got = await gateway.exchange_code(code, verifier, DEFAULT_CLIENT.redirect_uris[0])
    extra = {"user_id": DEFAULT_USER.id, "username": DEFAULT_USER.username}
    return replace(got, extra=extra)


# Recovering a post created before a 5xx ---------------------------------------------------


async def test_the_post_a_5xx_hid_is_found_after_the_duplicate_answer(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, credentials: Credentials
) -> None:
    fake_x.fail_next("create_tweet", 503, after_effect=True)
    with pytest.raises(PlatformUnreachable):
        await gateway.publish(credentials, "hello")
    with pytest.raises(ContentRejected):
        await gateway.publish(credentials, "hello")
    [created] = fake_x.tweets
    found = await gateway.find_recent(credentials, "hello")
    assert found is not None and found.platform_post_id == created.id
    assert found.url == f"https://x.com/{DEFAULT_USER.username}/status/{created.id}"


async def test_text_and_reply_parent_must_both_match(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, credentials: Credentials
) -> None:
    root = fake_x.seed_tweet(DEFAULT_USER.id, "root")
    fake_x.fail_next("create_tweet", 503, after_effect=True)
    with pytest.raises(PlatformUnreachable):
        await gateway.publish(credentials, "a reply")  # a plain post, no parent
    assert await gateway.find_recent(credentials, "a reply", in_reply_to=root.id) is None
    assert await gateway.find_recent(credentials, "other text") is None
    assert await gateway.find_recent(credentials, "a reply") is not None


async def test_without_a_stored_user_id_the_account_is_asked_for(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, credentials: Credentials
) -> None:
    await gateway.publish(credentials, "hello")
    older = replace(credentials, extra={"username": DEFAULT_USER.username})
    assert await gateway.find_recent(older, "hello") is not None
    assert fake_x.requests["users_me"] == 1


async def test_a_post_older_than_a_day_is_not_taken_for_ours(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, credentials: Credentials, clock: ManualClock
) -> None:
    fake_x.seed_tweet(DEFAULT_USER.id, "hello")
    clock.advance(timedelta(hours=25))
    assert await gateway.find_recent(credentials, "hello") is None


# Pacing by the reported windows -----------------------------------------------------------


async def test_a_used_up_15_minute_window_defers_the_next_post_without_sending_it(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, credentials: Credentials, clock: ManualClock
) -> None:
    fake_x.set_rate_limit("create_tweet", 2, 900)
    await gateway.publish(credentials, "one")
    await gateway.publish(credentials, "two")  # X reports: 0 remaining
    with pytest.raises(PlatformRateLimited) as deferred:
        await gateway.publish(credentials, "three")
    assert deferred.value.sent is False
    assert deferred.value.reset_at == clock.now() + timedelta(seconds=900)
    assert fake_x.requests["create_tweet"] == 2
    fake_x.advance(900)
    clock.advance(timedelta(seconds=900))
    await gateway.publish(credentials, "three")
    assert [t.text for t in fake_x.tweets] == ["one", "two", "three"]


async def test_the_24_hour_cap_defers_to_its_own_reset(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, credentials: Credentials, clock: ManualClock
) -> None:
    fake_x.set_daily_caps(user=1)
    await gateway.publish(credentials, "one")
    with pytest.raises(PlatformRateLimited) as deferred:
        await gateway.publish(credentials, "two")
    assert (deferred.value.sent, deferred.value.reset_at) == (
        False,
        clock.now() + timedelta(days=1),
    )
    assert fake_x.requests["create_tweet"] == 1


async def test_a_429_from_the_24_hour_cap_names_the_24_hour_reset(
    gateway: AiohttpTwitterGateway,
    fake_x: FakeX,
    credentials: Credentials,
    clock: ManualClock,
    http: aiohttp.ClientSession,
) -> None:
    fake_x.set_daily_caps(app=1)
    await gateway.publish(credentials, "one")
    unaware = x_gateway(fake_x, http, clock)  # another worker: it has not seen the headers
    with pytest.raises(PlatformRateLimited) as limited:
        await unaware.publish(credentials, "two")
    assert limited.value.sent is True
    assert limited.value.reset_at == clock.now() + timedelta(days=1)


async def test_the_app_cap_holds_back_every_account(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, credentials: Credentials
) -> None:
    fake_x.set_daily_caps(app=1)
    await gateway.publish(credentials, "one")
    someone_else = replace(credentials, extra={"user_id": "42"})
    with pytest.raises(PlatformRateLimited) as deferred:
        await gateway.publish(someone_else, "two")
    assert deferred.value.sent is False


# Thread parts, replies and quotes ---------------------------------------------------------


async def test_each_part_replies_to_the_one_before(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, credentials: Credentials
) -> None:
    first = await gateway.publish_part(credentials, OutgoingPart("1/2"))
    second = await gateway.publish_part(
        credentials, OutgoingPart("2/2", reply=ReplyRefs(first.ref, first.ref))
    )
    stored = {t.id: t for t in fake_x.tweets}
    assert stored[second.platform_post_id].in_reply_to_tweet_id == first.platform_post_id
    assert first.cid is None


async def test_a_reference_is_its_post_id_and_a_quote_names_it(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, credentials: Credentials
) -> None:
    quoted = fake_x.seed_tweet(DEFAULT_USER.id, "worth quoting")
    refs = await gateway.resolve(
        credentials, parse_x_reference(f"https://x.com/a/status/{quoted.id}")
    )
    await gateway.publish_part(credentials, OutgoingPart("so true", quote=refs.parent))
    assert fake_x.tweets[-1].quote_tweet_id == quoted.id


async def test_replying_to_or_quoting_a_deleted_post_is_reply_target_not_found(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, credentials: Credentials
) -> None:
    gone = fake_x.seed_tweet(DEFAULT_USER.id, "gone")
    fake_x.delete_tweet(gone.id)
    ref = PlatformPostRef(gone.id)
    for part in (OutgoingPart("hi", reply=ReplyRefs(ref, ref)), OutgoingPart("hi", quote=ref)):
        with pytest.raises(ReplyTargetNotFound) as refused:
            await gateway.publish_part(credentials, part)
        assert refused.value.code == "reply_target_not_found"
