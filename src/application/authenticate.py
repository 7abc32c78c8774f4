"""Turns a bearer key into a principal.

The rule: only a well-formed key is looked up (a malformed one costs no read), and only
by its hash; an unrevoked key names its workspace and mode. How long an answer may be
reused is the lookup's concern (`adapters/decorators/principals.py`, chosen in the
composition root)."""

from __future__ import annotations

from application.ports.api_keys import Principal, PrincipalLookup
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory
from domain.workspace import hash_api_key, looks_like_api_key


class AuthenticateApiKey:
    def __init__(self, principals: PrincipalLookup) -> None:
        self.principals = principals

    def cached(self, key: str) -> Principal | None:
        """The principal this process already knows for `key`, without any lookup."""
        return self.principals.known(hash_api_key(key)) if looks_like_api_key(key) else None

    async def execute(self, key: str) -> Principal | None:
        if not looks_like_api_key(key):
            return None
        return await self.principals.principal_for(hash_api_key(key))


class StoredPrincipals(PrincipalLookup):
    """Each lookup is one read-only unit of work asking the key repository."""

    def __init__(self, uow_factory: ReadOnlyUnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    async def principal_for(self, key_hash: str) -> Principal | None:
        async with self.uow_factory() as uow:
            return await uow.api_keys.principal_for(key_hash)
