"""Errors the domain raises when a business rule says no."""


class DomainError(Exception):
    """Base of every rule violation; the HTTP edge maps each subclass to one answer."""


class IllegalTransition(DomainError):
    """An entity was asked to make a move its transition table does not allow."""

    def __init__(self, status: str, event: str, subject: str = "an integration") -> None:
        super().__init__(f"cannot apply {event!r} to {subject} that is {status}")
        self.status = status
        self.event = event


class IntegrationDisconnected(DomainError):
    """The integration was disconnected; it must be connected again before use."""


class MediaScopeMissing(DomainError):
    """The account was connected without the permission to upload media (X's
    `media.write`); connecting it again grants it. `field` names the integration in the
    request (`integrations[1]`)."""

    def __init__(self, integration_id: str, field: str = "integrations") -> None:
        super().__init__(f"integration {integration_id} may not upload media")
        self.details = {"field": field, "reason": "connected without media.write; reconnect it"}


class NoSlotAvailable(DomainError):
    """Every candidate slot in the horizon is taken."""


class PostNotCancelable(DomainError):
    """Only a draft or scheduled post can be canceled; once publishing or finished it cannot."""

    def __init__(self, status: str) -> None:
        super().__init__(f"a {status} post cannot be canceled")
        self.status = status


class PostNotEditable(DomainError):
    """Only a draft or scheduled post can be edited; once publishing or finished it cannot."""

    def __init__(self, status: str) -> None:
        super().__init__(f"a {status} post cannot be edited")
        self.status = status


class InvalidField(DomainError):
    """An input breaks a rule; `field` names it by its dotted path, `reason` says which."""

    code = "validation_error"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"Invalid value for {field}: {reason}")
        self.field, self.reason = field, reason
        self.details = {"field": field, "reason": reason}


class InvalidPostInput(InvalidField):
    """Post content or schedule a platform or the contract refuses; `field` names the
    offending input (`content`, `platform_overrides.twitter.content`, `schedule_at`)."""


class ContentTooLong(InvalidPostInput):
    """The text is longer than a target platform accepts (X: 280 weighted, Bluesky: 300
    graphemes)."""

    code = "content_too_long"


class InvalidMediaInput(InvalidField):
    """A media field the contract refuses (`alt_text` too long, a bad `media` list)."""


class InvalidQueue(InvalidField):
    """A queue a client wrote breaks one of its rules; `field` names the offending input
    by its dotted path (`timezone`, `slots[0].times[1]`, `blocked_dates[2]`)."""


class MediaTooLarge(DomainError):
    """An upload is over the cap for its kind (MEDIA_MAX_*_BYTES)."""

    def __init__(self, kind: str, limit: int) -> None:
        super().__init__(f"A {kind} may be at most {limit} bytes.")
        self.kind, self.limit = kind, limit


class MediaNotSupported(InvalidMediaInput):
    """The platform takes no media of this kind (Bluesky: no GIFs, no videos)."""

    code = "media_not_supported"
