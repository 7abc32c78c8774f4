from abc import abstractmethod
from typing import Protocol

from application.ports.bluesky import BlueskyGateway
from application.ports.platforms import PlatformGateway
from application.ports.twitter import TwitterGateway
from domain.platform import Platform
from domain.workspace import WorkspaceMode


class PlatformDirectory(Protocol):
    """Finds the gateway that serves a platform for a kind of workspace: the real one for
    live workspaces, the simulated one for test workspaces."""

    @abstractmethod
    def gateway(self, platform: Platform, mode: WorkspaceMode) -> PlatformGateway:
        """Raises `PlatformUnavailable` for platforms pending approval and
        `PlatformNotConfigured` when the operator has not set the platform up."""

    @abstractmethod
    def bluesky(self, mode: WorkspaceMode) -> BlueskyGateway:
        """The Bluesky gateway with its login, for the connect flow."""

    @abstractmethod
    def twitter(self, mode: WorkspaceMode) -> TwitterGateway:
        """The X gateway with its code exchange and profile, for the connect flow."""
