import os
import threading
import time
from uuid import UUID

from application.ports.ids import IdGenerator


class Uuid7Generator(IdGenerator):
    """RFC 9562 UUIDv7: 48 bits of Unix milliseconds, then 74 random bits. Time-ordered
    ids keep B-tree inserts at the right edge of the index.

    Monotonic within a process, across every generator (RFC 9562, section 6.2, method 2):
    an id made in the same millisecond as the one before it, or after the clock stepped
    back, is the previous one plus one. Whatever is ordered by id (the webhook outbox,
    lists) then keeps the order in which it was made, not a random order within each
    millisecond, even when its rows get their ids from different adapters."""

    def new_id(self) -> UUID:
        global _last
        millis = time.time_ns() // 1_000_000
        # The 122 bits that are not version or variant: milliseconds, then randomness.
        value = (millis & ((1 << 48) - 1)) << 74 | int.from_bytes(os.urandom(10), "big") >> 6
        with _lock:
            if value <= _last:
                value = _last + 1
            _last = value
        return UUID(int=_layout(value))


_last = 0
_lock = threading.Lock()


def _layout(value: int) -> int:
    """Place 122 bits around the version (7) and variant (0b10) fields."""
    millis, rand_a, rand_b = value >> 74, (value >> 62) & 0xFFF, value & ((1 << 62) - 1)
    return millis << 80 | 0x7 << 76 | rand_a << 64 | 0x2 << 62 | rand_b
