"""Request bodies as JSON, refused as `invalid_json` whatever is wrong with them.

Litestar decodes a JSON body with msgspec before converting it to the route's Struct.
This request class, given to Litestar as its `request_class`, refuses first what would
crash the decoder (nesting deeper than `MAX_DEPTH`: msgspec recurses, and at about a
thousand levels raises `RecursionError`), and answers every malformed body (truncated,
not UTF-8, a number out of range) with the one code the contract names for it."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException

from entrypoints.http.envelope import Refusal
from entrypoints.http.errors import INVALID_JSON, ApiError

MAX_DEPTH = 64
TOO_DEEP = Refusal(
    400, "invalid_json", f"The request body is nested more than {MAX_DEPTH} levels deep."
)
# A string (so brackets inside one do not count) or a bracket.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def nested_deeper_than(body: bytes, limit: int) -> bool:
    """Whether arrays and objects in `body` nest more than `limit` deep. A body with no
    more brackets than the limit cannot (the common case, counted at C speed)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for token in _TOKENS.finditer(body):
        char = token.group()
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


class JsonRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        if nested_deeper_than(await self.body(), MAX_DEPTH):
            raise ApiError(TOO_DEEP)
        try:
            return await super().json()
        except SerializationException:
            raise ApiError(INVALID_JSON) from None
