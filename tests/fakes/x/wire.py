"""Minimal HTTP vocabulary for the fake: a parsed request and a reply to send."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

JSON = "application/json; charset=utf-8"
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        """The x-www-form-urlencoded body, first value of each field.

        Any other content type yields no fields, as X's token endpoint only
        reads form bodies.
        """
        if not self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return {}
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(
        cls,
        status: int,
        data: Any,
        *,
        content_type: str = JSON,
        headers: list[tuple[str, str]] | None = None,
    ) -> Reply:
        body = json.dumps(data, separators=(",", ":")).encode()
        return cls(status, body, content_type, list(headers or []))

    @classmethod
    def problem(
        cls,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        headers: list[tuple[str, str]] | None = None,
    ) -> Reply:
        """X v2 errors are RFC 7807 problem documents: title, detail, type, status."""
        data = {"title": title, "detail": detail or title, "type": type_, "status": status}
        return cls.json(status, data, content_type=PROBLEM_JSON, headers=headers)

    @classmethod
    def redirect(cls, location: str) -> Reply:
        return cls(302, b"", None, [("location", location)])

    @classmethod
    def html(cls, status: int, text: str) -> Reply:
        page = f"<!doctype html><title>X</title><p>{text}</p>"
        return cls(status, page.encode(), "text/html; charset=utf-8")


class Refused(Exception):
    """Raised by a rule that turns the request down; carries the reply to send."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply
