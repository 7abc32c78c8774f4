"""A delivery's attempts and the retry schedule with its jitter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import IllegalTransition
from domain.webhooks.delivery import AttemptResult, Delivery, DeliveryStatus
from domain.webhooks.errors import DeliveryAlreadySucceeded
from domain.webhooks.events import EventType
from domain.webhooks.schedule import DEFAULT_SCHEDULE_S, RetrySchedule

T0 = datetime(2026, 4, 16, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
SCHEDULE = RetrySchedule()
OK, ERROR, GONE = AttemptResult(204), AttemptResult(500), AttemptResult(410)
CUT = AttemptResult(None, "the connection closed before an answer")


def new_delivery() -> Delivery:
    return Delivery.new(
        id=uuid4(),
        workspace_id=uuid4(),
        endpoint_id=uuid4(),
        event_id="evt_1",
        event_type=EventType.POST_PUBLISHED,
        now=T0,
    )


@given(
    attempt=st.integers(min_value=1, max_value=len(DEFAULT_SCHEDULE_S)),
    random=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_each_retry_waits_its_delay_within_twenty_percent(attempt: int, random: float) -> None:
    delay = SCHEDULE.delay_after(attempt, random)
    assert delay is not None
    nominal = DEFAULT_SCHEDULE_S[attempt - 1]
    assert nominal * 0.8 - 1e-6 <= delay.total_seconds() <= nominal * 1.2 + 1e-6


def test_the_jitter_spans_both_sides() -> None:
    assert SCHEDULE.delay_after(1, 0.0) == timedelta(seconds=4)
    assert SCHEDULE.delay_after(1, 0.5) == timedelta(seconds=5)
    assert SCHEDULE.delay_after(1, 0.999999) > timedelta(seconds=5.99)  # type: ignore[operator]


@given(
    results=st.lists(st.sampled_from([OK, ERROR, CUT, AttemptResult(302)]), max_size=12),
    randoms=st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), min_size=12),
)
def test_a_delivery_is_tried_at_most_the_schedule_plus_one_and_ends_on_a_2xx(
    results: list[AttemptResult], randoms: list[float]
) -> None:
    delivery, now = new_delivery(), T0
    for result, random in zip(results, randoms, strict=False):
        if delivery.status is not DeliveryStatus.PENDING:
            break
        delivery.claim(now, LEASE)
        delivery.record(result, now, SCHEDULE, random)
        if result.succeeded:
            assert delivery.status is DeliveryStatus.SUCCEEDED
            assert delivery.delivered_at == now
        elif delivery.attempts > len(DEFAULT_SCHEDULE_S):
            assert delivery.status is DeliveryStatus.FAILED
        else:
            assert delivery.status is DeliveryStatus.PENDING
            assert delivery.next_attempt_at is not None and delivery.next_attempt_at > now
            now = delivery.next_attempt_at
    assert delivery.attempts <= SCHEDULE.max_attempts


def test_a_3xx_is_a_failure_with_its_code_kept() -> None:
    delivery = new_delivery()
    delivery.claim(T0, LEASE)
    delivery.record(AttemptResult(302), T0, SCHEDULE, 0.5)
    assert delivery.status is DeliveryStatus.PENDING
    assert (delivery.last_status_code, delivery.last_error) == (302, "the endpoint answered 302")


def test_a_410_fails_at_once() -> None:
    delivery = new_delivery()
    delivery.claim(T0, LEASE)
    delivery.record(GONE, T0, SCHEDULE, 0.5)
    assert delivery.status is DeliveryStatus.FAILED


def test_a_claim_leases_and_counts_an_attempt() -> None:
    delivery = new_delivery()
    assert delivery.is_due(T0)
    delivery.claim(T0, LEASE)
    assert delivery.attempts == 1 and delivery.in_flight(T0) and not delivery.is_due(T0)
    assert delivery.is_due(T0 + LEASE)  # a dead worker's attempt is made again


def test_a_failed_delivery_retried_by_hand_gets_one_more_attempt() -> None:
    delivery = new_delivery()
    for _ in range(SCHEDULE.max_attempts):
        delivery.claim(T0, LEASE)
        delivery.record(ERROR, T0, SCHEDULE, 0.5)
    assert delivery.status is DeliveryStatus.FAILED
    delivery.retry_now(T0)
    assert delivery.is_due(T0)
    delivery.claim(T0, LEASE)
    delivery.record(ERROR, T0, SCHEDULE, 0.5)
    assert delivery.status is DeliveryStatus.FAILED


def test_a_succeeded_delivery_is_never_sent_again() -> None:
    delivery = new_delivery()
    delivery.claim(T0, LEASE)
    delivery.record(OK, T0, SCHEDULE, 0.5)
    with pytest.raises(DeliveryAlreadySucceeded):
        delivery.retry_now(T0)
    with pytest.raises(IllegalTransition):
        delivery.claim(T0, LEASE)
