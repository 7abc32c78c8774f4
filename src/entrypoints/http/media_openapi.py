"""The upload's form in the OpenAPI document. The route reads the raw stream (a declared
body would make the framework buffer it), so the form is described here instead."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema

from domain.media import MAX_ALT_TEXT_LENGTH

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
