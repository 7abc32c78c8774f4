"""The endpoint: its URL and event rules, its enabled state, its secrets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.webhooks.endpoint import (
    ENDPOINT_MOVES,
    FAILING_AFTER,
    DisabledReason,
    EndpointEvent,
    WebhookEndpoint,
    check_events,
)
from domain.webhooks.errors import InvalidWebhookInput
from domain.webhooks.events import SUBSCRIBABLE, EventType
from domain.webhooks.signing import new_secret
from domain.webhooks.urls import UrlPolicy, check_url

T0 = datetime(2026, 4, 16, 10, 0, tzinfo=UTC)
STRICT = UrlPolicy()


def endpoint(events: tuple[str, ...] = ("*",)) -> WebhookEndpoint:
    return WebhookEndpoint.create(
        id=uuid4(),
        workspace_id=uuid4(),
        url="https://hooks.example.com/openpost",
        events=events,
        description=None,
        secret=new_secret(),
        policy=STRICT,
        now=T0,
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/", "https"),
        ("ftp://hooks.example.com/", "https"),
        ("hooks.example.com/x", "https"),
        ("https:///nohost", "host"),
        ("https://user:pw@hooks.example.com/", "credentials"),
        ("https://hooks.example.com/#frag", "fragment"),
        ("https://hooks.example.com:99999/", "valid"),
        ("https://" + "a" * 2048 + ".com/", "2048"),
    ],
)
def test_bad_urls_are_refused_naming_the_field(url: str, reason: str) -> None:
    with pytest.raises(InvalidWebhookInput) as refused:
        check_url(url, STRICT)
    assert refused.value.field == "url" and reason in refused.value.reason


def test_http_needs_allow_http() -> None:
    assert check_url("http://hooks.example.com/", UrlPolicy(allow_http=True))


@given(st.lists(st.sampled_from(sorted(SUBSCRIBABLE)), min_size=1))
def test_known_events_are_kept_in_order_without_duplicates(events: list[str]) -> None:
    assert check_events(events) == tuple(dict.fromkeys(events))


@pytest.mark.parametrize(
    ("events", "field"),
    [([], "events"), (["post.publish"], "events[0]"), (["*", "post.failed"], "events"),
     (["post.failed", "webhook.test"], "events[1]")],
)  # fmt: skip
def test_bad_event_lists_are_refused(events: list[str], field: str) -> None:
    with pytest.raises(InvalidWebhookInput) as refused:
        check_events(events)
    assert refused.value.field == field


def test_star_subscribes_to_everything_and_a_list_to_its_types() -> None:
    assert all(endpoint().subscribes_to(t) for t in EventType)
    only = endpoint(("post.failed",))
    assert only.subscribes_to(EventType.POST_FAILED)
    assert not only.subscribes_to(EventType.POST_PUBLISHED)


def test_a_410_disables_it_as_gone() -> None:
    ep = endpoint()
    ep.gone(T0)
    assert (ep.enabled, ep.disabled_reason) == (False, DisabledReason.GONE)


def test_five_days_with_nothing_delivered_while_failing_disables_it() -> None:
    ep = endpoint()
    assert ep.delivery_failed(T0)
    assert not ep.delivery_failed(T0 + FAILING_AFTER - timedelta(seconds=1))
    assert ep.enabled
    assert ep.delivery_failed(T0 + FAILING_AFTER)
    assert (ep.enabled, ep.disabled_reason) == (False, DisabledReason.FAILING)


def test_a_success_restarts_the_failure_count() -> None:
    ep = endpoint()
    ep.delivery_failed(T0)
    assert ep.delivery_succeeded()
    assert ep.delivery_failed(T0 + FAILING_AFTER)  # a new count starts
    assert ep.enabled and ep.failing_since == T0 + FAILING_AFTER


@given(st.lists(st.sampled_from(list(EndpointEvent)), max_size=20))
def test_every_move_follows_the_table(moves: list[EndpointEvent]) -> None:
    ep = endpoint()
    for move in moves:
        before = ep.enabled
        {
            EndpointEvent.ENABLE: lambda: ep.change(T0, STRICT, enabled=True),
            EndpointEvent.DISABLE: lambda: ep.change(T0, STRICT, enabled=False),
            EndpointEvent.GONE: lambda: ep.gone(T0),
            EndpointEvent.FAILING: lambda: ep._move(EndpointEvent.FAILING, T0),
        }[move]()
        expected = ENDPOINT_MOVES[(before, move)]
        assert ep.enabled == (before if expected is None else expected)
        assert (ep.disabled_reason is None) == ep.enabled


def test_a_rotated_secret_signs_beside_the_new_one_for_24_hours() -> None:
    ep = endpoint()
    old = ep.secret
    ep.rotate_secret(new_secret(), T0)
    assert ep.signing_secrets(T0 + timedelta(hours=23)) == (ep.secret, old)
    assert ep.signing_secrets(T0 + timedelta(hours=24)) == (ep.secret,)


def test_a_patch_checks_every_field_before_applying_any() -> None:
    ep = endpoint()
    with pytest.raises(InvalidWebhookInput):
        ep.change(T0, STRICT, url="https://other.example.com/", events=["nope"])
    assert ep.url == "https://hooks.example.com/openpost"


def test_the_secret_never_shows_in_a_repr() -> None:
    ep = endpoint()
    assert ep.secret not in repr(ep)
