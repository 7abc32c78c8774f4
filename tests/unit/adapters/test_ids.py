import time
from uuid import UUID

import pytest

from adapters.ids import Uuid7Generator


def test_ids_are_version_7_with_the_rfc_variant() -> None:
    made = Uuid7Generator().new_id()
    assert made.version == 7
    assert made.variant == "specified in RFC 4122"


def test_ids_made_in_one_millisecond_keep_the_order_they_were_made_in() -> None:
    ids = Uuid7Generator()
    made = [ids.new_id() for _ in range(20_000)]  # many share a millisecond
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert all(u.version == 7 and u.variant == "specified in RFC 4122" for u in made)


def test_a_clock_stepping_back_does_not_break_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = Uuid7Generator()
    now = time.time_ns()
    monkeypatch.setattr(time, "time_ns", lambda: now)
    before = ids.new_id()
    monkeypatch.setattr(time, "time_ns", lambda: now - 5_000_000_000)
    after = ids.new_id()
    assert after > before
    assert after.version == 7


def test_the_timestamp_is_the_unix_millisecond(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time_ns", lambda: 1_776_420_000_123_456_789)
    made = Uuid7Generator().new_id()
    assert made.int >> 80 == 1_776_420_000_123
    assert isinstance(made, UUID)
