"""How `GET /v1/media/{id}/content` reads its request headers (RFC 9110): one byte range,
`If-None-Match` (304 when the client's copy is current) and `If-Range` (the range only
while the client's copy is still this one; the whole object otherwise)."""

from __future__ import annotations

import re

from application.read_media_content import ByteRange

_RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.ASCII)
_ENTITY_TAG = re.compile(r'\s*(W/)?("[^"]*")\s*(?:,|$)', re.ASCII)


def parse_range(header: str | None) -> ByteRange | None:
    """One `bytes=first-last` range; anything else (several ranges, other units, nonsense)
    is ignored and the whole object sent, as RFC 9110 allows."""
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or match.groups() == ("", ""):
        return None
    first, last = (int(v) if v else None for v in match.groups())
    return ByteRange(first, last)


def _tags(header: str) -> list[tuple[bool, str]]:
    """`(weak, "opaque")` for each entity tag of a list; nothing for a malformed one."""
    found, at = [], 0
    while at < len(header):
        match = _ENTITY_TAG.match(header, at)
        if match is None or match.end() == at:
            return []
        found.append((match.group(1) is not None, match.group(2)))
        at = match.end()
    return found


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """`If-None-Match` names this ETag (weak comparison) or is `*`."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag == etag for _, tag in _tags(if_none_match))


def range_applies(if_range: str | None, etag: str) -> bool:
    """Without `If-Range` a range is served; with it, only when it is this strong ETag. A
    date never matches, since no `Last-Modified` is sent."""
    if if_range is None:
        return True
    tags = _tags(if_range.strip())
    return len(tags) == 1 and tags[0] == (False, etag)
