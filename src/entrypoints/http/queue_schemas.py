"""The wire format of queues and slot previews. Structs check only shapes and types
(a 422 naming the path); the domain's `Queue.parse` checks the rules and names the field."""

from __future__ import annotations

from typing import Annotated

import msgspec

from application.list_slots import UpcomingSlot
from application.ports.queues import StoredQueue
from application.set_queue import QueueSlotsInput
from domain.queue import DEFAULT_GAP_MINUTES, DEFAULT_HORIZON_DAYS
from entrypoints.http.schemas import Timestamp, utc_seconds

Day = Annotated[str, msgspec.Meta(description="mon, tue, wed, thu, fri, sat or sun")]
LocalTime = Annotated[str, msgspec.Meta(description="HH:MM, 00:00-23:59", examples=["09:00"])]
LocalDate = Annotated[str, msgspec.Meta(description="YYYY-MM-DD", examples=["2026-12-25"])]


class QueueSlots(msgspec.Struct, forbid_unknown_fields=True):
    days: Annotated[list[Day], msgspec.Meta(max_length=7)]
    times: Annotated[list[LocalTime], msgspec.Meta(max_length=100)]


class QueueIn(msgspec.Struct, forbid_unknown_fields=True):
    timezone: Annotated[
        str,
        msgspec.Meta(max_length=64, description="An IANA time zone", examples=["America/New_York"]),
    ]
    slots: Annotated[list[QueueSlots], msgspec.Meta(max_length=100)]
    blocked_dates: Annotated[list[LocalDate], msgspec.Meta(max_length=1000)] = msgspec.field(
        default_factory=list
    )
    min_gap_minutes: Annotated[int, msgspec.Meta(description="0-1440")] = DEFAULT_GAP_MINUTES
    horizon_days: Annotated[int, msgspec.Meta(description="1-28")] = DEFAULT_HORIZON_DAYS

    def slot_inputs(self) -> list[QueueSlotsInput]:
        return [QueueSlotsInput(entry.days, entry.times) for entry in self.slots]


class Queue(msgspec.Struct):
    """An integration's posting queue (section 9)."""

    integration_id: str
    timezone: str
    slots: list[QueueSlots]
    blocked_dates: list[str]
    min_gap_minutes: int
    horizon_days: int
    updated_at: Timestamp


class SlotPreview(msgspec.Struct):
    date: Timestamp
    local_time: Annotated[
        str,
        msgspec.Meta(description="The same moment on the queue's wall clock, with its offset"),
    ]


class SlotPreviewList(msgspec.Struct):
    data: list[SlotPreview]


def queue_out(stored: StoredQueue) -> Queue:
    queue = stored.queue
    return Queue(
        integration_id=str(stored.integration_id),
        timezone=queue.timezone,
        slots=[
            QueueSlots(list(rule.days), [f"{at:%H:%M}" for at in rule.times])
            for rule in queue.slots
        ],
        blocked_dates=sorted(d.isoformat() for d in queue.blocked_dates),
        min_gap_minutes=queue.min_gap_minutes,
        horizon_days=queue.horizon_days,
        updated_at=utc_seconds(stored.updated_at),
    )


def slots_out(slots: list[UpcomingSlot]) -> SlotPreviewList:
    return SlotPreviewList(
        data=[
            SlotPreview(utc_seconds(s.date), s.local_time.isoformat(timespec="seconds"))
            for s in slots
        ]
    )
