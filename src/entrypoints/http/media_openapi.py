"""What the framework cannot infer for the media routes: the upload's form (the route reads
the raw stream, since a declared body would make the framework buffer it) and the content
route's binary answers."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)

from domain.media import MAX_ALT_TEXT_LENGTH

CONTENT_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "video/mp4",
    "video/quicktime",
)

UPLOAD_FORM = RequestBody(
    required=True,
    content={
        "multipart/form-data": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.OBJECT,
                required=["file"],
                properties={
                    "file": Schema(
                        type=OpenAPIType.STRING,
                        format="binary",  # type: ignore[arg-type]
                        description="JPEG, PNG, WebP, GIF, MP4 or MOV; the type comes from the bytes.",
                    ),
                    "alt_text": Schema(type=OpenAPIType.STRING, max_length=MAX_ALT_TEXT_LENGTH),
                },
            )
        )
    },
)


@dataclass
class UploadOperation(Operation):
    def __post_init__(self) -> None:
        self.request_body = UPLOAD_FORM


def _binary() -> dict[str, OpenAPIMediaType]:
    schema = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
    return {kind: OpenAPIMediaType(schema=schema) for kind in CONTENT_TYPES}


def _header(description: str) -> OpenAPIHeader:
    return OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description=description)


_ETAG = _header("The SHA-256 of the stored bytes, quoted.")
CONTENT_ANSWERS = {
    "200": OpenAPIResponse(
        description="The stored bytes, of the media's content type",
        content=_binary(),
        headers={"ETag": _ETAG, "Accept-Ranges": _header("bytes")},
    ),
    "206": OpenAPIResponse(
        description="One byte range of the stored bytes (`Range`; `If-Range` honoured)",
        content=_binary(),
        headers={"ETag": _ETAG, "Content-Range": _header("bytes first-last/size")},
    ),
    "304": OpenAPIResponse(
        description="Not modified: `If-None-Match` names the current ETag",
        headers={"ETag": _ETAG},
    ),
}


@dataclass
class ContentOperation(Operation):
    def __post_init__(self) -> None:
        answers = dict(self.responses or {})
        answers.pop("200", None)
        self.responses = {**CONTENT_ANSWERS, **answers}
