"""Parts that carry images, end to end: a thread to the fake X (each part's images uploaded,
then the part replying to the one before with its own media ids) and to the real local PDS
(each part's images embedded in its own record, under its reply refs); and a quote with
images on Bluesky, sent as `app.bsky.embed.recordWithMedia`. Records and blobs are read
back from the PDS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.live_publishing import POST_COLLECTION, Live, live_world, target_on
from tests.e2e.test_publish_media import blob, content_of, upload
from tests.fakes.x import DEFAULT_USER, FakeX
from tests.peers.bluesky_pds import LocalPds
from tests.support.media import png

pytestmark = pytest.mark.pds

NOON = datetime(2026, 4, 17, 12, 0, tzinfo=UTC)


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


async def publish(live: Live, body: dict[str, Any], expected: int) -> dict[str, Any]:
    body = {"schedule_at": "2026-04-17T12:00:00Z", "content": "", **body}
    answer = await live.api.client.post("/v1/posts", json=body, headers=live.headers)
    assert answer.status_code == 201, answer.text
    live.move_to(NOON)
    assert await live.run_publisher() == expected
    post = await live.post(answer.json()["id"])
    assert post["status"] == "published", post
    return post


def record_of(live: Live, did: str, uri: str) -> dict[str, Any]:
    record = live.pds.get_record(did, POST_COLLECTION, uri.rsplit("/", 1)[1])
    assert record is not None
    return record


async def test_a_thread_s_parts_carry_their_own_images_to_x_and_bluesky(live: Live) -> None:
    x = await live.connect_x()
    account = live.bluesky_account()
    sky = await live.connect_bluesky(account)
    red, blue = await upload(live, png(30, 20), "red"), await upload(live, png(40, 10), "blue")
    red_bytes, blue_bytes = await content_of(live, red), await content_of(live, blue)
    parts = [
        {"content": "1/3 a red one", "media": [red["id"]]},
        {"content": "2/3 words only"},
        {"content": "", "media": [blue["id"]]},
    ]
    post = await publish(live, {"integrations": [x["id"], sky["id"]], "thread_parts": parts}, 2)

    tweets = live.fake_x.tweets_by(DEFAULT_USER.id)
    assert [t.text for t in tweets] == ["1/3 a red one", "2/3 words only", ""]
    assert [t.in_reply_to_tweet_id for t in tweets] == [None, tweets[0].id, tweets[1].id]
    assert [len(t.media_ids) for t in tweets] == [1, 0, 1]
    sent = [live.fake_x.upload(t.media_ids[0]) for t in (tweets[0], tweets[2])]
    assert [(u.content, u.alt_text) for u in sent] == [(red_bytes, "red"), (blue_bytes, "blue")]
    x_parts = target_on(post, x["id"])["parts"]
    assert [p["media"] for p in x_parts] == [[red["id"]], [], [blue["id"]]]

    uris = [p["platform_post_id"] for p in target_on(post, sky["id"])["parts"]]
    first, second, third = (record_of(live, account.did, uri) for uri in uris)
    assert [i["alt"] for i in first["value"]["embed"]["images"]] == ["red"]
    assert blob(live.pds, account.did, first["value"]["embed"]["images"][0]) == red_bytes
    assert "embed" not in second["value"]
    [image] = third["value"]["embed"]["images"]
    assert blob(live.pds, account.did, image) == blue_bytes
    assert (image["aspectRatio"]["width"], image["aspectRatio"]["height"]) == (40, 10)
    for child, parent in ((second, first), (third, second)):
        reply = child["value"]["reply"]
        assert (reply["root"]["uri"], reply["root"]["cid"]) == (first["uri"], first["cid"])
        assert (reply["parent"]["uri"], reply["parent"]["cid"]) == (parent["uri"], parent["cid"])


async def test_a_quote_with_images_on_bluesky_is_record_with_media(live: Live) -> None:
    account = live.bluesky_account()
    sky = await live.connect_bluesky(account)
    author = live.pds.create_account()
    quoted = live.pds.xrpc(
        "com.atproto.repo.createRecord",
        token=author.access_jwt,
        body={
            "repo": author.did,
            "collection": POST_COLLECTION,
            "record": {
                "$type": POST_COLLECTION,
                "text": "quote me",
                "createdAt": "2026-04-17T10:00:00Z",
            },
        },
    ).json()
    picture = await upload(live, png(30, 20), "what I mean")
    picture_bytes = await content_of(live, picture)
    rkey = quoted["uri"].rsplit("/", 1)[1]
    overrides = {"bluesky": {"quote_of": f"https://bsky.app/profile/{author.handle}/post/{rkey}"}}
    body = {
        "integrations": [sky["id"]],
        "content": "this, with a picture",
        "media": [picture["id"]],
        "platform_overrides": overrides,
    }
    post = await publish(live, body, 1)

    record = record_of(live, account.did, target_on(post, sky["id"])["platform_post_id"])
    embed = record["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.recordWithMedia"
    assert embed["record"]["$type"] == "app.bsky.embed.record"
    strong = embed["record"]["record"]
    assert (strong["uri"], strong["cid"]) == (quoted["uri"], quoted["cid"])
    assert embed["media"]["$type"] == "app.bsky.embed.images"
    [image] = embed["media"]["images"]
    assert image["alt"] == "what I mean"
    assert blob(live.pds, account.did, image) == picture_bytes
