"""Threads, replies, quotes and languages over HTTP: the Post's `post_type` and each
target's `parts`, and every bad input a 422 naming its field."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.conftest import Api
from tests.e2e.test_posts_api import create

PART_FIELDS = {"index", "content", "media", "status", "platform_post_id", "platform_post_url"}
PARTS = [{"content": "1/3 The start"}, {"content": "2/3 The middle"}, {"content": "3/3 The end"}]


def parts_of(post: dict[str, Any], platform: str) -> list[str]:
    [target] = [t for t in post["post_targets"] if t["platform"] == platform]
    return [part["content"] for part in target["parts"]]


async def test_a_thread_of_parts_round_trips(api: Api) -> None:
    ws = await api.workspace()
    answer = await create(api, ws, content="", thread_parts=PARTS, langs=["en-us"])
    assert answer.status_code == 201, answer.text
    post = answer.json()
    assert post["post_type"] == "thread"
    for target in post["post_targets"]:
        assert [p["index"] for p in target["parts"]] == [0, 1, 2]
        assert all(set(p) == PART_FIELDS and p["status"] == "pending" for p in target["parts"])
        assert target["parts"][0]["media"] == []
    assert parts_of(post, "twitter") == parts_of(post, "bluesky") == [p["content"] for p in PARTS]
    got = await api.client.get(f"/v1/posts/{post['id']}", headers=api.auth(ws))
    assert got.json() == post


async def test_a_single_post_has_one_part(api: Api) -> None:
    ws = await api.workspace()
    post = (await create(api, ws, content="just one")).json()
    assert post["post_type"] == "single"
    assert parts_of(post, "twitter") == parts_of(post, "bluesky") == ["just one"]


async def test_post_type_thread_splits_per_platform(api: Api) -> None:
    ws = await api.workspace()
    text = "First thought. " + "word " * 60 + "\n---\nLast."
    post = (await create(api, ws, content=text, post_type="thread")).json()
    assert post["post_type"] == "thread"
    assert parts_of(post, "twitter")[-1] == parts_of(post, "bluesky")[-1] == "Last."
    assert parts_of(post, "twitter")[0] == parts_of(post, "bluesky")[0] == "First thought."
    assert len(parts_of(post, "twitter")) == 4 and len(parts_of(post, "bluesky")) == 3


async def test_platform_parts_override_and_references_parse(api: Api) -> None:
    ws = await api.workspace()
    overrides = {
        "bluesky": {
            "thread_parts": [{"content": "sky 1"}, {"content": "sky 2"}],
            "reply_to": "https://bsky.app/profile/alice.bsky.social/post/3k2yihcrp6f2c",
            "link_preview": False,
        },
        "twitter": {"quote_of": "https://x.com/jack/status/20"},
    }
    answer = await create(api, ws, content="", thread_parts=PARTS, platform_overrides=overrides)
    assert answer.status_code == 201, answer.text
    assert parts_of(answer.json(), "bluesky") == ["sky 1", "sky 2"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"thread_parts": [{"content": "only one"}]}, "thread_parts"),
        ({"thread_parts": [{"content": f"p{i}"} for i in range(26)]}, "thread_parts"),
        ({"thread_parts": [{"content": "a"}, {"content": " "}]}, "thread_parts[1].content"),
        ({"thread_parts": [{"content": "a"}, {"content": "x" * 281}]}, "thread_parts[1].content"),
        (
            {
                "thread_parts": PARTS,
                "platform_overrides": {
                    "bluesky": {"thread_parts": [{"content": "a"}, {"content": "y" * 301}]}
                },
            },
            "platform_overrides.bluesky.thread_parts[1].content",
        ),
        ({"content": "both", "thread_parts": PARTS}, "content"),
        (
            {
                "platform_overrides": {
                    "twitter": {"reply_to": "https://bsky.app/profile/a.test/post/3k"}
                }
            },
            "platform_overrides.twitter.reply_to",
        ),
        (
            {"platform_overrides": {"bluesky": {"quote_of": "not a reference"}}},
            "platform_overrides.bluesky.quote_of",
        ),
        ({"langs": ["en", "xx-invalid!"]}, "langs[1]"),
        ({"langs": ["en", "de", "fr", "it"]}, "langs"),
        (
            {"thread_parts": [{"content": "a", "media": ["nope"]}, {"content": "b"}]},
            "thread_parts[0].media[0]",
        ),
        (
            {"thread_parts": [{"content": "a", "media": [str(uuid4())]}, {"content": "b"}]},
            "thread_parts[0].media[0]",
        ),
        ({"post_type": "carousel"}, "post_type"),
    ],
)
async def test_bad_threads_are_422_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    ws = await api.workspace()
    if "thread_parts" in body:
        body.setdefault("content", "")
    answer = await create(api, ws, **body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["details"]["field"] == field
    listed = (await api.client.get("/v1/posts", headers=api.auth(ws))).json()
    assert listed["data"] == []


async def test_patch_changes_parts_while_editable(api: Api) -> None:
    ws = await api.workspace()
    post = (
        await create(api, ws, content="", thread_parts=PARTS, schedule_at="2026-04-18T09:00:00Z")
    ).json()
    url, h = f"/v1/posts/{post['id']}", api.auth(ws)
    edited = await api.client.patch(
        url, json={"thread_parts": PARTS[:2], "langs": ["pt-BR"]}, headers=h
    )
    assert edited.status_code == 200, edited.text
    assert parts_of(edited.json(), "twitter") == [p["content"] for p in PARTS[:2]]
    bad = await api.client.patch(url, json={"thread_parts": [{"content": "one"}]}, headers=h)
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "thread_parts"
    assert (await api.client.get(url, headers=h)).json() == edited.json()
    single = await api.client.patch(
        url, json={"thread_parts": None, "post_type": "single", "content": "one now"}, headers=h
    )
    assert single.status_code == 200, single.text
    assert single.json()["post_type"] == "single"
    assert parts_of(single.json(), "bluesky") == ["one now"]
    await api.client.delete(url, headers=h)
    late = await api.client.patch(url, json={"thread_parts": PARTS}, headers=h)
    assert late.status_code == 409 and late.json()["code"] == "post_not_editable"
