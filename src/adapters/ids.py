import os
import time
from uuid import UUID

from application.ports.ids import IdGenerator


class Uuid7Generator(IdGenerator):
    """RFC 9562 UUIDv7: 48 bits of Unix milliseconds, then randomness. Time-ordered ids
    keep B-tree inserts at the right edge of the index."""

    def new_id(self) -> UUID:
        millis = time.time_ns() // 1_000_000
        value = (millis & ((1 << 48) - 1)) << 80
        value |= int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
        value &= ~(0xF << 76)
        value |= 0x7 << 76
        value &= ~(0x3 << 62)
        value |= 0x2 << 62
        return UUID(int=value)
