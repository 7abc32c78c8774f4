from abc import abstractmethod
from typing import Protocol

from application.ports.platforms import PlatformGateway
from domain.platform import Platform
from domain.workspace import WorkspaceMode


class PlatformDirectory(Protocol):
    """Finds the gateway that serves a platform for a kind of workspace: the real one for
    live workspaces, the simulated one for test workspaces."""

    @abstractmethod
    def gateway(self, platform: Platform, mode: WorkspaceMode) -> PlatformGateway:
        """Raises `PlatformUnavailable` for platforms pending approval and
        `PlatformNotConfigured` when the operator has not set the platform up."""
