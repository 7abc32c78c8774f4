"""A `multipart/form-data` media upload read as it arrives, never buffered whole.

The form has one `file` part and optionally one `alt_text` field, in any order. The file's
bytes are handed on as they are parsed; the rest of the body is read to its end before the
last of them, so an `alt_text` sent after the file is known when the upload ends. A form
without a file, with two, with any other field, or over `max_bytes` in all is refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header

from application.upload_media import LateFields
from entrypoints.http.envelope import Refusal
from entrypoints.http.errors import ApiError, validation_error

MAX_FIELD_BYTES = 8 * 1024
_FIELDS = ("file", "alt_text")


def _too_large() -> ApiError:
    return ApiError(Refusal(413, "payload_too_large", "The request body is too large."))


class MediaForm(LateFields):
    def __init__(self, body: AsyncIterator[bytes], content_type: str, max_bytes: int) -> None:
        kind, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise validation_error("file", "send multipart/form-data with a file field")
        self._body, self._max_bytes = body, max_bytes
        self._fields: dict[str, bytearray] = {}
        self._files = 0
        self._part: str | None = None
        self._header, self._headers = b"", {}  # type: tuple[bytes, dict[bytes, bytes]]
        self._pending: list[bytes] = []
        self._parser = MultipartParser(boundary, self._callbacks())

    @property
    def alt_text(self) -> str | None:
        raw = self._fields.get("alt_text")
        if raw is None:
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise validation_error("alt_text", "must be UTF-8 text") from None

    async def file(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._body:
            seen += len(chunk)
            if seen > self._max_bytes:
                raise _too_large()
            self._feed(chunk)
            if self._pending:
                data, self._pending = b"".join(self._pending), []
                yield data
        self._parser.finalize()
        if self._files == 0:
            raise validation_error("file", "required")

    def _feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except ApiError:
            raise
        except Exception as exc:
            message = "The body is not a valid multipart form."
            raise ApiError(Refusal(400, "invalid_form", message)) from exc

    def _callbacks(self) -> Any:
        def on_header_field(data: bytes, start: int, end: int) -> None:
            self._header += data[start:end]

        def on_header_value(data: bytes, start: int, end: int) -> None:
            name = self._header.lower()
            self._headers[name] = self._headers.get(name, b"") + data[start:end]

        def on_header_end() -> None:
            self._header = b""

        def on_headers_finished() -> None:
            _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
            name = options.get(b"name", b"").decode("utf-8", "replace")
            self._headers = {}
            if name not in _FIELDS:
                raise validation_error(name or "body", "unknown field")
            if name in self._fields or (name == "file" and self._files):
                raise validation_error(name, "sent more than once")
            self._part = name
            if name == "file":
                self._files += 1
            else:
                self._fields[name] = bytearray()

        def on_part_data(data: bytes, start: int, end: int) -> None:
            if self._part == "file":
                whole = start == 0 and end == len(data)  # most chunks: no copy
                self._pending.append(data if whole else data[start:end])
                return
            field = self._fields[self._part or ""]
            field += data[start:end]
            if len(field) > MAX_FIELD_BYTES:
                raise validation_error(self._part or "body", "too long")

        def on_part_end() -> None:
            self._part = None

        return {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        }
