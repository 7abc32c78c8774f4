"""X's v2 media upload: initialize, append in chunks, finalize, wait for processing, alt text.

Chunks are 4 MiB (`CHUNK_BYTES`): X takes at most 5 MB per segment and at most 1,000
segments, so 4 MiB keeps each request under the cap with room for the multipart framing,
and a 512 MB video needs 128 appends. The file is read from storage as a stream and cut
into chunks as it comes, so a video is never held whole.

Nothing is posted while uploading, so every failure here is safe to retry: a lost answer
is `PlatformUnreachable(sent=False)`. X refusing the media itself (too large, processing
`failed`) is `ContentRejected("media_rejected")`; refusing the token's scope (no
`media.write`) is `ContentRejected("integration_missing_scope")`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp

from adapters.platforms.twitter_answers import Answer, bearer, checked, data_of, message_of
from application.ports.credentials import Credentials
from application.ports.image_fitter import ImageFitter
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import AccessTokenExpired, ContentRejected, PlatformUnreachable

CHUNK_BYTES = 4 * 1024 * 1024
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_SIDE = 8192
MAX_PROCESSING_S = 600
CATEGORIES = {"image": "tweet_image", "gif": "tweet_gif", "video": "tweet_video"}
MISSING_SCOPE = "X refused the media upload: the account did not grant media.write; reconnect it."

Send = Callable[..., Awaitable[Answer]]


class XMediaUploader:
    """Uploads a post's media one after the other and answers their X media ids, in order.

    Processing (GIFs and videos) is polled after X's `check_after_secs`, but never more
    than `poll_cap_s` apart (a setting that tests shorten), for at most `MAX_PROCESSING_S`
    of X's own reckoning. An image over X's 5 MB is re-encoded by `fitter` first.
    """

    def __init__(
        self,
        send: Send,
        fitter: ImageFitter | None,
        poll_cap_s: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.send, self.fitter, self.poll_cap_s, self.sleep = send, fitter, poll_cap_s, sleep

    async def upload_all(
        self, credentials: Credentials, media: Sequence[OutgoingMedia]
    ) -> list[str]:
        try:
            return [await self._upload(credentials, item) for item in media]
        except PlatformUnreachable as error:
            raise PlatformUnreachable(f"uploading media to X failed: {error}", sent=False) from None

    async def _upload(self, credentials: Credentials, media: OutgoingMedia) -> str:
        content_type, size, chunks = media.content_type, media.size_bytes, media.chunks
        if media.kind == "image" and size > IMAGE_MAX_BYTES:
            if self.fitter is None:
                raise ContentRejected("media_rejected", "X takes images of at most 5 MB")
            fitted = await self.fitter.fit(
                await media.read(), max_bytes=IMAGE_MAX_BYTES, max_side=IMAGE_MAX_SIDE
            )
            content_type, size = fitted.content_type, len(fitted.content)
            chunks = _whole(fitted.content)
        auth = bearer(credentials)
        started = await self._call(
            "POST",
            "/2/media/upload/initialize",
            json={
                "media_type": content_type,
                "total_bytes": size,
                "media_category": CATEGORIES[media.kind],
            },
            headers=auth,
        )
        media_id = str(started.get("id") or "")
        if not media_id.isdigit():
            raise PlatformUnreachable("X's answer to initialize names no media id", sent=True)
        index = 0
        async for segment in _segments(chunks(), CHUNK_BYTES):
            form = aiohttp.FormData()
            form.add_field("segment_index", str(index))
            form.add_field(
                "media", segment, filename="blob", content_type="application/octet-stream"
            )
            await self._call("POST", f"/2/media/upload/{media_id}/append", data=form, headers=auth)
            index += 1
        done = await self._call("POST", f"/2/media/upload/{media_id}/finalize", headers=auth)
        await self._processed(media_id, done, auth)
        if media.alt_text:
            metadata = {"id": media_id, "metadata": {"alt_text": {"text": media.alt_text}}}
            await self._call("POST", "/2/media/metadata", json=metadata, headers=auth)
        return media_id

    async def _processed(
        self, media_id: str, data: Mapping[str, Any], auth: dict[str, str]
    ) -> None:
        """Waits while X says pending or in_progress; `failed` is a refusal of the media."""
        waited = 0.0
        while True:
            info = data.get("processing_info")
            state = info.get("state") if isinstance(info, dict) else "succeeded"
            if state == "failed":
                error = info.get("error") if isinstance(info, dict) else None
                reason = error.get("message") if isinstance(error, dict) else None
                raise ContentRejected("media_rejected", f"X could not process the media: {reason}")
            if state not in ("pending", "in_progress"):
                return
            after = info.get("check_after_secs") if isinstance(info, dict) else None
            wait = float(after) if isinstance(after, int | float) and after > 0 else 1.0
            waited += wait
            if waited > MAX_PROCESSING_S:
                raise PlatformUnreachable("X is still processing the media", sent=False)
            await self.sleep(min(wait, self.poll_cap_s))
            query = {"command": "STATUS", "media_id": media_id}
            data = await self._call("GET", "/2/media/upload", params=query, headers=auth)

    async def _call(self, method: str, path: str, **options: Any) -> Mapping[str, Any]:
        answer = await self.send(method, path, **options)
        if answer.status == 401:
            raise AccessTokenExpired(message_of(answer))
        if answer.status == 403:
            raise ContentRejected("integration_missing_scope", MISSING_SCOPE)
        if 400 <= answer.status < 500 and answer.status != 429:
            raise ContentRejected("media_rejected", f"X refused the media: {message_of(answer)}")
        return data_of(checked(answer, content=False))


def _whole(content: bytes) -> Callable[[], AsyncIterator[bytes]]:
    async def chunks() -> AsyncIterator[bytes]:
        yield content

    return chunks


async def _segments(chunks: AsyncIterator[bytes], size: int) -> AsyncIterator[bytes]:
    """The stream cut into pieces of exactly `size` bytes (the last one shorter)."""
    pending = bytearray()
    async for chunk in chunks:
        pending += chunk
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)
