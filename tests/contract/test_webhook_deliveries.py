"""Delivery queue and repository contract: claims lease, count an attempt, keep at most
`per_endpoint` in flight per endpoint, and never hand one delivery to two workers."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from domain.webhooks.delivery import AttemptResult, DeliveryStatus
from domain.webhooks.endpoint import WebhookEndpoint
from domain.webhooks.schedule import RetrySchedule
from domain.workspace import Workspace
from tests.contract.builders import T0, a_workspace
from tests.contract.conftest import Backend
from tests.contract.webhook_builders import a_draft, an_endpoint

LEASE = timedelta(seconds=30)


async def _with_events(backend: Backend, events: int) -> tuple[Workspace, WebhookEndpoint]:
    workspace = a_workspace()
    endpoint = an_endpoint(workspace.id)
    async with backend() as uow:
        await uow.workspaces.add(workspace)
        await uow.webhook_endpoints.add(endpoint)
        await uow.outbox.record(*(a_draft(workspace.id) for _ in range(events)))
        await uow.commit()
    return workspace, endpoint


async def _claim(backend: Backend, limit: int = 50, at: timedelta = timedelta()) -> list[UUID]:
    async with backend() as uow:
        claimed = await uow.delivery_queue.claim_due(T0 + at, LEASE, limit, 4)
        await uow.commit()
    return [c.delivery.id for c in claimed]


async def test_at_most_four_in_flight_per_endpoint(uow_factory: Backend) -> None:
    await _with_events(uow_factory, 10)
    first = await _claim(uow_factory)
    assert len(first) == 4
    assert await _claim(uow_factory) == []
    again = await _claim(uow_factory, at=LEASE)  # the leases ran out: a dead worker
    assert len(again) == 4 and set(again) == set(first)


async def test_a_claim_counts_an_attempt_and_hands_out_the_signing_secrets(
    uow_factory: Backend,
) -> None:
    _workspace, endpoint = await _with_events(uow_factory, 1)
    async with uow_factory() as uow:
        [claimed] = await uow.delivery_queue.claim_due(T0, LEASE, 10, 4)
        await uow.commit()
    assert claimed.delivery.attempts == 1
    assert claimed.delivery.lease_expires_at == T0 + LEASE
    assert claimed.endpoint == endpoint and claimed.endpoint.signing_secrets(T0) == (
        endpoint.secret,
    )


async def test_disabled_endpoints_are_not_delivered_to(uow_factory: Backend) -> None:
    _workspace, endpoint = await _with_events(uow_factory, 2)
    async with uow_factory() as uow:
        endpoint.gone(T0)
        await uow.webhook_endpoints.save(endpoint)
        await uow.commit()
    assert await _claim(uow_factory) == []


async def test_an_attempt_is_saved_once_and_a_stale_one_never(uow_factory: Backend) -> None:
    workspace, endpoint = await _with_events(uow_factory, 1)
    async with uow_factory() as uow:
        [claimed] = await uow.delivery_queue.claim_due(T0, LEASE, 10, 4)
        await uow.commit()
    async with uow_factory() as uow:
        [retaken] = await uow.delivery_queue.claim_due(T0 + LEASE, LEASE, 10, 4)
        await uow.commit()
    late = claimed.delivery
    late.record(AttemptResult(200), T0, RetrySchedule(), 0.5)
    current = retaken.delivery
    current.record(AttemptResult(500), T0 + LEASE, RetrySchedule(), 0.5)
    async with uow_factory() as uow:
        assert await uow.webhook_deliveries.save_attempts(
            [(late, late.attempts), (current, current.attempts)]
        ) == {current.id}
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.webhook_deliveries.get(workspace.id, endpoint.id, current.id)
    assert stored == current and stored.status is DeliveryStatus.PENDING


async def test_deliveries_list_newest_first_by_status(uow_factory: Backend) -> None:
    workspace, endpoint = await _with_events(uow_factory, 3)
    async with uow_factory() as uow:
        [one] = await uow.delivery_queue.claim_due(T0, LEASE, 1, 4)
        one.delivery.record(AttemptResult(204), T0, RetrySchedule(), 0.5)
        await uow.webhook_deliveries.save_attempts([(one.delivery, 1)])
        await uow.commit()
    async with uow_factory() as uow:
        every = await uow.webhook_deliveries.list(workspace.id, endpoint.id, None, 10)
        done = await uow.webhook_deliveries.list(
            workspace.id, endpoint.id, DeliveryStatus.SUCCEEDED, 10
        )
        page = await uow.webhook_deliveries.list(workspace.id, endpoint.id, None, 10, every[0])
        foreign = await uow.webhook_deliveries.get(a_workspace().id, endpoint.id, one.delivery.id)
    assert [d.id for d in done] == [one.delivery.id]
    assert [(d.created_at, d.id) for d in every] == sorted(
        ((d.created_at, d.id) for d in every), reverse=True
    )
    assert page == every[1:] and foreign is None


async def test_deleting_an_endpoint_deletes_its_deliveries(uow_factory: Backend) -> None:
    workspace, endpoint = await _with_events(uow_factory, 2)
    async with uow_factory() as uow:
        await uow.webhook_endpoints.delete(endpoint)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.webhook_endpoints.get(workspace.id, endpoint.id) is None
        assert await uow.webhook_deliveries.list(workspace.id, endpoint.id, None, 10) == []
    assert await _claim(uow_factory) == []


async def test_endpoints_list_newest_first_in_their_workspace(uow_factory: Backend) -> None:
    workspace = a_workspace()
    endpoints = [an_endpoint(workspace.id) for _ in range(3)]
    for offset, endpoint in enumerate(endpoints):
        endpoint.created_at = T0 + timedelta(seconds=offset)
    async with uow_factory() as uow:
        await uow.workspaces.add(workspace)
        for endpoint in endpoints:
            await uow.webhook_endpoints.add(endpoint)
        await uow.commit()
    async with uow_factory() as uow:
        listed = await uow.webhook_endpoints.list(workspace.id, 10)
        after = await uow.webhook_endpoints.list(workspace.id, 10, listed[0])
        assert await uow.webhook_endpoints.list(a_workspace().id, 10) == []
    assert listed == endpoints[::-1] and after == endpoints[1::-1]


async def test_two_workers_claiming_at_once_share_without_overlap(uow_factory: Backend) -> None:
    """On PostgreSQL the two claims overlap in time: the second skips the endpoint the
    first holds, and once the first commits it sees the endpoint full."""
    await _with_events(uow_factory, 10)
    if not uow_factory.overlapping_units:
        first, second = await _claim(uow_factory), await _claim(uow_factory)
        assert len(first) == 4 and second == []
        return
    async with uow_factory() as one:
        taken = await one.delivery_queue.claim_due(T0, LEASE, 50, 4)
        async with uow_factory.from_another_process() as two:
            skipped = await two.delivery_queue.claim_due(T0, LEASE, 50, 4)
            await two.commit()
        await one.commit()
    assert len(taken) == 4 and skipped == []
    assert await _claim(uow_factory) == []
