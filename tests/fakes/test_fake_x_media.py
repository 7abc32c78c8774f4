"""The fake X's media upload behaves as X documents it; each rule pinned over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fakes.test_fake_x import SCOPES, bearer, login
from tests.fakes.x import FakeX
from tests.fakes.x.media import EXPIRES_AFTER_SECS, MAX_SEGMENT_BYTES, MB

MEDIA_SCOPES = SCOPES + " media.write"


@pytest.fixture
async def http(fake_x: FakeX) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake_x.url(""), timeout=5) as client:
        yield client


@pytest.fixture
async def token(http: httpx.AsyncClient) -> str:
    return str((await login(http, MEDIA_SCOPES))["access_token"])


async def initialize(
    http: httpx.AsyncClient, token: str, size: int, kind: str = "image/png", category: str = ""
) -> httpx.Response:
    body: dict[str, Any] = {"media_type": kind, "total_bytes": size}
    if category:
        body["media_category"] = category
    return await http.post("/2/media/upload/initialize", json=body, headers=bearer(token))


async def append(
    http: httpx.AsyncClient, token: str, media_id: str, index: int, chunk: bytes
) -> httpx.Response:
    return await http.post(
        f"/2/media/upload/{media_id}/append",
        data={"segment_index": str(index)},
        files={"media": ("blob", chunk, "application/octet-stream")},
        headers=bearer(token),
    )


async def finalize(http: httpx.AsyncClient, token: str, media_id: str) -> httpx.Response:
    return await http.post(f"/2/media/upload/{media_id}/finalize", headers=bearer(token))


async def status(http: httpx.AsyncClient, token: str, media_id: str) -> httpx.Response:
    params = {"command": "STATUS", "media_id": media_id}
    return await http.get("/2/media/upload", params=params, headers=bearer(token))


async def uploaded(
    http: httpx.AsyncClient,
    token: str,
    content: bytes,
    kind: str = "image/png",
    category: str = "tweet_image",
) -> str:
    media_id = str(
        (await initialize(http, token, len(content), kind, category)).json()["data"]["id"]
    )
    for index, start in enumerate(range(0, len(content), MAX_SEGMENT_BYTES)):
        chunk = content[start : start + MAX_SEGMENT_BYTES]
        assert (await append(http, token, media_id, index, chunk)).status_code == 200
    assert (await finalize(http, token, media_id)).status_code == 200
    return media_id


async def tweet(
    http: httpx.AsyncClient, token: str, ids: list[str], text: str = ""
) -> httpx.Response:
    body = {"text": text, "media": {"media_ids": ids}}
    return await http.post("/2/tweets", json=body, headers=bearer(token))


def message(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["message"])


class TestUpload:
    async def test_an_image_in_two_segments_arrives_whole_and_is_usable_at_once(
        self, http: httpx.AsyncClient, token: str, fake_x: FakeX
    ) -> None:
        content = bytes(range(256)) * 40
        started = await initialize(http, token, len(content), category="tweet_image")
        assert started.status_code == 200
        data = started.json()["data"]
        assert data["media_key"] == f"3_{data['id']}"
        assert data["expires_after_secs"] == EXPIRES_AFTER_SECS
        assert (await append(http, token, data["id"], 1, content[5000:])).status_code == 200
        assert (await append(http, token, data["id"], 0, content[:5000])).status_code == 200
        done = (await finalize(http, token, data["id"])).json()["data"]
        assert done["size"] == len(content)
        assert "processing_info" not in done
        assert fake_x.upload(data["id"]).content == content

    async def test_every_media_call_needs_the_media_write_scope(
        self, http: httpx.AsyncClient
    ) -> None:
        plain = str((await login(http, SCOPES))["access_token"])
        assert (await initialize(http, plain, 10)).status_code == 403

    @pytest.mark.parametrize(
        ("kind", "category", "size"),
        [
            ("image/png", "tweet_image", 5 * MB + 1),
            ("image/gif", "tweet_gif", 15 * MB + 1),
            ("video/mp4", "tweet_video", 512 * MB + 1),
            ("video/mp4", "tweet_image", 10),
            ("image/png", "tweet_gif", 10),
            ("image/png", "tweet_sticker", 10),
            ("image/png", "tweet_image", 0),
        ],
    )
    async def test_initialize_refuses_what_the_category_does_not_allow(
        self, http: httpx.AsyncClient, token: str, kind: str, category: str, size: int
    ) -> None:
        response = await initialize(http, token, size, kind, category)
        assert response.status_code == 400
        assert response.json()["title"] == "Invalid Request"

    async def test_a_segment_over_5_mb_or_past_index_999_is_refused(
        self, http: httpx.AsyncClient, token: str
    ) -> None:
        media_id = (await initialize(http, token, 100, "video/mp4", "tweet_video")).json()["data"][
            "id"
        ]
        too_big = await append(http, token, media_id, 0, b"x" * (MAX_SEGMENT_BYTES + 1))
        assert too_big.status_code == 400
        assert (await append(http, token, media_id, 1000, b"x")).status_code == 400

    async def test_segments_that_do_not_add_up_cannot_be_finalized(
        self, http: httpx.AsyncClient, token: str
    ) -> None:
        media_id = (await initialize(http, token, 10)).json()["data"]["id"]
        await append(http, token, media_id, 0, b"12345")
        response = await finalize(http, token, media_id)
        assert response.status_code == 400
        assert message(response) == "Segments do not add up to provided total file size."
        assert (await append(http, token, media_id, 1, b"123456")).status_code == 400

    async def test_someone_elses_media_id_is_unknown(
        self, http: httpx.AsyncClient, token: str, fake_x: FakeX
    ) -> None:
        media_id = await uploaded(http, token, b"png")
        fake_x.register_user("42", "other")
        fake_x.grant_next_authorization(user_id="42")
        other = str((await login(http, MEDIA_SCOPES))["access_token"])
        assert (await finalize(http, other, media_id)).status_code == 400
        assert (await tweet(http, other, [media_id], "mine?")).status_code == 400


class TestProcessing:
    async def test_a_video_goes_pending_then_in_progress_then_succeeded_on_status_checks(
        self, http: httpx.AsyncClient, token: str
    ) -> None:
        media_id = await uploaded(http, token, b"v" * 100, "video/mp4", "tweet_video")
        states = [(await status(http, token, media_id)).json()["data"] for _ in range(3)]
        assert [s["processing_info"]["state"] for s in states] == [
            "in_progress",
            "succeeded",
            "succeeded",
        ]
        assert states[0]["processing_info"]["check_after_secs"] == 1
        assert states[0]["media_key"] == f"7_{media_id}"

    async def test_processing_also_advances_with_the_fakes_clock_not_real_time(
        self, http: httpx.AsyncClient, token: str, fake_x: FakeX
    ) -> None:
        media_id = (await initialize(http, token, 3, "image/gif", "tweet_gif")).json()["data"]["id"]
        await append(http, token, media_id, 0, b"gif")
        info = (await finalize(http, token, media_id)).json()["data"]["processing_info"]
        assert info == {"state": "pending", "check_after_secs": 1, "progress_percent": 0}
        assert (await tweet(http, token, [media_id])).status_code == 400
        fake_x.advance(2)
        assert (await tweet(http, token, [media_id])).status_code == 201

    async def test_a_failed_processing_says_why_and_the_media_cannot_be_posted(
        self, http: httpx.AsyncClient, token: str, fake_x: FakeX
    ) -> None:
        fake_x.fail_media_processing_next()
        media_id = await uploaded(http, token, b"v" * 10, "video/mp4", "tweet_video")
        fake_x.advance(5)
        info = (await status(http, token, media_id)).json()["data"]["processing_info"]
        assert info["state"] == "failed"
        assert info["error"]["name"] == "InvalidMedia"
        assert message(await tweet(http, token, [media_id])) == "Your media IDs are invalid."

    async def test_status_of_an_image_has_nothing_to_report(
        self, http: httpx.AsyncClient, token: str
    ) -> None:
        media_id = await uploaded(http, token, b"png")
        assert (await status(http, token, media_id)).status_code == 400


class TestPostingMedia:
    async def test_a_post_may_carry_up_to_four_images_and_no_text(
        self, http: httpx.AsyncClient, token: str, fake_x: FakeX
    ) -> None:
        ids = [await uploaded(http, token, bytes([i]) * 10) for i in range(4)]
        response = await tweet(http, token, ids)
        assert response.status_code == 201, response.text
        assert fake_x.tweets[-1].media_ids == tuple(ids)

    async def test_five_images_or_a_video_with_an_image_are_refused(
        self, http: httpx.AsyncClient, token: str
    ) -> None:
        images = [await uploaded(http, token, bytes([i]) * 10) for i in range(5)]
        video = await uploaded(http, token, b"v", "video/mp4", "tweet_video")
        for _ in range(2):
            await status(http, token, video)
        assert (await tweet(http, token, images)).status_code == 400
        assert (await tweet(http, token, [video, images[0]])).status_code == 400
        assert (await tweet(http, token, [video])).status_code == 201

    async def test_expired_or_unknown_media_ids_are_invalid(
        self, http: httpx.AsyncClient, token: str, fake_x: FakeX
    ) -> None:
        media_id = await uploaded(http, token, b"png")
        fake_x.advance(EXPIRES_AFTER_SECS)
        token = str((await login(http, MEDIA_SCOPES))["access_token"])
        response = await tweet(http, token, [media_id], "late")
        assert response.status_code == 400
        assert response.json()["errors"][0]["parameters"] == {"media.media_ids": [media_id]}
        assert (await tweet(http, token, ["123"], "nothing")).status_code == 400

    async def test_alt_text_is_kept_up_to_1000_characters(
        self, http: httpx.AsyncClient, token: str, fake_x: FakeX
    ) -> None:
        media_id = await uploaded(http, token, b"png")

        async def describe(text: str) -> httpx.Response:
            body = {"id": media_id, "metadata": {"alt_text": {"text": text}}}
            return await http.post("/2/media/metadata", json=body, headers=bearer(token))

        answer = await describe("a cat")
        assert answer.json()["data"]["associated_metadata"] == {"alt_text": {"text": "a cat"}}
        assert fake_x.upload(media_id).alt_text == "a cat"
        assert (await describe("x" * 1001)).status_code == 400


class TestFaults:
    async def test_media_endpoints_take_injected_faults_like_the_others(
        self, http: httpx.AsyncClient, token: str, fake_x: FakeX
    ) -> None:
        fake_x.fail_next("media_append", 503)
        media_id = (await initialize(http, token, 3)).json()["data"]["id"]
        assert (await append(http, token, media_id, 0, b"png")).status_code == 503
        assert (await append(http, token, media_id, 0, b"png")).status_code == 200
        fake_x.rate_limit_next("media_finalize", reset_in=60)
        assert (await finalize(http, token, media_id)).status_code == 429
        assert fake_x.requests["media_append"] == 2

    async def test_failing_processing_can_be_scripted_over_the_control_routes(
        self, http: httpx.AsyncClient, token: str, fake_x: FakeX
    ) -> None:
        assert (
            await http.post("/_fake/media/fail-processing", json={"times": 1})
        ).status_code == 200
        media_id = await uploaded(http, token, b"g", "image/gif", "tweet_gif")
        fake_x.advance(5)
        assert fake_x.upload(media_id).state(fake_x.now()) == "failed"
        state = (await http.get("/_fake/state")).json()
        assert state["media"][-1]["state"] == "failed"
