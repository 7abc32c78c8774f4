from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Protocol

from domain.webhooks.delivery import AttemptResult


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    url: str
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)


class WebhookSender(Protocol):
    """POSTs one attempt to a receiver under the delivery guards: the address policy,
    no redirects followed, a bounded time and a bounded read."""

    @abstractmethod
    async def send(self, request: WebhookRequest) -> AttemptResult:
        """What came of it; every failure of the receiver or the network is a result
        with a status code or an error, never an exception."""
