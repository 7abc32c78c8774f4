"""Errors a use case raises; the HTTP edge maps each to one status and code."""

from __future__ import annotations

from domain.errors import IntegrationDisconnected


class ApplicationError(Exception):
    """Base of every use-case refusal."""


class NotFound(ApplicationError):
    """No such resource in the caller's workspace (a foreign one looks the same)."""


class InvalidCursor(ApplicationError):
    """`starting_after` names nothing in this list."""


class PlatformUnavailable(ApplicationError):
    """The platform is pending approval: it cannot be connected or posted to yet."""


class PlatformNotConfigured(ApplicationError):
    """The operator has not configured this platform's app credentials."""


class DuplicateIntegration(ApplicationError):
    """The account is already connected in this workspace (raced with another connect)."""


class UnknownApiKey(ApplicationError):
    """No key, or no unrevoked key, matches."""


class UnknownWorkspace(ApplicationError):
    """No workspace with that id."""


class UndecryptableSecret(ApplicationError):
    """A stored secret opens under none of the configured keys."""


class DatabaseUnavailable(ApplicationError):
    """The database cannot be reached or refused the connection."""


class IntegrationNotFound(ApplicationError):
    """A post names an integration that is not in the caller's workspace (or no UUID)."""

    def __init__(self, index: int, value: str) -> None:
        super().__init__(value)
        field = f"integrations[{index}]"
        self.details = {"field": field, "reason": f"no integration {value!r} in this workspace"}


class InvalidPostTargets(ApplicationError):
    """The integration list of a post is empty or names one integration twice."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"Invalid value for {field}: {reason}")
        self.details = {"field": field, "reason": reason}


class TargetIntegrationDisconnected(IntegrationDisconnected):
    """A post names an integration that is disconnected; `details.field` says which."""

    def __init__(self, index: int, value: str) -> None:
        super().__init__(value)
        self.details = {"field": f"integrations[{index}]", "reason": "disconnected"}


class TooManyAttempts(ApplicationError):
    """Too many failed logins lately for this account or workspace: refused without
    asking the platform, for `retry_after_s` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed attempts; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class MediaInUse(ApplicationError):
    """A draft, scheduled or publishing post attaches the media: it cannot be deleted."""


class QueueNotSet(ApplicationError):
    """The integration has no queue: its slots follow section 3's default rule."""


class InvalidSlotCount(ApplicationError):
    """A slot preview asks for fewer than 1 or more than `MAX_SLOT_COUNT` slots."""

    def __init__(self, count: int, most: int) -> None:
        reason = f"must be an integer from 1 to {most}"
        super().__init__(f"Invalid value for count: {reason}")
        self.details = {"field": "count", "reason": reason}


class IdempotencyKeyInUse(ApplicationError):
    """Another request with this Idempotency-Key created its resource first."""
