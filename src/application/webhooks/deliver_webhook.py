"""Sends one claimed attempt and records what came of it.

The attempt is signed at send time (`webhook-timestamp` is this attempt's) and POSTed
through the one guarded fetcher (`UrlFetcher`: every resolved address checked, the
connection pinned to one of them), with no redirect followed (a 3xx is a failure) and one
deadline for the whole exchange. Only a small declared body is read (so the connection can
be reused); any other is never read, so a huge or dripping answer cannot hold a worker.
The outcome is recorded by
the delivery entity (success, a retry per the schedule, or failure) and written with
`RecordAttempts`, which also tells the endpoint. No transaction is open while the
receiver is called.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.ports.url_fetcher import FetchError, FetchRequest, UrlFetcher, UrlNotAllowed
from application.ports.webhook_deliveries import ClaimedDelivery
from application.webhooks.policy import DeliveryPolicy
from application.webhooks.record_attempts import RecordAttempts
from domain.webhooks.delivery import AttemptResult, Delivery
from domain.webhooks.errors import InvalidWebhookInput
from domain.webhooks.signing import signature_headers
from domain.webhooks.urls import check_url

USER_AGENT = "OpenPost-Webhooks/1"
READ_AT_MOST = 64 * 1024


def _small(content_length: str | None) -> bool:
    return (
        content_length is not None
        and content_length.isdigit()
        and int(content_length) <= READ_AT_MOST
    )


class DeliverWebhook:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        fetcher: UrlFetcher,
        policy: DeliveryPolicy,
        random_source: Callable[[], float] = random.random,
    ) -> None:
        self.uow_factory, self.clock, self.fetcher = uow_factory, clock, fetcher
        self.policy, self.random = policy, random_source
        self.recorder = RecordAttempts(uow_factory, policy)

    async def execute(self, claimed: ClaimedDelivery) -> Delivery:
        result = await self._send(claimed, self.clock.now())
        return await self._record(claimed, result, self.clock.now())

    async def _send(self, claimed: ClaimedDelivery, now: datetime) -> AttemptResult:
        endpoint = claimed.endpoint
        try:
            check_url(endpoint.url, self.policy.urls)
        except InvalidWebhookInput as refused:
            return AttemptResult(None, f"the endpoint URL is not allowed: {refused.reason}")
        headers = signature_headers(
            endpoint.signing_secrets(now), claimed.delivery.event_id, int(now.timestamp()),
            claimed.body,
        )  # fmt: skip
        headers |= {"content-type": "application/json", "user-agent": USER_AGENT}
        request = FetchRequest(
            endpoint.url, "POST", headers, claimed.body, max_bytes=READ_AT_MOST,
            timeout_s=self.policy.timeout_s, max_redirects=0,
        )  # fmt: skip
        return await self._post(request)

    async def _post(self, request: FetchRequest) -> AttemptResult:
        status: int | None = None
        try:
            async with self.fetcher.open(request) as response:
                status = response.status
                if _small(response.headers.get("content-length")):
                    async for _ in response.chunks():
                        pass
        except UrlNotAllowed as refused:
            return AttemptResult(None, f"the endpoint's address is not allowed: {refused}")
        except FetchError as failed:
            # An answer whose status came in time stands, however its body went.
            return AttemptResult(status) if status is not None else AttemptResult(None, str(failed))
        return AttemptResult(status)

    async def _record(
        self, claimed: ClaimedDelivery, result: AttemptResult, now: datetime
    ) -> Delivery:
        delivery = replace(claimed.delivery)
        delivery.record(result, now, self.policy.schedule, self.random())
        await self.recorder.record(claimed, delivery, result, now)
        return delivery
