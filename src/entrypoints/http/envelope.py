"""The error envelope, written in one place: `{"error", "code", "request_id"?, "details"?}`,
and the request id it carries.

Every refusal of the edge goes through `render`: the error table's answers (`errors.py`),
the gate's 401, 429 and 503 (`gate.py`, `rate_limit.py`) and the `Idempotency-Key` layer's
(`idempotency.py`). Those that answer before Litestar runs send it with `send_refusal`."""

from __future__ import annotations

import random
from typing import Any

import msgspec

from entrypoints.http.schemas import Error
from entrypoints.refusals import Refusal

__all__ = ["REQUEST_ID", "Refusal", "new_request_id", "render", "request_id_of", "send_refusal"]

REQUEST_ID = "openpost.request_id"  # the ASGI scope key the gate sets on every request
_random_bits = random.getrandbits  # the module's generator: seeded afresh in a forked child


def new_request_id() -> str:
    """96 random bits: unique enough to find one request's lines, and no secret (it is
    sent back in `Request-Id`), so the per-process generator serves, without a syscall."""
    return f"req_{_random_bits(96):024x}"


def request_id_of(scope: Any) -> str | None:
    value = scope.get(REQUEST_ID)
    return str(value) if value else None


def render(refusal: Refusal, request_id: str | None) -> bytes:
    """The envelope's bytes. The id is left out when there is none, or when the refusal
    says so (the contract fixes the 401 to `error` and `code`; `Request-Id` still names
    the request in a header)."""
    request_id = request_id if refusal.with_request_id else None
    body = Error(refusal.message, refusal.code, request_id, refusal.details)
    return msgspec.json.encode(body)


async def send_refusal(send: Any, refusal: Refusal, request_id: str | None) -> None:
    """The envelope as a whole ASGI answer, for the layers in front of Litestar."""
    body = render(refusal, request_id)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in refusal.headers
        ),
    ]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
