"""Bluesky images: each one fitted to the lexicon's limits, uploaded as a blob, then embedded.

The PDS refuses a post whose image blob is over 1,000,000 bytes (it checks the record
against `app.bsky.embed.images` on write), and the apps show at most 2,000 px on the
longer side; so an image over either is re-encoded before upload, never after, and the
stored original is left as it is. Alt text and `aspectRatio` always go with the image
(alt may be empty: the lexicon requires the field). Blobs that end up unused (a later
step failed) are dropped by the PDS on its own after a few minutes, so uploading them
again on a retry costs nothing lasting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.platforms.bluesky_answers import bearer
from adapters.platforms.bluesky_failures import lasting
from application.ports.credentials import Credentials
from application.ports.image_fitter import FittedImage, ImageFitter
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import (
    AccessTokenExpired,
    ContentRejected,
    PlatformRateLimited,
    PlatformUnreachable,
)

MAX_BLOB_BYTES = 1_000_000
MAX_SIDE = 2000
SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})


async def embed_images(
    client: Any,
    models: Any,
    fitter: ImageFitter,
    credentials: Credentials,
    media: Sequence[OutgoingMedia],
) -> Any:
    """The `app.bsky.embed.images` of a post, its blobs uploaded. Nothing is posted yet, so
    every failure is safe to retry: a lost answer is `PlatformUnreachable(sent=False)`."""
    images = []
    for item in media:
        fitted = await fitter.fit(await item.read(), max_bytes=MAX_BLOB_BYTES, max_side=MAX_SIDE)
        blob = await _upload(client, models, credentials, fitted)
        ratio = models.AppBskyEmbedDefs.AspectRatio(width=fitted.width, height=fitted.height)
        images.append(
            models.AppBskyEmbedImages.Image(alt=item.alt_text, image=blob, aspect_ratio=ratio)
        )
    return models.AppBskyEmbedImages.Main(images=images)


async def _upload(client: Any, models: Any, credentials: Credentials, fitted: FittedImage) -> Any:
    """The bytes go as the request's `content`: the SDK's own `upload_blob` hands them to
    httpx as `data`, which httpx deprecates for raw bytes."""
    headers = {**bearer(credentials.access_token), "Content-Type": fitted.content_type}
    try:
        response = await client.invoke_procedure(
            "com.atproto.repo.uploadBlob",
            content=fitted.content,
            headers=headers,
            output_encoding="application/json",
        )
    except Exception as error:
        try:
            failure = lasting(error)
        except PlatformUnreachable as unreachable:
            raise PlatformUnreachable(str(unreachable), sent=False) from error
        except PlatformRateLimited:
            raise
        if failure.error in SESSION_ERRORS or failure.status == 401:
            raise AccessTokenExpired(failure.error or "access token refused") from error
        message = failure.message or failure.error
        raise ContentRejected("media_rejected", f"Bluesky refused the image: {message}") from error
    answer = models.get_or_create(response.content, models.ComAtprotoRepoUploadBlob.Response)
    return answer.blob
