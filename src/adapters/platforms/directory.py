from collections.abc import Mapping

from application.errors import PlatformNotConfigured, PlatformUnavailable
from application.ports.bluesky import BlueskyGateway
from application.ports.platform_directory import PlatformDirectory
from application.ports.platforms import PlatformGateway
from application.ports.twitter import TwitterGateway
from domain.platform import Platform
from domain.workspace import WorkspaceMode


class StaticPlatformDirectory(PlatformDirectory):
    """Live workspaces get the configured gateways; test workspaces the simulated ones."""

    def __init__(
        self,
        live: Mapping[Platform, PlatformGateway],
        simulated: Mapping[Platform, PlatformGateway],
    ) -> None:
        self.live = dict(live)
        self.simulated = dict(simulated)

    def gateway(self, platform: Platform, mode: WorkspaceMode) -> PlatformGateway:
        if not platform.is_available:
            raise PlatformUnavailable(platform.value)
        gateways = self.simulated if mode is WorkspaceMode.TEST else self.live
        gateway = gateways.get(platform)
        if gateway is None:
            raise PlatformNotConfigured(platform.value)
        return gateway

    def bluesky(self, mode: WorkspaceMode) -> BlueskyGateway:
        gateway = self.gateway(Platform.BLUESKY, mode)
        if not isinstance(gateway, BlueskyGateway):
            raise PlatformNotConfigured(Platform.BLUESKY.value)
        return gateway

    def twitter(self, mode: WorkspaceMode) -> TwitterGateway:
        gateway = self.gateway(Platform.TWITTER, mode)
        if not isinstance(gateway, TwitterGateway):
            raise PlatformNotConfigured(Platform.TWITTER.value)
        return gateway
