"""Providers for workspaces, API keys and authentication."""

from __future__ import annotations

from dishka import (
    Provider,
    Scope,
    provide,
)

from adapters.decorators.principals import CachedPrincipals
from application.api_keys import CreateApiKey, ListApiKeys, RevokeApiKey
from application.authenticate import AuthenticateApiKey, StoredPrincipals
from application.ports.api_keys import PrincipalLookup
from application.ports.unit_of_work import (
    ReadOnlyUnitOfWorkFactory,
)
from application.workspaces import CreateWorkspace, EnsureDemoWorkspace, ListWorkspaces
from entrypoints.settings import Settings


class WorkspaceProvider(Provider):
    """Workspaces, their API keys, and authenticating a key (through the key cache)."""

    scope = Scope.REQUEST

    create_workspace = provide(CreateWorkspace)
    list_workspaces = provide(ListWorkspaces)
    ensure_demo = provide(EnsureDemoWorkspace)
    create_key = provide(CreateApiKey)
    list_keys = provide(ListApiKeys)
    revoke_key = provide(RevokeApiKey)
    authenticate = provide(AuthenticateApiKey, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def principals(self, factory: ReadOnlyUnitOfWorkFactory, settings: Settings) -> PrincipalLookup:
        """Keys are read once per API_KEY_CACHE_S at most, per process."""
        return CachedPrincipals(StoredPrincipals(factory), ttl_s=settings.api_key_cache_s)
