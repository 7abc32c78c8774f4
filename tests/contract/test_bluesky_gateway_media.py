"""Bluesky images against the real PDS: each blob read back with sync.getBlob, each record
with getRecord, as the lexicon and the contract want them."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from adapters.media.reencode import PillowImageFitter
from adapters.platforms.bluesky import AtprotoBlueskyGateway
from application.ports.credentials import Credentials
from application.ports.platforms import ContentRejected
from domain.media import MediaKind
from tests.peers.bluesky_pds import LocalPds
from tests.support.media import image_of, outgoing, png

POST = "app.bsky.feed.post"
ASPECT = {"$type": "app.bsky.embed.defs#aspectRatio"}  # the SDK writes it; optional


@pytest.fixture
async def gateway(bluesky_pds: LocalPds) -> AsyncIterator[AtprotoBlueskyGateway]:
    gateway = AtprotoBlueskyGateway(bluesky_pds.url, timeout=10, fitter=PillowImageFitter())
    yield gateway
    await gateway.aclose()


@pytest.fixture
async def credentials(bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway) -> Credentials:
    account = bluesky_pds.create_account()
    login = await gateway.login(account.handle, bluesky_pds.create_app_password(account))
    return login.credentials


def record_of(pds: LocalPds, credentials: Credentials, uri: str) -> dict[str, object]:
    record = pds.get_record(credentials.extra["did"], POST, uri.rsplit("/", 1)[1])
    assert record is not None
    return dict(record["value"])


def blob(pds: LocalPds, credentials: Credentials, image: dict[str, object]) -> bytes:
    ref = image["image"]
    assert isinstance(ref, dict)
    cid = ref["ref"]["$link"]
    params = {"did": credentials.extra["did"], "cid": cid}
    answer = pds.http.get("/xrpc/com.atproto.sync.getBlob", params=params)
    assert answer.status_code == 200
    return answer.content


async def test_images_carry_their_alt_text_and_aspect_ratio(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway, credentials: Credentials
) -> None:
    wide, tall = png(300, 200), png(100, 400)
    media = [image_of(wide), image_of(tall)]
    media[0] = outgoing(wide, size=(300, 200), alt_text="a wide red field")
    post = await gateway.publish(credentials, "two pictures", media)
    record = record_of(bluesky_pds, credentials, post.platform_post_id)
    embed = record["embed"]
    assert isinstance(embed, dict) and embed["$type"] == "app.bsky.embed.images"
    first, second = embed["images"]
    assert first["alt"] == "a wide red field" and second["alt"] == ""
    assert first["aspectRatio"] | ASPECT == {"width": 300, "height": 200} | ASPECT
    assert second["aspectRatio"] | ASPECT == {"width": 100, "height": 400} | ASPECT
    assert first["image"]["mimeType"] == "image/png"
    assert blob(bluesky_pds, credentials, first) == wide
    assert blob(bluesky_pds, credentials, second) == tall


async def test_an_image_over_1_mb_and_2000_px_is_re_encoded_to_fit(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway, credentials: Credentials
) -> None:
    big = png(2400, 1200, noisy=True)
    assert len(big) > 1_000_000
    media = outgoing(big, size=(2400, 1200), alt_text="noise")
    post = await gateway.publish(credentials, "", [media])
    [image] = record_of(bluesky_pds, credentials, post.platform_post_id)["embed"]["images"]  # type: ignore[index]
    sent = blob(bluesky_pds, credentials, image)
    assert len(sent) <= 1_000_000 and image["image"]["size"] == len(sent)
    assert image["image"]["mimeType"] == "image/jpeg"
    with Image.open(io.BytesIO(sent)) as decoded:
        assert decoded.size == (2000, 1000)
    assert image["aspectRatio"] | ASPECT == {"width": 2000, "height": 1000} | ASPECT
    assert image["alt"] == "noise"
    assert await media.read() == big


async def test_a_gif_or_a_video_is_not_supported_and_nothing_is_sent(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway, credentials: Credentials
) -> None:
    bluesky_pds.reset_counts()
    video = outgoing(b"v", kind=MediaKind.VIDEO, content_type="video/mp4")
    with pytest.raises(ContentRejected) as refused:
        await gateway.publish(credentials, "moving", [video])
    assert refused.value.code == "media_not_supported"
    assert "com.atproto.repo.uploadBlob" not in bluesky_pds.counts()
