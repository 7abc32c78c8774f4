"""The WebhookEndpoint entity: where a workspace wants its events, and whether it still
gets them.

It owns its enabled state. Every move goes through `_move`, which consults one table
(`ENDPOINT_MOVES`); a move the table does not list raises `IllegalTransition`:
- a 410 Gone disables it at once (`gone`);
- nothing delivered for `failing_after` (5 days) while its deliveries fail disables it
  (`failing`); any success clears the count;
- the user may disable and enable it; enabling clears the reason and the failure count.
A rotated secret keeps signing beside the new one for `ROTATION_OVERLAP` (24 h).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.errors import IllegalTransition
from domain.webhooks.errors import InvalidWebhookInput
from domain.webhooks.events import ALL_EVENTS, SUBSCRIBABLE, EventType
from domain.webhooks.urls import UrlPolicy, check_url

ROTATION_OVERLAP = timedelta(hours=24)
FAILING_AFTER = timedelta(days=5)
MAX_DESCRIPTION = 500


class DisabledReason(StrEnum):
    GONE = "gone"
    FAILING = "failing"
    DISABLED_BY_USER = "disabled_by_user"


class EndpointEvent(StrEnum):
    ENABLE = "enable"
    DISABLE = "disable"
    GONE = "gone"
    FAILING = "failing"


_ON, _OFF = True, False

# (enabled, event) -> enabled after, or None for an allowed no-op.
ENDPOINT_MOVES: dict[tuple[bool, EndpointEvent], bool | None] = {
    (_ON, EndpointEvent.ENABLE): None,
    (_ON, EndpointEvent.DISABLE): _OFF,
    (_ON, EndpointEvent.GONE): _OFF,
    (_ON, EndpointEvent.FAILING): _OFF,
    (_OFF, EndpointEvent.ENABLE): _ON,
    (_OFF, EndpointEvent.DISABLE): None,
    (_OFF, EndpointEvent.GONE): None,
    (_OFF, EndpointEvent.FAILING): None,
}
_REASONS = {
    EndpointEvent.DISABLE: DisabledReason.DISABLED_BY_USER,
    EndpointEvent.GONE: DisabledReason.GONE,
    EndpointEvent.FAILING: DisabledReason.FAILING,
}


def check_events(events: Sequence[str]) -> tuple[str, ...]:
    """Non-empty; every type known, or exactly `["*"]`. Duplicates are dropped."""
    if not events:
        raise InvalidWebhookInput("events", "must name at least one event type")
    if ALL_EVENTS in events:
        if len(set(events)) != 1:
            raise InvalidWebhookInput("events", '"*" cannot be combined with other types')
        return (ALL_EVENTS,)
    for index, name in enumerate(events):
        if name not in SUBSCRIBABLE:
            known = ", ".join(sorted(SUBSCRIBABLE))
            raise InvalidWebhookInput(f"events[{index}]", f"unknown type; known: {known}")
    return tuple(dict.fromkeys(events))


def check_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidWebhookInput("description", f"at most {MAX_DESCRIPTION} characters")
    return description


@dataclass(slots=True)
class WebhookEndpoint:
    id: UUID
    workspace_id: UUID
    url: str
    events: tuple[str, ...]
    description: str | None
    enabled: bool
    disabled_reason: DisabledReason | None
    secret: str = field(repr=False)
    previous_secret: str | None = field(repr=False)
    previous_secret_expires_at: datetime | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        workspace_id: UUID,
        url: str,
        events: Sequence[str],
        description: str | None,
        secret: str,
        policy: UrlPolicy,
        now: datetime,
    ) -> WebhookEndpoint:
        return cls(
            id, workspace_id, check_url(url, policy), check_events(events),
            check_description(description), True, None, secret, None, None, None, now, now,
        )  # fmt: skip

    def subscribes_to(self, event_type: EventType) -> bool:
        return ALL_EVENTS in self.events or event_type.value in self.events

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The current secret first, then the previous one while its overlap lasts."""
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def change(
        self,
        now: datetime,
        policy: UrlPolicy,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
        description: str | None = None,
        clear_description: bool = False,
        enabled: bool | None = None,
    ) -> None:
        """A PATCH: every given field is checked before any is applied."""
        new_url = check_url(url, policy) if url is not None else self.url
        new_events = check_events(events) if events is not None else self.events
        new_description = None if clear_description else self.description
        if description is not None:
            new_description = check_description(description)
        if (new_url, new_events, new_description) != (self.url, self.events, self.description):
            self.url, self.events, self.description = new_url, new_events, new_description
            self.updated_at = now
        if enabled is not None:
            self._move(EndpointEvent.ENABLE if enabled else EndpointEvent.DISABLE, now)

    def rotate_secret(self, new_secret: str, now: datetime) -> None:
        """The old secret keeps signing beside the new one for ROTATION_OVERLAP."""
        self.previous_secret, self.secret = self.secret, new_secret
        self.previous_secret_expires_at = now + ROTATION_OVERLAP
        self.updated_at = now

    def delivery_succeeded(self) -> bool:
        """Returns whether anything changed (so the caller writes only then)."""
        if self.failing_since is None:
            return False
        self.failing_since = None
        return True

    def delivery_failed(self, now: datetime, failing_after: timedelta = FAILING_AFTER) -> bool:
        """Starts the failure count, or disables the endpoint once nothing has been
        delivered for `failing_after`. Returns whether anything changed."""
        if not self.enabled:
            return False
        if self.failing_since is None:
            self.failing_since = now
            return True
        if now - self.failing_since >= failing_after:
            self._move(EndpointEvent.FAILING, now)
            return True
        return False

    def gone(self, now: datetime) -> None:
        """The receiver answered 410 Gone: it wants nothing more."""
        self._move(EndpointEvent.GONE, now)

    def _move(self, event: EndpointEvent, now: datetime) -> None:
        key = (self.enabled, event)
        if key not in ENDPOINT_MOVES:
            state = "enabled" if self.enabled else "disabled"
            raise IllegalTransition(state, event.value, "a webhook endpoint")
        target = ENDPOINT_MOVES[key]
        if target is None:
            return
        self.enabled = target
        self.disabled_reason = None if target else _REASONS[event]
        self.failing_since = None
        self.updated_at = now
