"""Refusals of the webhook rules."""

from __future__ import annotations

from domain.errors import DomainError


class InvalidWebhookInput(DomainError):
    """An endpoint's url, events or description the contract refuses; `field` names it."""

    code = "validation_error"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"Invalid value for {field}: {reason}")
        self.field, self.reason = field, reason
        self.details = {"field": field, "reason": reason}


class DeliveryAlreadySucceeded(DomainError):
    """A delivery that succeeded is never sent again: retrying it is a conflict."""


class WebhookEndpointDisabled(DomainError):
    """A test event cannot be sent to a disabled endpoint: it would never be delivered."""
