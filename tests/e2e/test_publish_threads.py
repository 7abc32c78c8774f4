"""Threads, replies and quotes published end to end: scheduled over HTTP, sent by the real
publisher to the fake X (faults injected there) and to the real local PDS (records read
back), under a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.live_publishing import Live, live_world
from tests.e2e.test_platform_faults import (
    PLATFORM_TIMEOUT_S,
    align_clocks,
    publish_at,
    retry_when_due,
    rfc3339,
)
from tests.fakes.x import DEFAULT_USER, FakeX
from tests.peers.bluesky_pds import LocalPds

pytestmark = pytest.mark.pds

PARTS = [{"content": "1/3 Why threads"}, {"content": "2/3 How they chain"}, {"content": "3/3 Done"}]


@pytest.fixture
async def live(database_url: str, fake_x: FakeX, bluesky_pds: LocalPds) -> AsyncIterator[Live]:
    overrides = {"OPENPOST_PLATFORM_TIMEOUT_S": str(PLATFORM_TIMEOUT_S)}
    async with live_world(database_url, fake_x, bluesky_pds, **overrides) as world:
        align_clocks(world)
        yield world


async def schedule(live: Live, integrations: list[str], **body: Any) -> tuple[str, Any]:
    at = live.api.clock.now() + timedelta(minutes=5)
    body = {"integrations": integrations, "schedule_at": rfc3339(at), **body}
    answer = await live.api.client.post("/v1/posts", json=body, headers=live.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], at


async def target(live: Live, post_id: str, platform: str) -> dict[str, Any]:
    [found] = [t for t in (await live.post(post_id))["post_targets"] if t["platform"] == platform]
    return dict(found)


async def test_a_thread_chains_on_x_and_on_bluesky(live: Live) -> None:
    x = await live.connect_x()
    account = live.bluesky_account()
    sky = await live.connect_bluesky(account)
    post_id, at = await schedule(live, [x["id"], sky["id"]], thread_parts=PARTS, langs=["en"])

    assert await publish_at(live, at) == 2
    done = await live.post(post_id)
    assert done["status"] == "published", done

    tweets = live.fake_x.tweets_by(DEFAULT_USER.id)
    assert [t.text for t in tweets] == [p["content"] for p in PARTS]
    assert [t.in_reply_to_tweet_id for t in tweets] == [None, tweets[0].id, tweets[1].id]
    x_target = await target(live, post_id, "twitter")
    assert [p["platform_post_id"] for p in x_target["parts"]] == [t.id for t in tweets]
    assert x_target["platform_post_id"] == tweets[0].id

    records = {r["value"]["text"]: r for r in live.bluesky_posts(account)}
    first, second, third = (records[p["content"]] for p in PARTS)
    assert "reply" not in first["value"] and first["value"]["langs"] == ["en"]
    for child, parent in ((second, first), (third, second)):
        reply = child["value"]["reply"]
        assert (reply["root"]["uri"], reply["root"]["cid"]) == (first["uri"], first["cid"])
        assert (reply["parent"]["uri"], reply["parent"]["cid"]) == (parent["uri"], parent["cid"])
    sky_target = await target(live, post_id, "bluesky")
    assert [p["status"] for p in sky_target["parts"]] == ["published"] * 3


async def test_a_5xx_on_a_later_part_resumes_there_without_resending(live: Live) -> None:
    x = await live.connect_x()
    post_id, at = await schedule(live, [x["id"]], thread_parts=PARTS)
    live.fake_x.delay_next("create_tweet", 0)  # part 1 goes through
    live.fake_x.fail_next("create_tweet", 503)  # part 2 meets a 503
    await publish_at(live, at)
    waiting = await target(live, post_id, "twitter")
    assert waiting["status"] == "pending"
    assert [p["status"] for p in waiting["parts"]] == ["published", "pending", "pending"]
    await retry_when_due(live, post_id)
    done = await target(live, post_id, "twitter")
    assert done["status"] == "published", done
    tweets = live.fake_x.tweets_by(DEFAULT_USER.id)
    assert [t.text for t in tweets] == [p["content"] for p in PARTS]
    assert tweets[1].in_reply_to_tweet_id == tweets[0].id
    assert dict(live.fake_x.responses["create_tweet"]) == {"201": 3, "503": 1}


async def test_a_part_cut_off_is_outcome_unknown_and_later_parts_are_skipped(live: Live) -> None:
    x = await live.connect_x()
    post_id, at = await schedule(live, [x["id"]], thread_parts=PARTS)
    live.fake_x.delay_next("create_tweet", 0)
    live.fake_x.reset_next("create_tweet", after_effect=True)
    await publish_at(live, at)
    cut = await target(live, post_id, "twitter")
    assert (cut["status"], cut["error"]["code"]) == ("failed", "outcome_unknown")
    assert [p["status"] for p in cut["parts"]] == ["published", "failed", "skipped"]
    assert live.fake_x.requests["create_tweet"] == 2


async def test_a_refused_later_part_leaves_the_thread_incomplete(live: Live) -> None:
    x = await live.connect_x()
    live.fake_x.seed_tweet(DEFAULT_USER.id, PARTS[1]["content"])  # part 2 is a duplicate
    post_id, at = await schedule(live, [x["id"]], thread_parts=PARTS)
    await publish_at(live, at)
    refused = await target(live, post_id, "twitter")
    assert (refused["status"], refused["error"]["code"]) == ("failed", "thread_incomplete")
    assert refused["error"]["details"] == {"published_parts": 1}
    assert [p["status"] for p in refused["parts"]] == ["published", "failed", "skipped"]


async def test_replies_and_quotes_of_existing_posts(live: Live) -> None:
    x = await live.connect_x()
    account = live.bluesky_account()
    sky = await live.connect_bluesky(account)
    original = live.fake_x.seed_tweet(DEFAULT_USER.id, "an older post")
    sky_root = live.pds.create_account()
    parent = live.pds.xrpc(
        "com.atproto.repo.createRecord",
        token=sky_root.access_jwt,
        body={
            "repo": sky_root.did,
            "collection": "app.bsky.feed.post",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "root",
                "createdAt": "2026-04-17T10:00:00Z",
            },
        },
    ).json()
    rkey = parent["uri"].rsplit("/", 1)[1]
    overrides = {
        "twitter": {"reply_to": f"https://x.com/XDevelopers/status/{original.id}"},
        "bluesky": {"quote_of": f"https://bsky.app/profile/{sky_root.handle}/post/{rkey}"},
    }
    post_id, at = await schedule(
        live, [x["id"], sky["id"]], content="so true", platform_overrides=overrides
    )
    assert await publish_at(live, at) == 2
    assert (await live.post(post_id))["status"] == "published"
    assert live.fake_x.tweets[-1].in_reply_to_tweet_id == original.id
    [quote] = live.bluesky_posts(account)
    embed = quote["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.record"
    assert (embed["record"]["uri"], embed["record"]["cid"]) == (parent["uri"], parent["cid"])


async def test_a_reply_to_a_deleted_post_fails_reply_target_not_found(live: Live) -> None:
    x = await live.connect_x()
    gone = live.fake_x.seed_tweet(DEFAULT_USER.id, "deleted soon")
    live.fake_x.delete_tweet(gone.id)
    overrides = {"twitter": {"reply_to": gone.id}}
    post_id, at = await schedule(live, [x["id"]], content="hello?", platform_overrides=overrides)
    await publish_at(live, at)
    failed = await target(live, post_id, "twitter")
    assert (failed["status"], failed["error"]["code"]) == ("failed", "reply_target_not_found")


async def test_a_part_created_before_a_5xx_is_found_on_the_retry_and_the_thread_goes_on(
    live: Live,
) -> None:
    x = await live.connect_x()
    post_id, at = await schedule(live, [x["id"]], thread_parts=PARTS)
    live.fake_x.delay_next("create_tweet", 0)  # part 1 goes through
    live.fake_x.fail_next("create_tweet", 503, after_effect=True)  # part 2 made, then 503
    await publish_at(live, at)
    assert [p["status"] for p in (await target(live, post_id, "twitter"))["parts"]] == [
        "published", "pending", "pending",
    ]  # fmt: skip
    await retry_when_due(live, post_id)
    done = await target(live, post_id, "twitter")
    assert done["status"] == "published", done
    tweets = live.fake_x.tweets_by(DEFAULT_USER.id)
    assert [t.text for t in tweets] == [p["content"] for p in PARTS]
    assert [t.in_reply_to_tweet_id for t in tweets] == [None, tweets[0].id, tweets[1].id]
    assert [p["platform_post_id"] for p in done["parts"]] == [t.id for t in tweets]
    assert dict(live.fake_x.responses["create_tweet"]) == {"201": 2, "503": 1, "403": 1}
    assert live.fake_x.requests["user_tweets"] == 1
