"""SQLAlchemy Core repositories over one connection (the unit of work's transaction)."""

from adapters.persistence.sqlalchemy.credential_repositories import (
    SqlAlchemyCredentialRepository,
    SqlAlchemyOAuthStateRepository,
)
from adapters.persistence.sqlalchemy.integration_repositories import (
    SqlAlchemyBusyTimeReader,
    SqlAlchemyIntegrationRepository,
)
from adapters.persistence.sqlalchemy.workspace_repositories import (
    SqlAlchemyApiKeyRepository,
    SqlAlchemyWorkspaceRepository,
)

__all__ = [
    "SqlAlchemyApiKeyRepository",
    "SqlAlchemyBusyTimeReader",
    "SqlAlchemyCredentialRepository",
    "SqlAlchemyIntegrationRepository",
    "SqlAlchemyOAuthStateRepository",
    "SqlAlchemyWorkspaceRepository",
]
