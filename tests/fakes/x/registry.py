"""Who exists in the fake X: apps (clients) and accounts (users)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .records import DEFAULT_USER_ID, RegisteredClient, XUser


@dataclass
class Registry:
    """Apps and accounts, plus which account is signed in to the simulated browser."""

    clients: dict[str, RegisteredClient] = field(default_factory=dict)
    users: dict[str, XUser] = field(default_factory=dict)
    browser_user_id: str = DEFAULT_USER_ID

    def add_client(self, client: RegisteredClient) -> RegisteredClient:
        self.clients[client.client_id] = client
        return client

    def add_user(self, user: XUser) -> XUser:
        if not user.id.isdigit():
            raise ValueError("X user ids are numeric strings, e.g. '2244994945'")
        self.users[user.id] = user
        return user

    def sign_in(self, user_id: str) -> None:
        """Make `user_id` the account that consents at the next authorizations."""
        if user_id not in self.users:
            raise KeyError(f"no such user {user_id!r}")
        self.browser_user_id = user_id
