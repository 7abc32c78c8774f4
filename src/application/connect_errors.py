"""Why an OAuth connect could not finish. The person reading these is in a browser, at the
end of a redirect: each message is a sentence for them, naming the cause."""

from __future__ import annotations

from collections.abc import Iterable

from application.errors import ApplicationError

START_AGAIN = "Start connecting the account again from your application."


class ConnectRefused(ApplicationError):
    """Base of the callback's refusals; `str(error)` is the sentence to show."""


class UnknownConnectState(ConnectRefused):
    def __init__(self) -> None:
        super().__init__(
            "This connection link is unknown or was already used (a link works once). "
            + START_AGAIN
        )


class ExpiredConnectState(ConnectRefused):
    def __init__(self) -> None:
        super().__init__(
            "This connection link expired before the account was authorized. " + START_AGAIN
        )


class AuthorizationDenied(ConnectRefused):
    def __init__(self, error: str) -> None:
        cause = (
            "Access was denied on X, so no account was connected."
            if error == "access_denied"
            else f"X did not authorize the connection ({error[:100]})."
        )
        super().__init__(f"{cause} {START_AGAIN}")
        self.error = error


class MissingAuthorizationCode(ConnectRefused):
    def __init__(self) -> None:
        super().__init__("X sent no authorization code back. " + START_AGAIN)


class ScopesNotGranted(ConnectRefused):
    def __init__(self, missing: Iterable[str]) -> None:
        self.missing = tuple(sorted(missing))
        super().__init__(
            "The account was not connected: posting needs the permissions "
            f"{', '.join(self.missing)}, which were not granted. "
            "Start again and allow every requested permission."
        )


class InvalidAuthorizeRequest(ConnectRefused):
    """The simulated consent screen was called without what X itself requires."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"This authorization request is invalid: {reason}. " + START_AGAIN)
