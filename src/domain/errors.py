"""Errors the domain raises when a business rule says no."""


class DomainError(Exception):
    """Base of every rule violation; the HTTP edge maps each subclass to one answer."""


class IllegalTransition(DomainError):
    """An integration was asked to make a move its transition table does not allow."""

    def __init__(self, status: str, event: str) -> None:
        super().__init__(f"cannot apply {event!r} to an integration that is {status}")
        self.status = status
        self.event = event


class IntegrationDisconnected(DomainError):
    """The integration was disconnected; it must be connected again before use."""


class NoSlotAvailable(DomainError):
    """Every candidate slot in the horizon is taken."""
