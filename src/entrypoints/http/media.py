"""The /v1/media routes: parse, call one use case, shape the answer. Uploads stream from
the socket through the inspector to the store; content streams back out of the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from dishka import FromDishka
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from application.delete_media import DeleteMedia
from application.describe_media import DescribeMedia
from application.get_media import GetMedia
from application.list_media import ListMedia
from application.read_media_content import ReadMediaContent
from application.upload_media import UploadMedia, UploadMediaCommand
from application.upload_media_from_url import UploadMediaFromUrl, UploadMediaFromUrlCommand
from domain.media import MediaCaps
from entrypoints.http.caller import caller
from entrypoints.http.inject import inject
from entrypoints.http.media_content import not_modified, parse_range, range_applies
from entrypoints.http.media_form import MediaForm
from entrypoints.http.media_openapi import ContentOperation, UploadOperation
from entrypoints.http.media_schemas import (
    Media,
    MediaChanges,
    MediaList,
    NewMediaFromUrl,
    media_out,
)
from entrypoints.http.openapi import API_KEY, errors
from entrypoints.http.params import parse_cursor, parse_id

Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Page size, 1-200.")]
FORM_OVERHEAD_BYTES = 64 * 1024
CACHE_CONTROL = "private, max-age=31536000, immutable"


async def _primed(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Reads the first chunk before the answer starts, so a missing object or a failing
    store is still an error answer rather than a cut-off body."""
    first = await anext(chunks, None)

    async def rest() -> AsyncIterator[bytes]:
        if first is not None:
            yield first
            async for chunk in chunks:
                yield chunk

    return rest()


class MediaController(Controller):
    path = "/v1/media"
    security = API_KEY
    tags = ["Media"]

    @post(
        "/",
        status_code=201,
        request_max_body_size=None,
        operation_class=UploadOperation,
        responses=errors(400, 413, 415, 422),
        summary="Upload media",
        operation_id="uploadMedia",
    )
    @inject
    async def upload_media(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[UploadMedia],
        caps: FromDishka[MediaCaps],
    ) -> Media:
        """`multipart/form-data` with a `file` and an optional `alt_text` (up to 1,000
        characters). The type comes from the bytes: JPEG, PNG, WebP, GIF, MP4 or MOV.
        Images are stored without EXIF, XMP or IPTC, upright."""
        content_type = request.headers.get("content-type", "")
        form = MediaForm(request.stream(), content_type, caps.largest + FORM_OVERHEAD_BYTES)
        command = UploadMediaCommand(caller(request).workspace_id, form.file(), late=form)
        return media_out(await use_case.execute(command))

    @post(
        "/from-url",
        status_code=201,
        responses=errors(400, 413, 415, 422),
        summary="Upload media from a URL",
        operation_id="uploadMediaFromUrl",
    )
    @inject
    async def upload_media_from_url(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[UploadMediaFromUrl],
        data: JSONBody[NewMediaFromUrl],
    ) -> Media:
        """The server fetches an http(s) URL (30 s, 3 redirects, public addresses only)."""
        command = UploadMediaFromUrlCommand(caller(request).workspace_id, data.url, data.alt_text)
        return media_out(await use_case.execute(command))

    @get("/", responses=errors(422), summary="List media", operation_id="listMedia")
    @inject
    async def list_media(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[ListMedia],
        limit: Limit = 20,
        starting_after: FromQuery[str | None] = None,
    ) -> MediaList:
        """Newest first."""
        page = await use_case.execute(
            caller(request).workspace_id, limit, parse_cursor(starting_after)
        )
        return MediaList(data=[media_out(m) for m in page.items], has_more=page.has_more)

    @get("/{media_id:str}", responses=errors(404), summary="Get media", operation_id="getMedia")
    @inject
    async def get_media(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[GetMedia],
        media_id: FromPath[str],
    ) -> Media:
        return media_out(await use_case.execute(caller(request).workspace_id, parse_id(media_id)))

    @patch(
        "/{media_id:str}",
        responses=errors(404, 413, 422),
        summary="Set media alt text",
        operation_id="updateMedia",
    )
    @inject
    async def update_media(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[DescribeMedia],
        media_id: FromPath[str],
        data: JSONBody[MediaChanges],
    ) -> Media:
        """`alt_text` up to 1,000 characters; null removes it."""
        media = await use_case.execute(
            caller(request).workspace_id, parse_id(media_id), data.alt_text
        )
        return media_out(media)

    @delete(
        "/{media_id:str}",
        status_code=200,
        responses=errors(404, 409),
        summary="Delete media",
        operation_id="deleteMedia",
    )
    @inject
    async def delete_media(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[DeleteMedia],
        media_id: FromPath[str],
    ) -> Media:
        """Refused (409 `media_in_use`) while a draft, scheduled or publishing post uses it."""
        return media_out(await use_case.execute(caller(request).workspace_id, parse_id(media_id)))

    @get(
        "/{media_id:str}/content",
        responses=errors(404, 416),
        operation_class=ContentOperation,
        summary="Download media",
        operation_id="getMediaContent",
    )
    @inject
    async def media_content(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[ReadMediaContent],
        media_id: FromPath[str],
    ) -> Response[Any]:
        """The stored bytes, with `ETag` (the SHA-256), single byte ranges (`If-Range`
        honoured) and 304 for an `If-None-Match` naming the ETag."""
        workspace, wanted_id = caller(request).workspace_id, parse_id(media_id)
        wanted = parse_range(request.headers.get("range"))
        media = await use_case.find(workspace, wanted_id)
        etag = f'"{media.sha256}"'
        headers = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": CACHE_CONTROL}
        if not_modified(request.headers.get("if-none-match"), etag):
            return Response(None, status_code=304, headers=headers)
        if wanted is not None and not range_applies(request.headers.get("if-range"), etag):
            wanted = None
        content = use_case.content_of(media, wanted)
        headers["Content-Length"] = str(content.end - content.start)
        status = 200
        if wanted is not None:
            status = 206
            last = content.end - 1
            headers["Content-Range"] = f"bytes {content.start}-{last}/{media.size_bytes}"
        body = await _primed(content.chunks)
        return Stream(body, media_type=media.content_type, headers=headers, status_code=status)
