"""What clients send in paths, queries and bodies (ids, cursors, timestamps, schedules),
parsed into what the use cases take. Framework-free: the MCP tools parse the same way.

Timestamps come in as RFC 3339 with an offset (any offset, converted to UTC; fractions
truncated; none is a 422)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID

from application.errors import InvalidCursor, NotFound
from application.post_scheduling import NEXT_SLOT, Schedule
from entrypoints.refusals import validation_error


def parse_id(value: str) -> UUID:
    """A non-UUID id names nothing: 404, the same as an unknown id."""
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(value) from None


def parse_cursor(value: str | None) -> UUID | None:
    """`starting_after`: absent, or an id; a malformed one names no item of the list."""
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise InvalidCursor(value) from None


def parse_filter_id(value: str | None, field: str) -> UUID | None:
    """An id used as a filter (`integration_id`): a malformed one is a bad field, 422."""
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise validation_error(field, "must be a UUID") from None


_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2})?", re.ASCII
)


def parse_timestamp(value: str, field: str) -> datetime:
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise validation_error(field, "must be an RFC 3339 timestamp like 2026-04-17T13:00:00Z")
    date, time, offset = match.groups()
    if offset is None:
        raise validation_error(field, "must include a UTC offset (Z or +HH:MM)")
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        return datetime.fromisoformat(f"{date}T{time}{offset}").astimezone(UTC)
    except ValueError:
        raise validation_error(field, "is not a valid date and time") from None
    except OverflowError:  # in UTC it falls before year 1 or after year 9999
        raise validation_error(field, "is out of range") from None


def parse_schedule(value: str | None) -> Schedule:
    """`schedule_at`: null (a draft), `"next_slot"`, or a timestamp."""
    if value is None:
        return None
    if value == NEXT_SLOT.value:
        return NEXT_SLOT
    return parse_timestamp(value, "schedule_at")
