"""Reading X's answers: each status as the port error it means, X's own words for a refusal."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.platforms.x_limits import reset_after_429
from application.ports.credentials import Credentials
from application.ports.platforms import ContentRejected, PlatformRateLimited, PlatformUnreachable


@dataclass(frozen=True, slots=True)
class Answer:
    """What X answered, read whole, so nothing of aiohttp outlives the request."""

    status: int
    body: bytes
    limits: Mapping[str, str] = field(default_factory=dict)


def checked(answer: Answer, *, content: bool) -> dict[str, Any]:
    """The JSON object of a 2xx answer, or the port error its status means."""
    status = answer.status
    if status == 429:
        reset_at = reset_after_429(answer.limits)
        raise PlatformRateLimited(reset_at, f"X rate limited: {message_of(answer)}")
    if status >= 500:
        raise PlatformUnreachable(f"X answered {status}", sent=False)
    if 400 <= status < 500:
        if content:
            raise ContentRejected("content_rejected", message_of(answer))
        raise PlatformUnreachable(f"X answered {status}: {message_of(answer)}", sent=True)
    try:
        body = json.loads(answer.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PlatformUnreachable("X answered with malformed JSON", sent=True) from None
    if not isinstance(body, dict):
        raise PlatformUnreachable("X answered with unexpected JSON", sent=True)
    return body


def data_of(body: Mapping[str, Any]) -> Mapping[str, Any]:
    data = body.get("data")
    if not isinstance(data, dict):
        raise PlatformUnreachable("X's answer has no data object", sent=True)
    return data


def body_of(answer: Answer) -> Mapping[str, Any]:
    try:
        body = json.loads(answer.body)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def oauth_error(answer: Answer) -> str:
    return str(body_of(answer).get("error", ""))


def message_of(answer: Answer) -> str:
    """X's own words: the first of errors[].message, detail, error_description, title."""
    body = body_of(answer)
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0].get("message")
        if isinstance(first, str) and first:
            return first
    for key in ("detail", "error_description", "title"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return f"HTTP {answer.status}"


def bearer(credentials: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.access_token}"}
