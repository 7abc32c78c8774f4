"""/v1/media end to end: upload (form and URL), list, get, alt text, content with ranges,
delete, and each refusal as the error table says, with nothing stored."""

from __future__ import annotations

import hashlib
import io
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from dishka import AsyncContainer
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.persistence.sqlalchemy.migrate import upgrade
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import START, Api, ClockOverride, settings_for
from tests.support import media_samples as samples
from tests.support.asgi import client_for


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    clock = ManualClock(START)
    settings = settings_for(
        database_url,
        OPENPOST_MEDIA_DIR=str(tmp_path / "media"),
        OPENPOST_FETCH_ALLOW_PRIVATE="true",
        OPENPOST_MEDIA_MAX_IMAGE_BYTES="200000",
    )
    container: AsyncContainer = build_container(settings, ClockOverride(clock))
    await upgrade(await container.get(AsyncEngine))
    app = create_app(settings, container)
    try:
        async with client_for(app) as client:
            yield Api(client=client, container=container, clock=clock, app=app)
    finally:
        await container.close()


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


def stored(media_dir: Path) -> list[Path]:
    return [p for p in media_dir.rglob("*") if p.is_file()] if media_dir.exists() else []


async def upload(api: Api, auth: dict[str, str], data: bytes, **fields: str) -> object:
    return await api.client.post(
        "/v1/media", headers=auth, files={"file": ("any.bin", data, "text/plain")}, data=fields
    )


async def test_upload_then_read_list_describe_download_and_delete(
    api: Api, media_dir: Path
) -> None:
    auth = api.auth(await api.workspace())
    data = samples.jpeg(40, 20, orientation=6, gps=True)
    answer = await upload(api, auth, data, alt_text="a flag")
    assert answer.status_code == 201, answer.text
    media = answer.json()
    assert media["kind"] == "image" and media["content_type"] == "image/jpeg"
    assert (media["width"], media["height"], media["duration_ms"]) == (20, 40, None)
    assert media["alt_text"] == "a flag" and media["created_at"] == "2026-04-17T10:30:15Z"

    content = await api.client.get(f"/v1/media/{media['id']}/content", headers=auth)
    assert content.status_code == 200 and content.headers["content-type"] == "image/jpeg"
    assert content.headers["etag"] == f'"{media["sha256"]}"'
    assert hashlib.sha256(content.content).hexdigest() == media["sha256"]
    assert len(content.content) == media["size_bytes"] and b"Exif" not in content.content
    assert Image.open(io.BytesIO(content.content)).size == (20, 40)

    part = await api.client.get(
        f"/v1/media/{media['id']}/content", headers={**auth, "Range": "bytes=2-11"}
    )
    assert part.status_code == 206 and part.content == content.content[2:12]
    assert part.headers["content-range"] == f"bytes 2-11/{media['size_bytes']}"
    beyond = await api.client.get(
        f"/v1/media/{media['id']}/content", headers={**auth, "Range": "bytes=999999-"}
    )
    assert beyond.status_code == 416 and beyond.json()["code"] == "range_not_satisfiable"

    listed = (await api.client.get("/v1/media?limit=1", headers=auth)).json()
    assert listed == {"data": [media], "has_more": False}
    patched = await api.client.patch(
        f"/v1/media/{media['id']}", headers=auth, json={"alt_text": None}
    )
    assert patched.status_code == 200 and patched.json()["alt_text"] is None

    deleted = await api.client.delete(f"/v1/media/{media['id']}", headers=auth)
    assert deleted.status_code == 200 and stored(media_dir) == []
    gone = await api.client.get(f"/v1/media/{media['id']}", headers=auth)
    assert gone.status_code == 404 and gone.json()["code"] == "not_found"


async def test_content_answers_conditional_requests(api: Api) -> None:
    auth = api.auth(await api.workspace())
    media = (await upload(api, auth, samples.png(30, 20))).json()
    path, etag = f"/v1/media/{media['id']}/content", f'"{media["sha256"]}"'
    whole = (await api.client.get(path, headers=auth)).content

    for current in (etag, f'"other", W/{etag}', "*"):
        same = await api.client.get(path, headers={**auth, "If-None-Match": current})
        assert same.status_code == 304 and same.content == b"", current
        assert same.headers["etag"] == etag
    changed = await api.client.get(path, headers={**auth, "If-None-Match": '"other"'})
    assert changed.status_code == 200 and changed.content == whole

    ranged = {**auth, "Range": "bytes=0-9"}
    still = await api.client.get(path, headers={**ranged, "If-Range": etag})
    assert still.status_code == 206 and still.content == whole[:10]
    for stale in ('"other"', f"W/{etag}", "Thu, 01 Jan 2026 00:00:00 GMT"):
        answer = await api.client.get(path, headers={**ranged, "If-Range": stale})
        assert answer.status_code == 200 and answer.content == whole, stale
        assert "content-range" not in answer.headers


async def test_the_openapi_document_names_media_and_its_binary_content(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert "Media" in schemas and "MediaOut" not in schemas
    operations = {
        op["operationId"]
        for path, item in document["paths"].items()
        if path.startswith("/v1/media")
        for op in item.values()
    }
    assert operations == {
        "uploadMedia",
        "uploadMediaFromUrl",
        "listMedia",
        "getMedia",
        "updateMedia",
        "deleteMedia",
        "getMediaContent",
    }
    answers = document["paths"]["/v1/media/{media_id}/content"]["get"]["responses"]
    assert {"200", "206", "304", "404", "416"} <= set(answers)
    for status in ("200", "206"):
        content = answers[status]["content"]
        assert "application/json" not in content and "image/png" in content
        assert content["video/mp4"]["schema"] == {"type": "string", "format": "binary"}
    single = document["paths"]["/v1/media/{media_id}"]["get"]["responses"]["200"]
    assert single["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Media"}


async def test_alt_text_after_the_file_is_kept(api: Api) -> None:
    auth = api.auth(await api.workspace())
    boundary = "xyz"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
        ).encode()
        + samples.png()
        + (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="alt_text"\r\n\r\nlate'
            f"\r\n--{boundary}--\r\n"
        ).encode()
    )
    headers = {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    answer = await api.client.post("/v1/media", headers=headers, content=body)
    assert answer.status_code == 201 and answer.json()["alt_text"] == "late"


async def test_another_workspace_sees_nothing(api: Api) -> None:
    mine, theirs = api.auth(await api.workspace("a")), api.auth(await api.workspace("b"))
    media = (await upload(api, mine, samples.png())).json()
    for method, path in [("GET", ""), ("GET", "/content"), ("DELETE", ""), ("PATCH", "")]:
        answer = await api.client.request(
            method, f"/v1/media/{media['id']}{path}", headers=theirs,
            json={"alt_text": "x"} if method == "PATCH" else None,
        )  # fmt: skip
        assert answer.status_code == 404, (method, path)
    assert (await api.client.get("/v1/media", headers=theirs)).json()["data"] == []


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"%PDF-1.7 not an image", 415, "unsupported_media_type"),
        (b"", 422, "invalid_media"),
        (samples.png()[:40], 422, "invalid_media"),
        (samples.png_bomb(), 422, "invalid_media"),
        (samples.long_gif(10_000), 422, "invalid_media"),
        (samples.video(with_video=False), 422, "invalid_media"),
        (samples.png(400, 400) + bytes(200_000), 413, "payload_too_large"),
    ],
    ids=["pdf", "empty", "truncated", "bomb", "10k-frames", "no-video-track", "over-cap"],
)
async def test_bad_files_are_refused_and_nothing_is_stored(
    api: Api, media_dir: Path, data: bytes, status: int, code: str
) -> None:
    auth = api.auth(await api.workspace())
    answer = await upload(api, auth, data)
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert stored(media_dir) == []
    assert (await api.client.get("/v1/media", headers=auth)).json()["data"] == []


async def test_form_mistakes_are_422(api: Api) -> None:
    auth = api.auth(await api.workspace())
    cases = [
        ({"data": {"alt_text": "no file"}, "files": {"other": ("x", b"y")}}, "other"),
        ({"files": [("file", ("a", samples.png())), ("file", ("b", samples.png()))]}, "file"),
        ({"files": {"file": ("a", samples.png())}, "data": {"alt_text": "x" * 1001}}, "alt_text"),
    ]
    for options, field in cases:
        answer = await api.client.post("/v1/media", headers=auth, **options)  # type: ignore[arg-type]
        assert answer.status_code == 422, answer.text
        assert answer.json()["details"]["field"] == field
    plain = await api.client.post("/v1/media", headers=auth, json={"file": "x"})
    assert plain.status_code == 422 and plain.json()["details"]["field"] == "file"
    missing = await api.client.post("/v1/media", headers=auth, data={"alt_text": "x"}, files={})
    assert missing.status_code == 422


@pytest.fixture
async def image_server() -> AsyncIterator[str]:
    app = web.Application()

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=samples.png(12, 34), content_type="text/html")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/image.png")

    async def missing(request: web.Request) -> web.Response:
        raise web.HTTPNotFound()

    app.add_routes(
        [web.get("/image.png", image), web.get("/moved", moved), web.get("/404", missing)]
    )
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    await runner.cleanup()


async def test_media_from_a_url(api: Api, image_server: str) -> None:
    auth = api.auth(await api.workspace())
    answer = await api.client.post(
        "/v1/media/from-url", headers=auth, json={"url": f"{image_server}/moved", "alt_text": "p"}
    )
    assert answer.status_code == 201, answer.text
    assert (answer.json()["width"], answer.json()["height"], answer.json()["alt_text"]) == (
        12,
        34,
        "p",
    )
    failed = await api.client.post(
        "/v1/media/from-url", headers=auth, json={"url": f"{image_server}/404"}
    )
    assert failed.status_code == 422 and failed.json()["code"] == "url_fetch_failed"


@pytest.mark.parametrize(
    "url", ["ftp://example.com/a.png", "http://[ff02::1]/a.png", "http://0.0.0.0/x"]
)
async def test_urls_that_may_not_be_fetched(api: Api, url: str) -> None:
    auth = api.auth(await api.workspace())
    answer = await api.client.post("/v1/media/from-url", headers=auth, json={"url": url})
    assert answer.status_code == 422 and answer.json()["code"] == "url_not_allowed"


async def _integrations(api: Api, auth: dict[str, str]) -> dict[str, str]:
    listed = (await api.client.get("/v1/integrations", headers=auth)).json()["data"]
    return {i["platform"]: i["id"] for i in listed}


async def test_a_post_with_media_keeps_it_in_order_and_holds_it(api: Api) -> None:
    auth = api.auth(await api.workspace())
    ids = await _integrations(api, auth)
    images = [(await upload(api, auth, samples.png(10 + i, 10))).json()["id"] for i in range(2)]
    gif = (await upload(api, auth, samples.gif(3))).json()["id"]
    answer = await api.client.post(
        "/v1/posts",
        headers=auth,
        json={
            "content": "",
            "integrations": [ids["twitter"], ids["bluesky"]],
            "media": [images[1], images[0]],
            "platform_overrides": {"twitter": {"media": [gif]}},
        },
    )
    assert answer.status_code == 201, answer.text
    post = answer.json()
    assert post["media"] == [images[1], images[0]]
    by_platform = {t["platform"]: t["media"] for t in post["post_targets"]}
    assert by_platform == {"twitter": [gif], "bluesky": [images[1], images[0]]}
    held = await api.client.delete(f"/v1/media/{gif}", headers=auth)
    assert held.status_code == 409 and held.json()["code"] == "media_in_use"
    patched = await api.client.patch(
        f"/v1/posts/{post['id']}", headers=auth, json={"media": [images[0]], "content": "hi"}
    )
    assert patched.status_code == 200 and patched.json()["media"] == [images[0]]
    assert (await api.client.delete(f"/v1/posts/{post['id']}", headers=auth)).status_code == 200
    assert (await api.client.delete(f"/v1/media/{gif}", headers=auth)).status_code == 200


async def test_an_edit_changes_one_platforms_media_with_the_checks_of_creation(
    api: Api,
) -> None:
    auth = api.auth(await api.workspace())
    other = api.auth(await api.workspace("other"))
    ids = await _integrations(api, auth)
    image = (await upload(api, auth, samples.png())).json()["id"]
    gif = (await upload(api, auth, samples.gif(3))).json()["id"]
    foreign = (await upload(api, other, samples.png())).json()["id"]
    created = await api.client.post(
        "/v1/posts",
        headers=auth,
        json={"content": "", "integrations": [ids["twitter"], ids["bluesky"]], "media": [image]},
    )
    path = f"/v1/posts/{created.json()['id']}"

    def by_platform(post: dict[str, object]) -> dict[str, list[str]]:
        return {t["platform"]: t["media"] for t in post["post_targets"]}  # type: ignore[attr-defined,index]

    edited = await api.client.patch(
        path, headers=auth, json={"platform_overrides": {"twitter": {"media": [gif]}}}
    )
    assert edited.status_code == 200, edited.text
    assert by_platform(edited.json()) == {"twitter": [gif], "bluesky": [image]}
    assert (await api.client.delete(f"/v1/media/{gif}", headers=auth)).status_code == 409

    refusals = [
        ({"bluesky": {"media": [gif]}}, "media_not_supported", "platform_overrides.bluesky.media"),
        ({"twitter": {"media": [gif, image]}}, "validation_error", "platform_overrides.twitter.media"),
        ({"twitter": {"media": [foreign]}}, "validation_error", "platform_overrides.twitter.media[0]"),
        ({"twitter": {"media": [image, image]}}, "validation_error", "platform_overrides.twitter.media[1]"),
        ({"twitter": {"media": []}}, "validation_error", "content"),
    ]  # fmt: skip
    for overrides, code, field in refusals:
        answer = await api.client.patch(path, headers=auth, json={"platform_overrides": overrides})
        assert answer.status_code == 422, (overrides, answer.text)
        assert (answer.json()["code"], answer.json()["details"]["field"]) == (code, field)
    for malformed in (
        {"twitter": {"content": "x"}},
        {"twitter": None},
        {"mastodon": {"media": []}},
    ):
        answer = await api.client.patch(path, headers=auth, json={"platform_overrides": malformed})
        assert answer.status_code == 422 and answer.json()["code"] == "validation_error"
    unchanged = (await api.client.get(path, headers=auth)).json()
    assert by_platform(unchanged) == {"twitter": [gif], "bluesky": [image]}

    # Dropping X's own list gives it the post's media again; a post media list that one
    # platform cannot take is refused while that platform has no list of its own.
    back = await api.client.patch(
        path,
        headers=auth,
        json={"media": [gif], "platform_overrides": {"twitter": {"media": None}, "bluesky": {"media": [image]}}},
    )  # fmt: skip
    assert back.status_code == 200, back.text
    assert by_platform(back.json()) == {"twitter": [gif], "bluesky": [image]}
    dropped = await api.client.patch(
        path, headers=auth, json={"platform_overrides": {"bluesky": {"media": None}}}
    )
    assert dropped.status_code == 422 and dropped.json()["code"] == "media_not_supported"
    assert dropped.json()["details"]["field"] == "media"


async def test_media_a_platform_refuses_stores_no_post(api: Api) -> None:
    auth = api.auth(await api.workspace())
    other = api.auth(await api.workspace("other"))
    ids = await _integrations(api, auth)
    gif = (await upload(api, auth, samples.gif(3))).json()["id"]
    image = (await upload(api, auth, samples.png())).json()["id"]
    foreign = (await upload(api, other, samples.png())).json()["id"]
    cases = [
        (
            {"integrations": [ids["bluesky"]], "media": [gif], "content": ""},
            "media_not_supported",
            "media",
        ),
        (
            {"integrations": [ids["twitter"]], "media": [gif, image], "content": ""},
            "validation_error",
            "media",
        ),
        (
            {"integrations": [ids["twitter"]], "media": [image] * 2, "content": ""},
            "validation_error",
            "media[1]",
        ),
        (
            {"integrations": [ids["twitter"]], "media": [foreign], "content": ""},
            "validation_error",
            "media[0]",
        ),
        (
            {
                "integrations": [ids["bluesky"]],
                "platform_overrides": {"bluesky": {"media": [gif]}},
                "content": "x",
            },
            "media_not_supported",
            "platform_overrides.bluesky.media",
        ),
        ({"integrations": [ids["twitter"]], "content": ""}, "validation_error", "content"),
    ]
    for body, code, field in cases:
        answer = await api.client.post("/v1/posts", headers=auth, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert (answer.json()["code"], answer.json()["details"]["field"]) == (code, field)
    assert (await api.client.get("/v1/posts", headers=auth)).json()["data"] == []


async def test_thread_parts_media_follow_each_platform_s_rules_and_are_held(api: Api) -> None:
    """Each part's media is checked as a single post's is, for every platform it goes to,
    at create and at PATCH, the refusal naming the part; a part's media is in use."""
    auth = api.auth(await api.workspace())
    ids = await _integrations(api, auth)
    both = [ids["twitter"], ids["bluesky"]]
    gif = (await upload(api, auth, samples.gif(3))).json()["id"]
    images = [(await upload(api, auth, samples.png(10 + i, 10))).json()["id"] for i in range(5)]

    def thread(first: list[str], second: list[str]) -> list[dict[str, object]]:
        return [{"content": "one", "media": first}, {"content": "two", "media": second}]

    cases = [
        ({"thread_parts": thread([], [gif])}, both, "media_not_supported", "thread_parts[1].media"),
        (
            {"thread_parts": thread([gif, images[0]], [])},
            [ids["twitter"]],
            "validation_error",
            "thread_parts[0].media",
        ),
        ({"thread_parts": thread(images, [])}, both, "validation_error", "thread_parts[0].media"),
        (
            {"thread_parts": thread([images[0], images[0]], [])},
            both,
            "validation_error",
            "thread_parts[0].media[1]",
        ),
        (
            {
                "thread_parts": thread([], []),
                "platform_overrides": {"bluesky": {"thread_parts": thread([gif], [])}},
            },
            both,
            "media_not_supported",
            "platform_overrides.bluesky.thread_parts[0].media",
        ),
    ]
    for body, integrations, code, field in cases:
        answer = await api.client.post(
            "/v1/posts", headers=auth, json={"content": "", "integrations": integrations, **body}
        )
        assert answer.status_code == 422, (body, answer.text)
        assert (answer.json()["code"], answer.json()["details"]["field"]) == (code, field)
    assert (await api.client.get("/v1/posts", headers=auth)).json()["data"] == []

    # A PATCH of the parts is checked the same way, and a refused one changes nothing.
    body = {"content": "", "integrations": both, "thread_parts": thread([images[0]], [])}
    post = (await api.client.post("/v1/posts", headers=auth, json=body)).json()
    url = f"/v1/posts/{post['id']}"
    refused = await api.client.patch(url, headers=auth, json={"thread_parts": thread([], [gif])})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "media_not_supported"
    assert refused.json()["details"]["field"] == "thread_parts[1].media"
    assert (await api.client.get(url, headers=auth)).json() == post

    held = await api.client.delete(f"/v1/media/{images[0]}", headers=auth)
    assert held.status_code == 409 and held.json()["code"] == "media_in_use"
    patched = await api.client.patch(url, headers=auth, json={"thread_parts": thread([], [])})
    assert patched.status_code == 200, patched.text
    assert (await api.client.delete(f"/v1/media/{images[0]}", headers=auth)).status_code == 200

    overridden = {"bluesky": {"thread_parts": thread([], [images[1]])}}
    body = {"content": "", "integrations": both, "thread_parts": thread([], [])}
    other = await api.client.post(
        "/v1/posts", headers=auth, json={**body, "platform_overrides": overridden}
    )
    assert other.status_code == 201, other.text
    held = await api.client.delete(f"/v1/media/{images[1]}", headers=auth)
    assert held.status_code == 409 and held.json()["code"] == "media_in_use"
    canceled = await api.client.delete(f"/v1/posts/{other.json()['id']}", headers=auth)
    assert canceled.status_code == 200
    assert (await api.client.delete(f"/v1/media/{images[1]}", headers=auth)).status_code == 200
