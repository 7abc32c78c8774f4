"""X's consent screen, simulated for test workspaces: it approves at once, offline."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from application.connect_errors import (
    ExpiredConnectState,
    InvalidAuthorizeRequest,
    UnknownConnectState,
)
from application.ports.clock import Clock
from application.ports.twitter import SimulatedConsent
from application.ports.unit_of_work import UnitOfWork
from domain.platform import Platform
from domain.workspace import WorkspaceMode


class SimulateTwitterAuthorize:
    """Answers the connect URL of a test workspace with the redirect X would send: back to
    the callback with the state and a code bound to the PKCE challenge.

    Rules: the state must be pending (not spent, not expired) and belong to a test
    workspace; a live workspace's state is treated as unknown, so nothing about it leaks.
    The state is not spent here: the callback spends it.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, consent: SimulatedConsent) -> None:
        self.uow = uow
        self.clock = clock
        self.consent = consent

    async def execute(self, state: str | None, code_challenge: str | None) -> str:
        now = self.clock.now()
        if not state:
            raise UnknownConnectState()
        async with self.uow:
            pending = await self.uow.oauth_states.get(state)
            workspace = await self.uow.workspaces.get(pending.workspace_id) if pending else None
        if (
            pending is None
            or workspace is None
            or workspace.mode is not WorkspaceMode.TEST
            or pending.platform is not Platform.TWITTER
        ):
            raise UnknownConnectState()
        if pending.is_expired(now):
            raise ExpiredConnectState()
        if not code_challenge:
            raise InvalidAuthorizeRequest("code_challenge is required")
        code = self.consent.issue_code(code_challenge)
        return with_query(pending.redirect_uri, {"state": state, "code": code})


def with_query(url: str, params: dict[str, str]) -> str:
    """Appends `params` to `url`, keeping its own query and fragment."""
    parts = urlsplit(url)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))
