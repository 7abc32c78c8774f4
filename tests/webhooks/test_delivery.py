"""What a receiver sees and what each of its answers does to the delivery and endpoint.
Every request the receiver gets is checked with the `standardwebhooks` library there."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

from application.webhooks.rotate_secret import RotateWebhookSecret
from domain.webhooks.delivery import DeliveryStatus
from domain.webhooks.endpoint import DisabledReason
from domain.webhooks.events import EventType
from domain.webhooks.urls import UrlPolicy
from tests.webhooks.conftest import Deliveries


def path(kind: str) -> str:
    return f"/{kind}/{uuid4().hex}"


async def test_a_2xx_delivers_once_signed_both_ways(deliveries: Deliveries) -> None:
    hook = path("ok")
    endpoint = await deliveries.endpoint(hook)
    event_id = await deliveries.emit(EventType.POST_PUBLISHED, post_id="p9")
    [delivery] = await deliveries.run()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.SUCCEEDED, 1, 204,
    )  # fmt: skip
    [seen] = await deliveries.receiver.log(hook)
    assert seen["verified"] == [True]
    headers, body = seen["headers"], seen["body"].encode()
    assert headers["webhook-id"] == event_id and headers["content-type"] == "application/json"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    expected = hmac.new(endpoint.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-openpost-signature"] == expected
    payload = json.loads(body)
    assert payload["id"] == event_id and payload["type"] == payload["event"] == "post.published"
    assert payload["data"] == {"post_id": "p9"}
    assert await deliveries.run() == []


async def test_failures_are_retried_on_the_schedule_then_succeed(deliveries: Deliveries) -> None:
    hook = path("script")
    await deliveries.receiver.script(hook, 500, 503)
    await deliveries.endpoint(hook)
    event_id = await deliveries.emit()
    [first] = await deliveries.run()
    assert first.status is DeliveryStatus.PENDING and first.last_status_code == 500
    assert first.next_attempt_at == deliveries.clock.now() + timedelta(seconds=10)
    assert await deliveries.run() == []  # not due yet
    deliveries.clock.advance(10)
    [second] = await deliveries.run()
    assert second.next_attempt_at == deliveries.clock.now() + timedelta(seconds=20)
    deliveries.clock.advance(20)
    [third] = await deliveries.run()
    assert third.status is DeliveryStatus.SUCCEEDED and third.attempts == 3
    seen = await deliveries.receiver.log(hook)
    assert [s["headers"]["webhook-id"] for s in seen] == [event_id] * 3
    assert all(s["verified"] == [True] for s in seen)


async def test_a_4xx_is_retried_and_the_delivery_fails_after_the_schedule(
    deliveries: Deliveries,
) -> None:
    hook = path("status/400")
    endpoint = await deliveries.endpoint(hook)
    await deliveries.emit()
    for delay in (0, 10, 20):
        deliveries.clock.advance(delay)
        [delivery] = await deliveries.run()
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 3
    assert delivery.last_error == "the endpoint answered 400"
    assert deliveries.stored_endpoint(endpoint).enabled  # not five days yet


async def test_a_410_fails_the_delivery_and_disables_the_endpoint(deliveries: Deliveries) -> None:
    hook = path("status/410")
    endpoint = await deliveries.endpoint(hook)
    await deliveries.emit()
    [delivery] = await deliveries.run()
    stored = deliveries.stored_endpoint(endpoint)
    assert delivery.status is DeliveryStatus.FAILED
    assert (stored.enabled, stored.disabled_reason) == (False, DisabledReason.GONE)
    await deliveries.emit()
    assert await deliveries.run() == []


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(deliveries: Deliveries) -> None:
    hook = path("status/302")
    await deliveries.endpoint(hook)
    await deliveries.emit()
    [delivery] = await deliveries.run()
    assert delivery.status is DeliveryStatus.PENDING and delivery.last_status_code == 302
    assert len(await deliveries.receiver.log(hook)) == 1


async def test_a_receiver_that_hangs_or_closes_is_a_failure(deliveries: Deliveries) -> None:
    hung, closed = path("hang"), path("close")
    await deliveries.endpoint(hung)
    await deliveries.endpoint(closed)
    await deliveries.emit()
    results = {d.endpoint_id: d for d in await deliveries.run()}
    assert len(results) == 2
    for delivery in results.values():
        assert delivery.status is DeliveryStatus.PENDING and delivery.last_status_code is None
        assert delivery.last_error


async def test_a_huge_or_dripping_answer_never_holds_the_worker(deliveries: Deliveries) -> None:
    huge, drip, dripbody = path("huge"), path("drip"), path("dripbody")
    for hook in (huge, drip, dripbody):
        await deliveries.endpoint(hook)
    await deliveries.emit()
    started = time.monotonic()
    results = await deliveries.run()
    assert time.monotonic() - started < 3 * deliveries.policy.timeout_s + 1
    by_code = sorted((d.last_status_code or 0, d.status.value) for d in results)
    # The 1 GB body is never read and its 200 stands; so does the dripping body's, whose
    # status came in time; headers that drip past the deadline are a failure.
    assert by_code == [(0, "pending"), (200, "succeeded"), (200, "succeeded")]


async def test_private_addresses_need_allow_private(deliveries: Deliveries) -> None:
    deliveries.allow_private = False
    for host in ("127.0.0.1", "localhost"):
        hook = path("ok")
        endpoint = await deliveries.endpoint(hook)
        endpoint_url = deliveries.receiver.url(hook).replace("127.0.0.1", host)
        deliveries.store.webhook_endpoints[endpoint.id].url = endpoint_url
        await deliveries.emit()
        [delivery] = await deliveries.run()
        assert delivery.status is DeliveryStatus.PENDING
        assert "not allowed" in (delivery.last_error or "")
        assert await deliveries.receiver.log(hook) == []
        deliveries.store.webhook_endpoints.pop(endpoint.id)


async def test_http_needs_allow_http_at_delivery_too(deliveries: Deliveries) -> None:
    hook = path("ok")
    await deliveries.endpoint(hook)
    deliveries.policy = replace(deliveries.policy, urls=UrlPolicy(allow_http=False))
    await deliveries.emit()
    [delivery] = await deliveries.run()
    assert "https" in (delivery.last_error or "")
    assert await deliveries.receiver.log(hook) == []


async def test_after_a_rotation_both_secrets_sign_for_a_day(deliveries: Deliveries) -> None:
    hook = path("ok")
    endpoint = await deliveries.endpoint(hook)
    rotated = await RotateWebhookSecret(deliveries.uow(), deliveries.clock).execute(
        endpoint.workspace_id, endpoint.id
    )
    await deliveries.receiver.verify_with(hook, rotated.secret, endpoint.secret)
    await deliveries.emit()
    await deliveries.run()
    [seen] = await deliveries.receiver.log(hook)
    assert seen["verified"] == [True, True]
    assert len(seen["headers"]["x-openpost-signature"].split(" ")) == 2


async def test_five_days_of_failures_with_nothing_delivered_disable_it(
    deliveries: Deliveries,
) -> None:
    hook = path("status/500")
    endpoint = await deliveries.endpoint(hook)
    for _ in range(3):
        await deliveries.emit()
        await deliveries.run()
        deliveries.clock.advance(timedelta(days=2, hours=12))
    stored = deliveries.stored_endpoint(endpoint)
    assert (stored.enabled, stored.disabled_reason) == (False, DisabledReason.FAILING)
