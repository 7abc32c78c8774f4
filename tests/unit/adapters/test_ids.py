import time
from uuid import UUID

import pytest

from adapters import ids
from adapters.ids import Uuid7Generator


def test_ids_are_version_7_with_the_rfc_variant() -> None:
    made = Uuid7Generator().new_id()
    assert made.version == 7
    assert made.variant == "specified in RFC 4122"


def test_ids_made_in_one_millisecond_keep_the_order_they_were_made_in() -> None:
    generator = Uuid7Generator()
    made = [generator.new_id() for _ in range(20_000)]  # many share a millisecond
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert all(u.version == 7 and u.variant == "specified in RFC 4122" for u in made)


def test_ids_from_different_generators_share_one_order() -> None:
    first, second = Uuid7Generator(), Uuid7Generator()
    made = [g.new_id() for _ in range(5_000) for g in (first, second)]
    assert made == sorted(made)


def test_a_clock_stepping_back_does_not_break_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = Uuid7Generator()
    now = time.time_ns()
    monkeypatch.setattr(time, "time_ns", lambda: now)
    before = generator.new_id()
    monkeypatch.setattr(time, "time_ns", lambda: now - 5_000_000_000)
    after = generator.new_id()
    assert after > before
    assert after.version == 7


def test_the_timestamp_is_the_unix_millisecond(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "_last", 0)  # no id made before, in this process
    monkeypatch.setattr(time, "time_ns", lambda: 1_776_420_000_123_456_789)
    made = Uuid7Generator().new_id()
    assert made.int >> 80 == 1_776_420_000_123
    assert isinstance(made, UUID)
