from dataclasses import dataclass, field

from domain.webhooks.endpoint import WebhookEndpoint


@dataclass(frozen=True, slots=True)
class EndpointWithSecret:
    """An endpoint and its new secret: the one answer that shows the secret."""

    endpoint: WebhookEndpoint
    secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class QueuedEvent:
    event_id: str
