"""Failed platform logins, limited before they reach the platform."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

from application.errors import TooManyAttempts
from application.ports.failed_attempts import FailedAttempts


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """At most `per_identifier` failures for one account and `per_workspace` for all
    accounts of a workspace within `window_s`; 0 turns a limit off."""

    per_identifier: int = 5
    per_workspace: int = 20
    window_s: int = 900


class LoginThrottle:
    """Guards a login to a platform (Bluesky's createSession) against guessing.

    - Past `per_identifier` failures for one (workspace, identifier), that account is
      refused for the rest of the window without calling the platform: one tenant cannot
      lock an account, or get this server's address limited, by guessing its password.
    - Past `per_workspace` failures in one workspace, every login of that workspace is
      refused likewise: trying many accounts is no way around the first rule.
    - A success clears its account's failures (not the workspace's).
    - Identifiers compare as the platform does (case and a leading `@` ignored); only a
      hash of one is kept.
    """

    def __init__(self, attempts: FailedAttempts, limits: LoginLimits) -> None:
        self.attempts = attempts
        self.limits = limits

    async def check(self, workspace_id: UUID, identifier: str) -> None:
        """Raises `TooManyAttempts` when either limit is reached."""
        waits = [
            await self.attempts.retry_after(key, limit, self.limits.window_s)
            for key, limit in self._keys(workspace_id, identifier)
            if limit > 0
        ]
        longest = max((w for w in waits if w is not None), default=None)
        if longest is not None:
            raise TooManyAttempts(longest)

    async def failed(self, workspace_id: UUID, identifier: str) -> None:
        for key, limit in self._keys(workspace_id, identifier):
            if limit > 0:
                await self.attempts.record(key, self.limits.window_s)

    async def succeeded(self, workspace_id: UUID, identifier: str) -> None:
        account_key, _ = self._keys(workspace_id, identifier)[0]
        await self.attempts.forget(account_key)

    def _keys(self, workspace_id: UUID, identifier: str) -> list[tuple[str, int]]:
        account = normalized(identifier).encode()
        digest = hashlib.sha256(account).hexdigest()[:32]
        return [
            (f"login:{workspace_id.hex}:{digest}", self.limits.per_identifier),
            (f"login:{workspace_id.hex}", self.limits.per_workspace),
        ]


def normalized(identifier: str) -> str:
    return identifier.strip().removeprefix("@").lower()
