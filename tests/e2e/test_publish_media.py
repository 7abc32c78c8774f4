"""A post with images, uploaded through the API, published to the fake X (v2 chunked upload,
alt text, then the post with its media ids) and to the real local PDS (blobs embedded with
alt text and aspect ratio, re-encoded under 1,000,000 bytes); the stored originals stay as
they were. And an X account connected without `media.write` is refused media at create."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.e2e.live_publishing import POST_COLLECTION, Live, live_world, target_on
from tests.fakes.x import FakeX
from tests.peers.bluesky_pds import LocalPds
from tests.support.media import png

pytestmark = pytest.mark.pds

NOON = datetime(2026, 4, 17, 12, 0, tzinfo=UTC)
WITHOUT_MEDIA_WRITE = ["tweet.read", "tweet.write", "users.read", "offline.access"]


@pytest.fixture
async def live(
    database_url: str, fake_x: FakeX, bluesky_pds: LocalPds, tmp_path: Path
) -> AsyncIterator[Live]:
    async with live_world(
        database_url,
        fake_x,
        bluesky_pds,
        OPENPOST_MEDIA_DIR=str(tmp_path / "media"),
        OPENPOST_TWITTER_MEDIA_POLL_MAX_MS="0",
    ) as world:
        yield world


async def upload(live: Live, content: bytes, alt_text: str) -> dict[str, Any]:
    answer = await live.api.client.post(
        "/v1/media",
        headers=live.headers,
        files={"file": ("picture.png", content, "image/png")},
        data={"alt_text": alt_text},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def content_of(live: Live, media: dict[str, Any]) -> bytes:
    answer = await live.api.client.get(f"/v1/media/{media['id']}/content", headers=live.headers)
    assert answer.status_code == 200
    return answer.content


async def test_images_are_published_to_x_and_bluesky_as_each_takes_them(live: Live) -> None:
    x = await live.connect_x()
    account = live.bluesky_account()
    bluesky = await live.connect_bluesky(account)
    small = await upload(live, png(300, 200), "a small red field")
    big = await upload(live, png(2400, 1200, noisy=True), "noise, wide")
    small_bytes, big_bytes = await content_of(live, small), await content_of(live, big)
    answer = await live.api.client.post(
        "/v1/posts",
        json={
            "content": "two pictures",
            "integrations": [x["id"], bluesky["id"]],
            "schedule_at": "2026-04-17T12:00:00Z",
            "media": [small["id"], big["id"]],
        },
        headers=live.headers,
    )
    assert answer.status_code == 201, answer.text

    live.move_to(NOON)
    assert await live.run_publisher() == 2
    post = await live.post(answer.json()["id"])
    assert post["status"] == "published", post

    [tweet] = live.fake_x.tweets
    assert tweet.id == target_on(post, x["id"])["platform_post_id"]
    first, second = (live.fake_x.upload(media_id) for media_id in tweet.media_ids)
    assert first.content == small_bytes and first.alt_text == "a small red field"
    assert len(second.content) <= 5 * 1024 * 1024 and second.media_type == "image/jpeg"
    assert second.alt_text == "noise, wide"

    uri = target_on(post, bluesky["id"])["platform_post_id"]
    record = live.pds.get_record(account.did, POST_COLLECTION, uri.rsplit("/", 1)[1])
    assert record is not None
    images = record["value"]["embed"]["images"]
    assert [i["alt"] for i in images] == ["a small red field", "noise, wide"]
    sizes = [(i["aspectRatio"]["width"], i["aspectRatio"]["height"]) for i in images]
    assert sizes == [(300, 200), (2000, 1000)]
    blobs = [blob(live.pds, account.did, i) for i in images]
    assert blobs[0] == small_bytes and images[0]["image"]["mimeType"] == "image/png"
    assert len(blobs[1]) <= 1_000_000 and images[1]["image"]["mimeType"] == "image/jpeg"
    with Image.open(io.BytesIO(blobs[1])) as sent:
        assert sent.size == (2000, 1000)

    assert await content_of(live, big) == big_bytes
    assert hashlib.sha256(big_bytes).hexdigest() == big["sha256"]


async def test_an_x_account_without_media_write_is_warned_and_refused_media(
    live: Live,
) -> None:
    live.fake_x.grant_next_authorization(WITHOUT_MEDIA_WRITE)
    x = await live.connect_x()
    assert x["warnings"] == ["media_scope_missing"]
    media = await upload(live, png(30, 20), "")
    body = {"content": "with a picture", "integrations": [x["id"]], "media": [media["id"]]}
    refused = await live.api.client.post("/v1/posts", json=body, headers=live.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "integration_missing_scope"
    assert refused.json()["details"]["field"] == "integrations[0]"
    text_only = {"content": "words only", "integrations": [x["id"]]}
    assert (
        await live.api.client.post("/v1/posts", json=text_only, headers=live.headers)
    ).status_code == 201

    again = await live.connect_x()
    assert again["id"] == x["id"] and again["warnings"] == []
    assert (
        await live.api.client.post("/v1/posts", json=body, headers=live.headers)
    ).status_code == 201


def blob(pds: LocalPds, did: str, image: dict[str, Any]) -> bytes:
    params = {"did": did, "cid": image["image"]["ref"]["$link"]}
    answer = pds.http.get("/xrpc/com.atproto.sync.getBlob", params=params)
    assert answer.status_code == 200
    return answer.content
