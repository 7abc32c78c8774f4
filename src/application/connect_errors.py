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


# Our own sentence for each error code of RFC 6749 section 4.1.2.1. The `error` parameter
# arrives in a URL anyone can craft, so its text is never shown: a page under our name
# would otherwise say whatever an attacker wrote.
AUTHORIZATION_ERRORS = {
    "access_denied": "Access was denied on X, so no account was connected.",
    "invalid_request": "X found the authorization request invalid.",
    "unauthorized_client": "X does not allow this server's app to ask for authorization.",
    "unsupported_response_type": "X does not support the kind of authorization asked for.",
    "invalid_scope": "X refused the permissions this server asks for.",
    "server_error": "X failed while authorizing the connection.",
    "temporarily_unavailable": "X could not authorize the connection just now.",
}
UNKNOWN_AUTHORIZATION_ERROR = "X did not authorize the connection."


class AuthorizationDenied(ConnectRefused):
    """X sent the browser back with `?error=`: one of our sentences, never X's (or an
    attacker's) text. `error` keeps the code only when it is a known one."""

    def __init__(self, error: str) -> None:
        known = error if error in AUTHORIZATION_ERRORS else None
        cause = AUTHORIZATION_ERRORS[known] if known else UNKNOWN_AUTHORIZATION_ERROR
        super().__init__(f"{cause} {START_AGAIN}")
        self.error = known


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
