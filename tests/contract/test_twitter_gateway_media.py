"""The X adapter publishes media through X's v2 upload, against the fake X."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import aiohttp
import httpx
import pytest

from adapters.clock import ManualClock
from adapters.media.reencode import PillowImageFitter
from adapters.platforms.twitter import AiohttpTwitterGateway, x_session
from adapters.platforms.twitter_media import CHUNK_BYTES, XMediaUploader
from application.ports.credentials import Credentials
from application.ports.platforms import ContentRejected, PlatformUnreachable
from application.start_connect import TWITTER_SCOPES
from domain.media import MediaKind
from tests.fakes.x import DEFAULT_CLIENT, DEFAULT_USER, FakeX
from tests.support.media import outgoing, png
from tests.support.x import authorization_code, pkce

MB = 1024 * 1024


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with x_session(5) as session:
        yield session


@pytest.fixture
def gateway(fake_x: FakeX, http: aiohttp.ClientSession) -> AiohttpTwitterGateway:
    return AiohttpTwitterGateway(
        http,
        ManualClock(datetime(2026, 4, 17, tzinfo=UTC)),
        api_url=fake_x.url(""),
        client_id=DEFAULT_CLIENT.client_id,
        client_secret=DEFAULT_CLIENT.secret,
        fitter=PillowImageFitter(),
        media_poll_cap_s=0.0,
    )


async def connect(
    gateway: AiohttpTwitterGateway, fake_x: FakeX, scopes: tuple[str, ...] = TWITTER_SCOPES
) -> Credentials:
    verifier, challenge = pkce()
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        code = await authorization_code(browser, fake_x, challenge, scopes=scopes)
    credentials = await gateway.exchange_code(code, verifier, DEFAULT_CLIENT.redirect_uris[0])
    return replace(credentials, extra={"username": DEFAULT_USER.username})


@pytest.fixture
async def credentials(gateway: AiohttpTwitterGateway, fake_x: FakeX) -> Credentials:
    return await connect(gateway, fake_x)


async def test_images_are_uploaded_described_and_posted_in_order(
    gateway: AiohttpTwitterGateway, credentials: Credentials, fake_x: FakeX
) -> None:
    first, second = png(40, 30), png(30, 40)
    media = [outgoing(first, alt_text="a red field"), outgoing(second)]
    post = await gateway.publish(credentials, "two pictures", media)
    [tweet] = fake_x.tweets
    assert tweet.id == post.platform_post_id and tweet.text == "two pictures"
    uploads = [fake_x.upload(media_id) for media_id in tweet.media_ids]
    assert [u.content for u in uploads] == [first, second]
    assert [u.alt_text for u in uploads] == ["a red field", None]
    assert {u.category for u in uploads} == {"tweet_image"}


async def test_a_video_goes_in_4_mib_chunks_and_waits_for_processing(
    gateway: AiohttpTwitterGateway, credentials: Credentials, fake_x: FakeX
) -> None:
    video = bytes(range(256)) * (9 * MB // 256 + 7)
    await gateway.publish(
        credentials, "", [outgoing(video, kind=MediaKind.VIDEO, content_type="video/mp4")]
    )
    [tweet] = fake_x.tweets
    assert tweet.text == ""
    upload = fake_x.upload(tweet.media_ids[0])
    assert upload.content == video and upload.category == "tweet_video"
    assert fake_x.requests["media_append"] == -(-len(video) // CHUNK_BYTES) == 3
    assert fake_x.requests["media_status"] == 2


async def test_an_image_over_x_s_5_mb_is_re_encoded_and_the_original_left_alone(
    gateway: AiohttpTwitterGateway, credentials: Credentials, fake_x: FakeX
) -> None:
    big = png(1400, 1400, noisy=True)
    assert len(big) > 5 * MB
    media = outgoing(big, size=(1400, 1400))
    await gateway.publish(credentials, "big", [media])
    upload = fake_x.upload(fake_x.tweets[0].media_ids[0])
    assert len(upload.content) <= 5 * MB and upload.media_type == "image/jpeg"
    assert await media.read() == big


async def test_a_failed_upload_sent_nothing_and_may_be_retried(
    gateway: AiohttpTwitterGateway, credentials: Credentials, fake_x: FakeX
) -> None:
    fake_x.reset_next("media_finalize")
    with pytest.raises(PlatformUnreachable) as lost:
        await gateway.publish(credentials, "retry me", [outgoing(png(5, 5))])
    assert lost.value.sent is False
    assert fake_x.tweets == []
    await gateway.publish(credentials, "retry me", [outgoing(png(5, 5))])
    assert len(fake_x.tweets) == 1


async def test_a_5xx_on_append_is_transient(
    gateway: AiohttpTwitterGateway, credentials: Credentials, fake_x: FakeX
) -> None:
    fake_x.fail_next("media_append", 503)
    with pytest.raises(PlatformUnreachable) as failed:
        await gateway.publish(credentials, "later", [outgoing(png(5, 5))])
    assert failed.value.sent is False


async def test_processing_that_fails_is_a_refusal_of_the_media(
    gateway: AiohttpTwitterGateway, credentials: Credentials, fake_x: FakeX
) -> None:
    fake_x.fail_media_processing_next()
    gif = outgoing(b"GIF89a" + b"\0" * 50, kind=MediaKind.GIF, content_type="image/gif")
    with pytest.raises(ContentRejected) as refused:
        await gateway.publish(credentials, "moving", [gif])
    assert refused.value.code == "media_rejected"
    assert "Unsupported media" in str(refused.value)
    assert fake_x.tweets == []


async def test_a_token_without_media_write_is_the_missing_scope(
    gateway: AiohttpTwitterGateway, fake_x: FakeX
) -> None:
    without = await connect(gateway, fake_x, tuple(s for s in TWITTER_SCOPES if s != "media.write"))
    with pytest.raises(ContentRejected) as refused:
        await gateway.publish(without, "no media for me", [outgoing(png(5, 5))])
    assert refused.value.code == "integration_missing_scope"


async def test_a_mix_x_refuses_never_leaves(
    gateway: AiohttpTwitterGateway, credentials: Credentials, fake_x: FakeX
) -> None:
    video = outgoing(b"v", kind=MediaKind.VIDEO, content_type="video/mp4")
    with pytest.raises(ContentRejected):
        await gateway.publish(credentials, "mixed", [video, outgoing(png(5, 5))])
    assert fake_x.requests["media_initialize"] == 0


@pytest.mark.parametrize(("cap_s", "waits"), [(0.25, [0.25, 0.25]), (5.0, [1.0, 1.0])])
async def test_processing_is_polled_after_x_s_check_after_secs_never_beyond_the_cap(
    fake_x: FakeX, http: aiohttp.ClientSession, cap_s: float, waits: list[float]
) -> None:
    gateway = AiohttpTwitterGateway(
        http,
        ManualClock(datetime(2026, 4, 17, tzinfo=UTC)),
        api_url=fake_x.url(""),
        client_id=DEFAULT_CLIENT.client_id,
        client_secret=DEFAULT_CLIENT.secret,
    )
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    gateway.media = XMediaUploader(gateway._send, None, cap_s, sleep)
    credentials = await connect(gateway, fake_x)
    video = outgoing(b"v" * 10, kind=MediaKind.VIDEO, content_type="video/mp4")
    await gateway.publish(credentials, "moving", [video])
    assert slept == waits
